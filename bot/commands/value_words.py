"""The filter values' words of the vocabulary, brought up to date per changed value.

Made whole, the words of 60,000 values (ACLED's places and actors) took a third of a second,
and every write that brings a new place makes them again: each chunk of an import did, and
so the next command after it waited for them. Here they are made whole once, then only the
values a write changed are looked at again, and the rest is copied as it is.

The words are those `bot.commands.data_words.words` makes from every value: a value's first
spelling (as it sorts first in any series), its words in the order of (key, value as
matched), and where two values are spelled alike, the first in that order.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import replace

from bot.commands.kept import ValueKeeper
from bot.commands.plain_words import Vocabulary

Key = tuple[str, str]  # (key, value as matched)


class ValueWords:
    """The values in words order, and by spelling, as of the vocabulary last made."""

    def __init__(self, keeper: ValueKeeper) -> None:
        self.keeper = keeper
        self._order: list[Key] = []  # every spelled value, in words order
        self._entries: list[tuple[str, str]] = []  # (key, label), in the same order
        self._spelled: dict[str, set[Key]] = {}  # casefolded label → the values spelled so

    def rebuild(self) -> None:
        """Take every value the keeper holds afresh."""
        self._order, self._entries, self._spelled = [], [], {}
        for dimension, value, label in self.keeper.spelled():
            self._order.append((dimension, value))
            self._entries.append((dimension, label))
            self._spelled.setdefault(label.casefold(), set()).add((dimension, value))

    def updated(
        self,
        vocabulary: Vocabulary,
        changes: Mapping[Key, str | None],
        names: Mapping[int, str],
    ) -> Vocabulary:
        """Return `vocabulary` with the words of the changed values (each with its label
        before) made again from the keeper; `names` are the series' names by id."""
        spellings: set[str] = set()
        labelled: set[tuple[str, str]] = set()  # (key, casefolded label)
        owners = dict(vocabulary.owners)
        for key, before in changes.items():
            after = self.keeper.label(*key) or None
            for label in {before or None, after} - {None}:
                assert label is not None
                spellings.add(label.casefold())
                labelled.add((key[0], label.casefold()))
            self._place(key, before or None, after)
            holders = self.keeper.holders(*key)
            if holders:
                owners[key] = tuple(sorted(names[i] for i in holders if i in names))
            else:
                owners.pop(key, None)
        values = dict(vocabulary.values)
        for spelling in spellings:
            first = self._first(spelling)
            if first is not None and spelling not in vocabulary.series:
                values[spelling] = first
            else:
                values.pop(spelling, None)
        labels = dict(vocabulary.labels)
        for dimension, spelling in labelled:
            first = self._first(spelling, dimension)
            if first is not None:
                labels[(dimension, spelling)] = first[1]
            else:
                labels.pop((dimension, spelling), None)
        return replace(
            vocabulary,
            values=values,
            labels=labels,
            entries=tuple(self._entries),
            owners=owners,
        )

    def _place(self, key: Key, before: str | None, after: str | None) -> None:
        """Move a value to where its label now puts it (or out, when it has none)."""
        at = bisect_left(self._order, key)
        present = at < len(self._order) and self._order[at] == key
        if before is not None:
            self._spelled[before.casefold()].discard(key)
            if not self._spelled[before.casefold()]:
                del self._spelled[before.casefold()]
        if after is None:
            if present:
                del self._order[at]
                del self._entries[at]
            return
        self._spelled.setdefault(after.casefold(), set()).add(key)
        if present:
            self._entries[at] = (key[0], after)
        else:
            self._order.insert(at, key)
            self._entries.insert(at, (key[0], after))

    def _first(self, spelling: str, dimension: str | None = None) -> tuple[str, str] | None:
        """Return (key, label) of the first value in words order spelled so (under that key)."""
        keys = [key for key in self._spelled.get(spelling, ()) if dimension in (None, key[0])]
        if not keys:
            return None
        first = min(keys)
        label = self.keeper.label(*first)
        assert label is not None
        return (first[0], label)
