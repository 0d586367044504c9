"""Words people type, matched loosely to the words a question may use and to the data's values.

Pure. A word is taken as written when it is known; otherwise as the known word spelled
closest to it ("sinc" → since, "strikez" → strikes), when one is close enough. A run of words
is a value of the data when it is spelled like one, whatever its case, accents, hyphens and
spaces ("ain al asad" → Ain al-Asad), or close to one (a typo); two values as close as each
other are both offered, so that the question can be asked back.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

# How close a typed word must be to a known word (rapidfuzz's ratio, 0–100) to be read as it.
WORD_CUTOFF = 80
SHORT_WORD_CUTOFF = 85  # three letters: "lst" → last, but not every short word
VALUE_CUTOFF = 86
LONG_VALUE_CUTOFF = 80  # six letters or more: "rokcet" → rocket
# Two values whose scores are this close are both offered: the question is asked back.
TIE_MARGIN = 3
MAX_VALUE_WORDS = 4
# How close a value must be to be named as the closest to a word that was not read.
CLOSEST_CUTOFF = 60
# Past this many spellings of a length, a typo is compared with those of its first letter.
MANY = 4_000


def _listed(words: str) -> frozenset[str]:
    """Return the words of a block of text, one each."""
    return frozenset(words.split())


# Common words that carry no part of a question: never corrected into one that does.
PLAIN_ENGLISH = _listed(
    """
    a about above after again against all also am an and any anything are as at be because
    been being both but by can could did do does doing done during each either else ever
    every far few for from further get got had has have having he her here hers him his i
    if in into is it its it's just know let like me more much my near need nor now
    of off on once only or other our out over own please same she should so some still
    such tell than that that's the their them then there there's these they this those
    through to too under up us very was we were what what's where whether which while who
    whom whose why will with would yet you your anybody anyone somebody someone
    hi hello hey thanks thank okay ok
    """
)


def folded(text: str) -> str:
    """Return text without accents, casefolded: "Āin Al-Asad" → "ain al-asad"."""
    if text.isascii():
        return text.lower()  # most names, at a fraction of the cost
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_NOT_ALNUM = re.compile(r"[\W_]+")


@lru_cache(maxsize=262_144)
def compact(text: str) -> str:
    """Return text's letters and digits alone, folded: "Ain al-Asad" → "ainalasad"."""
    return _NOT_ALNUM.sub("", folded(text))


class Match(NamedTuple):
    """A value of the data a run of words was read as."""

    key: str
    value: str  # as stored
    score: float  # 100 when spelled the same but for case, accents and punctuation


@dataclass(frozen=True)
class ValueFound:
    """The value (or the values, as close as each other) that words from a position name."""

    words: int
    matches: tuple[Match, ...]  # the best first; more than one: ask which

    @property
    def exact(self) -> bool:
        return self.matches[0].score >= 100


class Lexicon:
    """The words a question may use, and the data's values by their compact spelling."""

    def __init__(
        self,
        words: Iterable[str],
        entries: Iterable[tuple[str, str]],
        *,
        unmended: Iterable[str] = (),
    ) -> None:
        self.words = frozenset(words)
        # Words known but never mended into: "night" is not "eight".
        self._choices = sorted(self.words - frozenset(unmended))
        letters: dict[str, list[str]] = {}
        for known in self._choices:
            letters.setdefault("".join(sorted(known)), []).append(known)
        self._anagrams = {k: v[0] for k, v in letters.items() if len(v) == 1}
        by_spelling: dict[str, list[tuple[str, str]]] = {}
        for key, value in entries:
            spelled = compact(value)
            if spelled:
                by_spelling.setdefault(spelled, []).append((key, value))
        self.values = {spelled: tuple(found) for spelled, found in by_spelling.items()}
        self._spellings = sorted(self.values)
        # By length: a spelling much longer or shorter than a typed word cannot be close to it.
        self._by_length: dict[int, list[str]] = {}
        self._by_start: dict[tuple[str, int], list[str]] = {}
        for spelled in self._spellings:
            self._by_length.setdefault(len(spelled), []).append(spelled)
            self._by_start.setdefault((spelled[0], len(spelled)), []).append(spelled)
        # Words that are part of some value: not corrected into a question word.
        self.value_words = frozenset(w for _, v in entries for w in _words_of(v))

    def known(self, word: str) -> bool:
        """Say whether a word (lower case) is taken as written."""
        return word in self.words or word in PLAIN_ENGLISH or word in self.value_words

    def corrected(self, word: str) -> tuple[str, float] | None:
        """Return the known word spelled closest to `word` and its score, if one is close.

        Two letters swapped ("hwo", "yaer") is as close as a word gets.
        """
        if len(word) < 3 or not word.isalpha():
            return None
        swapped = self._anagrams.get("".join(sorted(word)))
        if swapped is not None and _one_swap(word, swapped):
            return swapped, 95.0
        from rapidfuzz import fuzz, process  # loaded by the first word not known as written

        cutoff = SHORT_WORD_CUTOFF if len(word) == 3 else WORD_CUTOFF
        best = process.extractOne(word, self._choices, scorer=fuzz.ratio, score_cutoff=cutoff)
        if best is None:
            return None
        found, score = best[0], best[1]
        if len(word) == 3 and found[0] != word[0]:
            return None
        return found, score

    def value_at(self, words: Sequence[str], start: int, *, loose: bool) -> ValueFound | None:
        """Return the longest run of words from `start` that names a value of the data.

        Spelled alike first (case, accents, hyphens and spaces aside); with `loose`, also a
        run spelled close to a value (a typo), of at least five letters.
        """
        longest = min(MAX_VALUE_WORDS, len(words) - start)
        for count in range(longest, 0, -1):
            spelled = compact("".join(words[start : start + count]))
            found = self.values.get(spelled)
            if found is not None:
                return ValueFound(count, tuple(Match(k, v, 100.0) for k, v in found))
        if not loose:
            return None
        for count in range(longest, 0, -1):
            found_close = self._close_values(compact("".join(words[start : start + count])))
            if found_close:
                return ValueFound(count, found_close)
        return None

    def _close_values(self, spelled: str) -> tuple[Match, ...]:
        if len(spelled) < 5 or not self._spellings:
            return ()
        from rapidfuzz import fuzz, process

        cutoff = VALUE_CUTOFF if len(spelled) < 6 else LONG_VALUE_CUTOFF
        close = process.extract(
            spelled,
            self._near_in_length(spelled, cutoff),
            scorer=fuzz.ratio,
            score_cutoff=cutoff,
            limit=4,
        )
        if not close:
            return ()
        best = close[0][1]
        kept = [c for c in close if c[1] >= best - TIE_MARGIN]
        return tuple(Match(k, v, score) for found, score, _ in kept for k, v in self.values[found])

    def _near_in_length(self, spelled: str, cutoff: float) -> list[str]:
        """The spellings that could reach `cutoff` against `spelled`, by their lengths.

        ratio = 2·common / (a + b) ≤ 2·min(a, b) / (a + b), so lengths outside these bounds
        cannot reach it. Past MANY spellings, only those that begin with the same letter are
        compared: a typo rarely changes the first letter, and reading stays within its time.
        """
        length = len(spelled)
        sizes = range(
            max(int(length * cutoff / (200 - cutoff)), 1),
            int(length * (200 - cutoff) / cutoff) + 2,
        )
        near: list[str] = []
        for size in sizes:
            near += self._by_length.get(size, ())
        if len(near) <= MANY:
            return near
        near = []
        for size in sizes:
            near += self._by_start.get((spelled[0], size), ())
        return near

    def closest_values(self, word: str, limit: int = 3) -> list[Match]:
        """Return the values spelled most like `word`, for a question that named none."""
        spelled = compact(word)
        if len(spelled) < 3 or not self._spellings:
            return []
        from rapidfuzz import fuzz, process

        near = self._near_in_length(spelled, CLOSEST_CUTOFF)
        close = process.extract(
            spelled, near, scorer=fuzz.ratio, score_cutoff=CLOSEST_CUTOFF, limit=limit
        )
        return [Match(k, v, s) for found, s, _ in close for k, v in self.values[found]]


def _one_swap(word: str, known: str) -> bool:
    """Say whether `word` is `known` with two neighbouring letters swapped."""
    differ = [i for i, (a, b) in enumerate(zip(word, known, strict=True)) if a != b]
    return len(differ) == 2 and differ[1] == differ[0] + 1


def _words_of(value: str) -> list[str]:
    return [w for w in folded(value).replace("-", " ").split() if w]
