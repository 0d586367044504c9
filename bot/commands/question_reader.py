"""The words of a question read one by one: the data's values, mended typos, days and periods.

Pure; the reader of questions (bot/commands/asking.py) decides from these parts what is asked.
A value of the data is found first (its words may be anything), then each other word is
mended when it is not known as written, then read: a day, a period, a number, a breakdown,
a series, or a word of a question's kind. A word that is none of these is kept as unknown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from bot.commands import question_words as q
from bot.commands.lexicon import PLAIN_ENGLISH, Lexicon, Match, ValueFound
from bot.commands.plain_words import Vocabulary, day_at, quoted
from bot.commands.question_text import rewritten
from bot.commands.verbs import MAX_LIMIT
from bot.domain.calendar_periods import is_day_of_month
from bot.domain.fields import FieldError
from bot.domain.periods import Period, period_at
from bot.domain.wording import day_text

RANGE_WORDS = ("to", "until", "till", "through", "-", "–")
SWAPPED = 95  # the score of two letters swapped (lexicon.py)
# A word this close to a word of questions is read as it without looking among the values.
SURE = 85


@dataclass
class Parts:
    """The parts found in a question's words."""

    intents: set[str] = field(default_factory=set)
    series: list[str] = field(default_factory=list)
    filters: dict[str, str] = field(default_factory=dict)
    choices: list[tuple[str, tuple[Match, ...]]] = field(default_factory=list)
    period: Period | None = None
    day: date | None = None
    as_of: date | None = None
    now: bool = False
    everywhere: bool = False
    number: int | None = None
    by: str | None = None
    unknown: list[str] = field(default_factory=list)
    cleared: set[str] = field(default_factory=set)  # keys whose filter goes: "all countries"
    read_as: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Value:
    """A value of the data found in the words, and the words as written."""

    found: ValueFound
    written: str


_LEXICONS: dict[int, tuple[Vocabulary, Lexicon]] = {}


def lexicon_of(vocabulary: Vocabulary) -> Lexicon:
    """Return the lexicon of a vocabulary, made once per vocabulary (they are made per change)."""
    kept = _LEXICONS.get(id(vocabulary))
    if kept is not None and kept[0] is vocabulary:
        return kept[1]
    lexicon = Lexicon(
        (*q.QUESTION_WORDS, *vocabulary.series), vocabulary.entries, unmended=q.NUMBERS
    )
    _LEXICONS.clear()
    _LEXICONS[id(vocabulary)] = (vocabulary, lexicon)
    return lexicon


class Reader:
    """One pass over a question's words: values and mended words, then what each word is."""

    def __init__(self, words: list[str], today: date, vocabulary: Vocabulary) -> None:
        self.today = today
        self.vocabulary = vocabulary
        self.lexicon = lexicon_of(vocabulary)
        self.words = rewritten(words, self.lexicon)
        self.found = Parts()

    def parts(self) -> Parts:
        mended = self._mended()
        self._read(mended)
        return self.found

    def _mended(self) -> list[str | _Value]:
        """The words with the data's values found and typos mended."""
        lexicon, words = self.lexicon, self.words
        out: list[str | _Value] = []
        at = 0
        while at < len(words):
            word = words[at].lower()
            value = None if self._question_word(word) else lexicon.value_at(words, at, loose=False)
            if value is None and not self._question_word(word):
                value = self._singular_value(word)
            if value is None and word in lexicon.value_words and not self._question_word(word):
                value = self._loose_value(at)  # "ain al-assad": a typo
            if value is not None:
                out.append(_Value(value, " ".join(words[at : at + value.words])))
                at += value.words
                continue
            if lexicon.known(word) or not word.isalpha() or len(word) < 3:
                out.append(word)
                at += 1
                continue
            mended = self._mend(word, at)
            out.append(mended)
            at += 1 if isinstance(mended, str) else mended.found.words
        return out

    def _question_word(self, word: str) -> bool:
        return word in self.lexicon.words or word in PLAIN_ENGLISH

    def _singular_value(self, word: str) -> ValueFound | None:
        for ending in ("es", "s"):
            if word.endswith(ending) and len(word) > len(ending) + 2:
                found = self.lexicon.value_at([word[: -len(ending)]], 0, loose=False)
                if found is not None:
                    return found
        return None

    def _loose_value(self, at: int) -> ValueFound | None:
        # A misspelled value runs over words that are not a question's: "attacks" ends it,
        # and fewer runs are matched against every value.
        end = at + 1
        while (
            end < len(self.words)
            and end - at < 4
            and not self._question_word(self.words[end].lower())
        ):
            end += 1
        return self.lexicon.value_at(self.words[at:end], 0, loose=True)

    def _mend(self, word: str, at: int) -> str | _Value:
        corrected = self.lexicon.corrected(word)
        sure = corrected is not None and corrected[1] >= SURE
        value = None if sure else self._loose_value(at)
        if value is not None and (corrected is None or value.matches[0].score >= corrected[1]):
            return _Value(value, " ".join(self.words[at : at + value.words]))
        if corrected is None or _changes_meaning(word, *corrected):
            return word
        self.found.read_as.append(f"Read `{self.words[at]}` as {corrected[0]}.")
        return corrected[0]

    def _read(self, mended: list[str | _Value]) -> None:
        words = [w if isinstance(w, str) else "\0" for w in mended]
        at = 0
        while at < len(mended):
            item = mended[at]
            if isinstance(item, _Value):
                self._value(item.found, item.written)
                at += 1
                continue
            at += self._word(words, at)

    def _value(self, found: ValueFound, written: str) -> None:
        distinct = tuple(dict.fromkeys(found.matches))
        if len(distinct) > 1:
            self.found.choices.append((written, distinct))
            return
        match = distinct[0]
        held = self.found.filters.get(match.key)
        if held is not None and held != match.value:
            self.found.choices.append((written, (Match(match.key, held, 100.0), match)))
            return
        self.found.filters[match.key] = match.value
        if written != match.value:
            self.found.read_as.append(f"Read `{written}` as {match.key}:{quoted(match.value)}.")

    def _word(self, words: list[str], at: int) -> int:
        """Read the word at `at` (and those it takes with it); return how many were read."""
        word = words[at]
        month_day = word in q.MONTH_WORDS and at + 1 < len(words) and is_day_of_month(words[at + 1])
        taken = (
            self._as_of(words, at)
            or self._week_of(words, at)
            or (month_day and self._day(words, at))  # March 3 (to March 9), not March
            or self._period(words, at)
            or self._day(words, at)
        )
        if taken:
            return taken
        following = words[at + 1] if at + 1 < len(words) else ""
        if word in q.BY_WORDS and following in q.BREAKDOWNS:
            self._breakdown(q.BREAKDOWNS[following])
            return 2
        if word in ("which", "what") and following in q.WHICH_NOUNS:
            self._breakdown(q.BREAKDOWNS[following])  # which base was hit most often
            return 2
        if word in q.WHICH_NOUNS and following in ("breakdown", "split", "totals", "counts"):
            self._breakdown(q.BREAKDOWNS[word])  # kind breakdown for jordan
            return 2
        if word in q.ALL_OF and following in q.BREAKDOWN_NOUNS | q.WHICH_NOUNS:
            self.found.cleared.add(q.BREAKDOWNS[following])  # all countries, any kind
            return 2
        if word in q.ALONE:
            self._breakdown(q.BREAKDOWNS[word])
            return 1
        if (word.isascii() and word.isdigit()) or word in q.NUMBERS:
            self._number(word)
            return 1
        series = self.vocabulary.series.get(word)
        if series is not None:
            self.found.series.append(series)
            return 1
        self._intent(word)
        return 1

    def _breakdown(self, by: str) -> None:
        if self.found.by not in (None, by):
            raise FieldError(f"One breakdown at a time: by {self.found.by} or by {by}")
        self.found.by = by

    def _intent(self, word: str) -> None:
        if word in q.EVERYWHERE:
            self.found.everywhere = True
        elif word in q.NOW:
            self.found.now = True
        if word in self.lexicon.words or word in PLAIN_ENGLISH:
            self.found.intents.add(word)
        elif (len(word) > 2 or any(c.isdigit() for c in word)) and word != "\0":
            # A word of the question that is not read would be a question left unasked.
            self.found.unknown.append(word)

    def _number(self, word: str) -> None:
        number = q.NUMBERS.get(word) or int(word)
        if not 1 <= number <= MAX_LIMIT:
            raise FieldError(
                f"{word} is more than the bot ranks or lists: ask for 1 to {MAX_LIMIT}"
            )
        self.found.number = number

    def _as_of(self, words: list[str], at: int) -> int:
        if words[at] in ("as-of", "asof"):
            skip = 1
        elif words[at] == "as" and at + 1 < len(words) and words[at + 1] == "of":
            skip = 2
        else:
            return 0
        found = self._day_at(words, at + skip)
        if found is None:
            raise FieldError("`as of` needs a day, e.g. as of 1 July")
        self.found.as_of = found[1]
        return skip + found[0]

    def _period(self, words: list[str], at: int) -> int:
        found = period_at(words, at, self.found.as_of or self.today, self._day_at)
        if found is None:
            return 0
        self._one_period(found[1])
        return found[0]

    def _week_of(self, words: list[str], at: int) -> int:
        # the week of 16 November: Monday to Sunday, as the digest's weeks
        if words[at] != "week" or words[at + 1 : at + 2] != ["of"]:
            return 0
        found = self._day_at(words, at + 2)
        if found is None:
            return 0
        monday = found[1] - timedelta(days=found[1].weekday())
        last = min(monday + timedelta(days=6), self.found.as_of or self.today)
        self._one_period(Period(monday, last, f"in the week of {day_text(monday)}"))
        return 2 + found[0]

    def _one_period(self, period: Period) -> None:
        if self.found.period is not None or self.found.day is not None:
            raise FieldError("Give one period or day, e.g. in March 2024 or last week")
        self.found.period = period

    def _day(self, words: list[str], at: int) -> int:
        skip = 1 if words[at] == "on" else 0
        found = self._day_at(words, at + skip)
        if found is None:
            return 0
        taken, day = found
        end = at + skip + taken
        if end + 1 < len(words) and words[end] in RANGE_WORDS:
            # March 3 to March 9: a range of days without `from`
            last = self._day_at(words, end + 1)
            if last is not None:
                if last[1] < day:
                    raise FieldError(
                        f"{last[1].isoformat()} is before {day.isoformat()}; write the earlier "
                        "day first"
                    )
                label = f"from {day_text(day)} to {day_text(last[1])}"
                self._one_period(Period(day, last[1], label, dated=False))
                return skip + taken + 1 + last[0]
        if self.found.period is not None or self.found.day is not None:
            raise FieldError("Give one period or day, e.g. in March 2024 or last week")
        self.found.day = day
        return skip + taken

    def _day_at(self, words: Sequence[str], at: int, today: date | None = None) -> Any:
        """Read a day at `at`, only where one may begin: the date parser is slow on any word."""
        if at >= len(words) or not _may_begin_a_day(words, at):
            return None
        return day_at(words, at, today=today or self.today, what="day")


def _changes_meaning(word: str, corrected: str, score: float) -> bool:
    """Say whether mending `word` into `corrected` could read another question into it.

    A word with letters more than a filler's ("yday" is not "day") or a month spelled loosely
    ("arbil" is a place, not April) is left as written.
    """
    if score >= SWAPPED:
        return False
    if corrected in q.NEUTRAL or corrected in PLAIN_ENGLISH:
        return len(word) > len(corrected)
    return corrected in q.MONTH_WORDS and score < SURE


def _may_begin_a_day(words: Sequence[str], at: int) -> bool:
    word = words[at].lower()
    following = words[at + 1].lower() if at + 1 < len(words) else ""
    if word in q.DAY_STARTS or (word == "last" and following in q.WEEKDAYS):
        return True
    if word in ("a", "an") and following in ("day", "week", "month", "year"):
        return words[at + 2 : at + 3] == ["ago"]  # since a month ago
    if not word[:1].isdigit():
        return False
    return (
        any(c in word for c in "-/.")
        or following.rstrip(".,") in q.DAY_STARTS
        or (following in ("days", "weeks", "day", "week") and "ago" in words[at + 2 : at + 3])
        or (word.endswith(("st", "nd", "rd", "th")) and following in ("of", *q.MONTH_WORDS))
    )
