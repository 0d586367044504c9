"""Plain words read as the data knows them, or the closest words it knows for one that is not.

Fillers are skipped, a series may be named in the singular, a value known in the data is read
as its filter, and a day may take several words.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from difflib import get_close_matches
from typing import NamedTuple

from bot.commands.verbs import QUESTION, Verb
from bot.commands.words import DAY_WORDS_HINT, read_day
from bot.domain.fields import shown
from bot.domain.filters import Filters, normalised

# Words people put around a command that change nothing: "how many days since the last
# attack?", "is the current pause the longest?".
LEADING_FILLERS = frozenset(
    [
        "how",
        "many",
        "much",
        "long",
        "days",
        "day",
        "what",
        "whats",
        "what's",
        "is",
        "was",
        "it",
        "has",
        "been",
        "the",
        "current",
        "show",
        "me",
        "tell",
        "please",
        "longest",
    ]
)
FILLERS = LEADING_FILLERS | frozenset(
    [
        "last",
        "since",
        "in",
        "at",
        "by",
        "of",
        "for",
        "a",
        "an",
        "on",
        "record",
        "so",
        "far",
        "ever",
        "there",
    ]
)


@dataclass(frozen=True)
class Vocabulary:
    """What the data knows, so that plain words can be read: series names and filter values.

    `series` maps a word (casefolded) to the series it names, its plural and singular
    included; `values` maps a value (casefolded) to the (key, value as stored) it is.
    """

    series: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    labels: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (key, casefolded)
    # Every (key, value as stored), a value under several keys included: questions match
    # them loosely (bot/commands/lexicon.py).
    entries: tuple[tuple[str, str], ...] = ()
    # (key, value as matched: bot.domain.filters.normalised) → the series that hold it, so a
    # question about a place only one series holds is asked of that series.
    owners: Mapping[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    default_series: str = ""

    def holds(self, series: str | None, key: str, value: str) -> bool:
        """Say whether `series` (the default for None) holds a value; True when not known."""
        held = self.owners.get((key, normalised(value)))
        return held is None or (series or self.default_series) in held

    def only_in(self, filters: Filters) -> str | None:
        """Return the one series other than the default that holds every value of `filters`."""
        common: set[str] | None = None
        for key, value in filters.normalised_items():
            held = set(self.owners.get((key, value), ()))
            common = held if common is None else common & held
        if not common or self.default_series in common or len(common) != 1:
            return None
        return next(iter(common))

    def label(self, key: str, value: str) -> str:
        """Return a filter value as the data writes it ("iraq" → "Iraq"), or as given."""
        return self.labels.get((key, value.casefold()), value)

    def seen_by(self, visible: Collection[str]) -> Vocabulary:
        """Return the words of the series in `visible` alone: a team's own series, and the
        values only it holds, are not read (nor suggested) for anyone else."""
        if set(self.series.values()) <= set(visible):
            return self
        owners = {
            pair: kept
            for pair, held in self.owners.items()
            if (kept := tuple(name for name in held if name in visible))
        }

        def known(key: str, value: str) -> bool:
            pair = (key, normalised(value))
            return pair not in self.owners or pair in owners

        return replace(
            self,
            series={word: name for word, name in self.series.items() if name in visible},
            values={word: pair for word, pair in self.values.items() if known(*pair)},
            labels={pair: label for pair, label in self.labels.items() if known(pair[0], label)},
            entries=tuple(entry for entry in self.entries if known(*entry)),
            owners=owners,
        )


class KnownValue(NamedTuple):
    """A value known in the data, found in a command's words."""

    words: int  # how many words it took
    key: str
    value: str  # as stored
    written: str  # as the command wrote it


def value_at(words: Sequence[str], start: int, vocabulary: Vocabulary) -> KnownValue | None:
    """Return the longest value known in the data (up to four words) that begins at `start`."""
    values = vocabulary.values
    if not values:
        return None
    for count in range(min(4, len(words) - start), 0, -1):
        written = " ".join(words[start : start + count])
        found = values.get(written.casefold())
        if found is not None:
            key, value = found
            return KnownValue(count, key, value, written)
    return None


def series_named(word: str, vocabulary: Vocabulary) -> str | None:
    """Return the series `word` names, or None; without a vocabulary, any word shaped like one."""
    known = vocabulary.series
    if known:
        return known.get(word.casefold())
    if looks_like_series(word):
        return word  # no vocabulary: the core checks that the series exists
    return None


def day_at(words: Sequence[str], start: int, *, today: date, what: str) -> tuple[int, date] | None:
    """Return (words taken, day) for the longest day (up to four words) that begins at `start`.

    "16 July 2024", "3 days ago", "last friday": a day may take several words. Raise
    FieldError for a day that is wrong (see read_day).
    """
    for count in range(min(4, len(words) - start), 0, -1):
        taken = words[start : start + count]
        if any(":" in w for w in taken):
            continue
        day = read_day(" ".join(taken), today=today, what=what)
        if day is not None:
            return count, day
    return None


def not_understood(word: str, verb: Verb, vocabulary: Vocabulary, *, day_missing: bool) -> str:
    """Say why `word` was not read in `verb`, with the closest words the data knows."""
    if verb.kind == QUESTION and looks_like_iso_day(word):
        return f"To ask about a past day, write as-of {word}."
    if verb.name == "add" and day_missing:
        return f"{shown(word)} is not a day; {DAY_WORDS_HINT}."
    close = guesses(word, verb, vocabulary)
    hint = f" Did you mean {close}?" if close else ""
    if not verb.series and not verb.filters:
        return f"`{word}` does not belong in `{verb.name}`.{hint}"
    known = ", ".join(sorted(set(vocabulary.series.values())))
    what = f"a series ({known})" if known else "a series"
    if verb.filters:
        what += " or a value in the data"
    return f"`{word}` is not {what}.{hint}"


def guesses(word: str, verb: Verb, vocabulary: Vocabulary) -> str:
    """Return the series and values `verb` takes that are spelled closest to `word`, or ""."""
    lowered = word.casefold()
    candidates: dict[str, str] = {}
    if verb.series or verb.filters:
        for spelled, name in vocabulary.series.items():
            candidates.setdefault(spelled, name)
    if verb.filters:
        for spelled, (key, value) in vocabulary.values.items():
            candidates.setdefault(spelled, f"{key}:{quoted(value)}")
    close = get_close_matches(lowered, list(candidates), n=3, cutoff=0.75)
    unique = list(dict.fromkeys(f"`{candidates[c]}`" for c in close))
    return " or ".join(unique)


def quoted(value: str) -> str:
    """Return a value as it would be written in a command: quoted when it has a space."""
    return f'"{value}"' if " " in value else value


def looks_like_iso_day(word: str) -> bool:
    """Say whether a word looks like a day written as YYYY-MM-DD."""
    return len(word) >= 8 and word[:4].isdigit() and "-" in word


def looks_like_series(word: str) -> bool:
    """Say whether a word could be a series' name (when no vocabulary says which are)."""
    return (
        word[:1].isalpha()
        and all(c.isalnum() or c in "-_" for c in word)
        and not looks_like_iso_day(word)
        and word.lower() not in FILLERS
    )
