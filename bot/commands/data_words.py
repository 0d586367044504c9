"""The words the stored data knows (series names, filter values), made again only when they change.

Plain-word commands ("since attacks in iraq") are read with these words. Every command reads
them, so they are kept: after a write only the filter values it changed are read, and the
words are made again only when a value appeared or went, or a series was added.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands.cache import RevisionCache
from bot.commands.command import GrammarError
from bot.commands.grammar import parse
from bot.commands.kept import ValueKeeper
from bot.commands.plain_words import Vocabulary
from bot.commands.value_words import ValueWords
from bot.commands.verbs import QUERY_VERBS
from bot.domain.fields import clean_text
from bot.settings import Settings
from storage.catalog import SeriesRef

# How many sets of seen series the words are kept for (one per team, and the whole).
SEEN_KEPT = 64


class DataWords:
    """Keep the vocabulary of the stored series and filter values, per change of either."""

    def __init__(self) -> None:
        self._vocabulary = RevisionCache(size=2)  # the words, and the series' words alone
        self._values = ValueKeeper()
        self._value_words = ValueWords(self._values)
        # The words last made, with the series (names by id) they were made for: brought up
        # to date from there while the series stay.
        self._last: tuple[dict[int, str], Vocabulary] | None = None
        # Per set of series a caller sees: the words made, and those it reads of them.
        self._seen: dict[tuple[str, ...], tuple[Vocabulary, Vocabulary]] = {}

    async def of(
        self,
        session: AsyncSession,
        catalog: dict[str, SeriesRef],
        settings: Settings,
        *,
        text: str | None = None,
        today: date | None = None,
        seen: Collection[str] | None = None,
    ) -> Vocabulary:
        """Return the words of the series in `catalog` (as just read) and of their values.

        Given the `text` to be read (its `today`, and the names of the series its asker
        `seen`s), a command that reads the same without the data's values gets the words of
        those series alone: a process that answers one command (`pausewatch ask since`)
        does not read and index every value the data holds.
        """
        if text is not None and today is not None:
            visible = sorted(catalog if seen is None else set(catalog) & set(seen))
            named = self._series_words(visible, settings)
            if reads_without_values(text, today, named):
                return named
        # Only the filter values a write changed are read; the words are made again only
        # when a value appeared or went, or a series was added.
        await self._values.bring_up(session, {ref.id: ref.revision for ref in catalog.values()})
        version = (tuple(sorted(catalog)), self._values.version)
        known = self._vocabulary.get("words", version)
        if known is None:
            known = self._made(catalog, settings)
            self._vocabulary.put("words", version, known)
            self._seen.clear()  # made of the words before: not asked again
        return known

    def seen_by(self, vocabulary: Vocabulary, seen: Collection[str]) -> Vocabulary:
        """Return the words of `vocabulary` a caller who sees the series `seen` reads
        (Vocabulary.seen_by), kept while the words are the same: every value is looked at."""
        visible = tuple(sorted(seen))
        kept = self._seen.get(visible)
        if kept is not None and kept[0] is vocabulary:
            return kept[1]
        read = vocabulary.seen_by(visible)
        if read is not vocabulary:  # the series' words alone, or every series seen: as made
            if len(self._seen) >= SEEN_KEPT:
                self._seen.clear()
            self._seen[visible] = (vocabulary, read)
        return read

    def _made(self, catalog: dict[str, SeriesRef], settings: Settings) -> Vocabulary:
        """Make the words again: from the last ones, for the values changed since, while the
        series are the same; else whole."""
        names = {ref.id: name for name, ref in catalog.items()}
        changes, last, self._last = self._values.take_changes(), self._last, None
        if changes is not None and last is not None and last[0] == names:
            known = self._value_words.updated(last[1], changes, names)
        else:
            self._value_words.rebuild()
            owners = {
                key: tuple(sorted(names[i] for i in ids if i in names))
                for key, ids in self._values.owners().items()
            }
            known = words(settings, sorted(catalog), self._values.values(), owners)
        self._last = (names, known)  # not kept if making them failed: made whole next time
        return known

    def _series_words(self, names: list[str], settings: Settings) -> Vocabulary:
        known = self._vocabulary.get("series", tuple(names))
        if known is None:
            known = words(settings, names, [])
            self._vocabulary.put("series", tuple(names), known)
        return known


# Words that no value of the data can stand in for: a year or a day written out, as-of, and
# key:value options (a filter's key makes a filter, which is read with the values).
_NOT_A_VALUE = re.compile(r"\d{4}(-\d{2}){0,2}|as-of|[a-z_0-9]+:\S+", re.IGNORECASE)


def reads_without_values(text: str, today: date, series_words: Vocabulary) -> bool:
    """Say whether a question written as a command reads the same without the data's values:
    past its verb, every word is a series' or one no value stands in for (not `friday`,
    `record` or `the`, which a place may be named), and it names no filter."""
    words_given = clean_text(text).rstrip("?!. ").split()
    if not words_given or words_given[0].lower() not in QUERY_VERBS:
        return False  # words of a question, a follow-up or a pick read values
    for word in words_given[1:]:
        if word.casefold() not in series_words.series and not _NOT_A_VALUE.fullmatch(word):
            return False
    try:
        command = parse(text, today, series_words)
    except GrammarError:
        return False  # a plain word that may be a value: read again with them
    return command.verb in QUERY_VERBS and not command.filters


def words(
    settings: Settings,
    names: list[str],
    filter_values: list[tuple[str, str]],
    owners: dict[tuple[str, str], tuple[str, ...]] | None = None,
) -> Vocabulary:
    """Make the words for series `names` (and their nouns) and for (key, label) values.

    `owners` names, per (key, value as matched), the series that hold it.
    """
    series: dict[str, str] = {}
    for name in names:
        config = settings.series_settings(name)
        for word in (name, config.noun, config.nouns, name.removesuffix("s")):
            series.setdefault(word.casefold(), name)
        for alias in config.aliases:
            for word in (alias, f"{alias}s", alias.removesuffix("s")):
                series.setdefault(word.casefold(), name)
        tail = name.rsplit("-", 1)[-1]
        for word in (tail, tail.removesuffix("s")):
            if sum(1 for n in names if n.rsplit("-", 1)[-1] == tail) == 1:
                series.setdefault(word.casefold(), name)
    values: dict[str, tuple[str, str]] = {}
    labels: dict[tuple[str, str], str] = {}
    for key, label in filter_values:
        folded = label.casefold()
        labels.setdefault((key, folded), label)
        if folded not in series:
            values.setdefault(folded, (key, label))
    entries = tuple(dict.fromkeys(filter_values))
    return Vocabulary(
        series=series,
        values=values,
        labels=labels,
        entries=entries,
        owners=owners or {},
        default_series=settings.default_series,
    )
