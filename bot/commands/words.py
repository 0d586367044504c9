"""Reading what people type: tokens with any kind of quote, and days written in words."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from bot.domain.calendar_periods import MONTH_NUMBERS, months_before
from bot.domain.fields import FieldError, parse_date

# An opening quote and the quotes that may close it (chat clients curl them, phones too).
QUOTES = {
    '"': '"“”',
    "“": '”"“',
    "”": '”"“',
    "„": '“”"',
    "«": '»"',
    "'": "'’",
    "‘": "’'",
    "’": "’'",
}
APOSTROPHES = "'‘’"
DAY_WORDS_HINT = (
    "write a day as YYYY-MM-DD, or today, yesterday, 3 days ago, last friday, 16 Jul 2024"
)
_HAS_LETTER_OR_SEPARATOR = re.compile(r"[^\W\d_]|[0-9][/.][0-9]")
NUMBER_WORDS = frozenset(
    [
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "hundred",
        "a",
        "an",
    ]
)
_ORDINAL = r"\d{1,2}(?:st|nd|rd|th)?"
_MONTH = "(?:" + "|".join(sorted(MONTH_NUMBERS, key=len, reverse=True)) + r")\.?"
# 16 july [2024], the 16th of july, july 16[th][,] [2024]: one day in a form people write
_PLAIN_DAY = re.compile(
    rf"(?:(?:the )?{_ORDINAL}(?: of)? {_MONTH}|{_MONTH} (?:the )?{_ORDINAL}),?(?: \d{{4}})?"
)
_AGO = re.compile(r"(\d{1,6}|an?) (day|week|month|year)s? ago")
_PLAIN_DAY_WORD = re.compile(r"[a-z]+|\d+(?:st|nd|rd|th)?")


class QuoteError(ValueError):
    """A quote that opens a value and never closes."""


def tokens(text: str) -> list[str]:
    """Split a command into words; a quoted value ("Ain al-Assad") is one word.

    A quote opens a value only at the start of a word or right after `key:`, and closes
    only before a space or the end: an apostrophe inside a word (Al-Qa’im, Qa'im) is a
    letter. An unclosed double quote is a mistake; an unclosed single one is a letter.
    """
    words: list[str] = []
    position, length = 0, len(text)
    while position < length:
        if text[position].isspace():
            position += 1
            continue
        word: list[str] = []
        while position < length and not text[position].isspace():
            char = text[position]
            at_value_start = not word or (word[-1] == ":" and "".join(word).count(":") == 1)
            if char in QUOTES and at_value_start:
                closed = _closing(text, position)
                if closed is None:
                    if char not in APOSTROPHES:
                        raise QuoteError(char)
                else:
                    word.extend(text[position + 1 : closed])
                    position = closed + 1
                    continue
            word.append(char)
            position += 1
        words.append("".join(word))
    return words


def _closing(text: str, opening: int) -> int | None:
    closers = QUOTES[text[opening]]
    for index in range(opening + 1, len(text)):
        if text[index] in closers and (index + 1 == len(text) or text[index + 1].isspace()):
            return index
    return None


def read_day(words: str, *, today: date, what: str = "date") -> date | None:
    """Read a day written as 2024-07-16, today, yesterday, 3 days ago, 16 Jul 2024 ...

    Return None when the words are not a day at all; raise FieldError for a day that is
    wrong (not in the calendar, or after `today`).
    """
    text = words.strip()
    if text[:4].isdigit() and "-" in text:
        # An ISO day is one word: "2024-07-16 as-of ..." is a day followed by other words.
        return parse_date(text, today=today, what=what) if " " not in text else None
    if not _HAS_LETTER_OR_SEPARATOR.search(text):
        return None  # a bare number is a count, never a day
    lowered = text.lower()
    if all(word in NUMBER_WORDS for word in lowered.split()):
        return None  # "last three", "pauses five": a count, which the date parser takes as a day
    day = _plain_day(lowered, today)
    if day is None:
        parsed = _parser_for(today).get_date_data(lowered)
        found = getattr(parsed, "date_obj", None)
        if found is None:
            return None
        if getattr(parsed, "period", "day") != "day":
            raise FieldError(f"{what} {text!r} is not one day; {DAY_WORDS_HINT}")
        day = found.date()
    if day > today:
        raise FieldError(
            f"{what} {text!r} is {day.isoformat()}, in the future (today is "
            f"{today.isoformat()}); give a day that has happened"
        )
    return day


def _plain_day(lowered: str, today: date) -> date | None:
    """Read the days people write most (16 July, July 16th 2024, the 1st of March, yesterday)
    without the date parser, which takes milliseconds a call; None for any other words."""
    if lowered in ("today", "yesterday"):
        return today - timedelta(days=lowered == "yesterday")
    if (ago := _AGO.fullmatch(lowered)) is not None:
        # 3 weeks ago, a month ago: a day, where the date parser takes a week or a month
        count = 1 if ago[1] in ("a", "an") else int(ago[1])
        return _units_before(today, count, ago[2])
    words = [w for w in _PLAIN_DAY_WORD.findall(lowered) if w not in ("the", "of")]
    if not 2 <= len(words) <= 3 or not _PLAIN_DAY.fullmatch(lowered.strip()):
        return None
    months = [MONTH_NUMBERS[w] for w in words if w in MONTH_NUMBERS]
    numbers = [int(w.rstrip("stndrh")) for w in words if w[:1].isdigit()]
    if len(months) != 1 or len(numbers) != len(words) - 1:
        return None
    year = numbers[1] if len(numbers) == 2 else None
    if year is not None and not 1000 <= year <= 9999:
        return None
    if year is not None:
        try:
            return date(year, months[0], numbers[0])
        except ValueError:
            return None
    # without its year, the most recent such day, as the date parser reads it (29 February
    # may be four years back)
    for back in range(5):
        try:
            day = date(today.year - back, months[0], numbers[0])
        except ValueError:
            continue
        if day <= today:
            return day
    return None


def _units_before(today: date, count: int, unit: str) -> date | None:
    if count > 100_000:
        return None
    try:
        if unit in ("month", "year"):
            return months_before(today, count * (12 if unit == "year" else 1))
        return today - timedelta(days=count * (7 if unit == "week" else 1))
    except (ValueError, OverflowError):
        return None  # before year 1


@lru_cache(maxsize=4)
def _parser_for(today: date) -> Any:
    # dateparser takes a moment to load: only words that are not an ISO day pay for it.
    from dateparser.date import DateDataParser

    return DateDataParser(
        languages=["en"],
        settings={
            "RELATIVE_BASE": datetime(today.year, today.month, today.day, 12),  # noqa: DTZ001
            "PREFER_DATES_FROM": "past",
            "DATE_ORDER": "DMY",
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )
