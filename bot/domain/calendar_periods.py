"""Calendar periods named by their words: a year, a month, a quarter, a half; pure.

The parts of bot/domain/periods.py that name one stretch of the calendar ("2025", "March",
"March 2024", "2024-03", "Q1 2025", "H2"), and the Period they make. A month or quarter
without its year is the most recent such that has begun; every period ends no later than
the day asked about.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from difflib import get_close_matches

from bot.domain.wording import day_text

MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
MONTH_NUMBERS = (
    {name: number for number, name in enumerate(MONTHS, start=1)}
    | {name[:3]: number for number, name in enumerate(MONTHS, start=1)}
    | {"sept": 9}
)
# (words taken, day) for the day that begins at an index of the words, or None.
DayReader = Callable[[Sequence[str], int, date], "tuple[int, date] | None"]


class PeriodError(ValueError):
    """Words that name a period wrongly; the message says what was wrong and how to write it."""


@dataclass(frozen=True)
class Period:
    """Whole calendar days from `first` to `last`, both included, and how they were named."""

    first: date
    last: date
    label: str  # "in March 2024", "this week", "since 4 Feb 2024"
    dated: bool = True  # whether the label needs its days said after it

    @property
    def days(self) -> int:
        """Return how many days the period holds."""
        return (self.last - self.first).days + 1

    @property
    def text(self) -> str:
        """Name the period with its days: "in March 2024 (1–31 Mar 2024)"."""
        return f"{self.label} ({span_text(self.first, self.last)})" if self.dated else self.label


def span_text(first: date, last: date) -> str:
    """Write days as "1–31 Mar 2024", "4 Feb – 21 Apr 2024" or "4 Feb 2024 – 3 Jan 2025"."""
    if first == last:
        return day_text(first)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{day_text(last)}"
    if first.year == last.year:
        return f"{first.day} {first:%b} – {day_text(last)}"
    return f"{day_text(first)} – {day_text(last)}"


def iso_day_at(words: Sequence[str], start: int, today: date) -> tuple[int, date] | None:
    """Read one ISO day (2024-03-01) at `start`; refuse one after `today`."""
    try:
        day = date.fromisoformat(words[start])
    except (ValueError, IndexError):
        return None
    if day > today:
        raise PeriodError(f"{day.isoformat()} is in the future (today is {today.isoformat()})")
    return 1, day


def _future(what: str, first: date, today: date) -> PeriodError:
    return PeriodError(
        f"{what} begins on {first.isoformat()}, in the future (today is {today.isoformat()}); "
        "ask about a period that has begun"
    )


def ending(label: str, first: date, last: date, today: date) -> Period:
    if first > today:
        raise _future(label.removeprefix("in "), first, today)
    return Period(first, min(last, today), label)


def month_end(year: int, month: int) -> date:
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return following - timedelta(days=1)


def ascii_digits(word: str) -> bool:
    # ASCII digits alone: "²".isdigit() is true, and int() refuses it
    return word.isascii() and word.isdigit()


def is_day_of_month(word: str) -> bool:
    """Say whether a word is a day of a month: 3, 3rd, 31st."""
    digits = word.removesuffix("st").removesuffix("nd").removesuffix("rd").removesuffix("th")
    return ascii_digits(digits) and 1 <= int(digits) <= 31


def months_before(day: date, months: int) -> date:
    """Return the day `months` months before `day`, on the month's last day when it is shorter.

    Raise ValueError when that is before year 1.
    """
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, month_end(year, month + 1).day))


def year_of(word: str) -> int | None:
    return int(word) if len(word) == 4 and ascii_digits(word) and word[0] != "0" else None


def month_or_year(
    words: Sequence[str], lowered: list[str], at: int, today: date, read_day: DayReader
) -> tuple[int, Period] | None:
    word = lowered[at]
    following = lowered[at + 1] if at + 1 < len(lowered) else ""
    if (year := year_of(word)) is not None:
        return 1, ending(f"in {year}", date(year, 1, 1), date(year, 12, 31), today)
    if len(word) == 7 and word[4] == "-" and year_of(word[:4]) and ascii_digits(word[5:]):
        number, year = int(word[5:]), int(word[:4])
        if not 1 <= number <= 12:
            raise PeriodError(
                f"`{words[at]}` is not a month: months go from 01 to 12; write e.g. "
                f"{year}-03 or March {year}"
            )
        return 1, month_period(number, year, today)
    if len(word) == 2 and word[0] in "qh" and word[1] in "1234"[: 4 if word[0] == "q" else 2]:
        return _part_of_year(word, lowered, at, today)
    month = MONTH_NUMBERS.get(word.rstrip("."))
    named_year = lowered[at + 1 : at + 3]
    if month is not None and named_year in (["last", "year"], ["this", "year"]):
        # December last year
        return 3, month_period(month, today.year - (named_year[0] == "last"), today)
    if month is None:
        if year_of(following) is None:
            return None
        close = get_close_matches(word, MONTHS, n=1, cutoff=0.75)
        if close:
            raise PeriodError(
                f"`{words[at]}` is not a month; did you mean {close[0].title()}? "
                f"Write e.g. {close[0].title()} {following}"
            )
        return None
    written = year_of(following)
    if written is not None:
        return 2, month_period(month, written, today)
    # The most recent such month that has begun.
    return 1, month_period(month, today.year if month <= today.month else today.year - 1, today)


def _part_of_year(word: str, lowered: list[str], at: int, today: date) -> tuple[int, Period]:
    # Q1 2025, H2, the first quarter of 2025 (written q1 of 2025 by the reader), q3 of this year
    following = lowered[at + 1] if at + 1 < len(lowered) else ""
    after = lowered[at + 2 : at + 4] if following == "of" else []
    relative = after in (["this", "year"], ["last", "year"])
    year = year_of(after[0]) if after and not relative else year_of(following)
    if relative:
        year = today.year - (after[0] == "last")
    taken, period = _part(word[0], int(word[1]), year, today)
    # "of 2025" is one word more, "of this year" two more
    return taken + (2 if relative else int(bool(after) and year is not None)), period


def _part(letter: str, number: int, year: int | None, today: date) -> tuple[int, Period]:
    # Q1 2025, H2: a quarter (q, three months) or a half (h, six) of a year; alone, the most
    # recent such part that has begun
    months = 3 if letter == "q" else 6
    first_month = months * (number - 1) + 1
    taken = 1 if year is None else 2
    if year is None:
        year = today.year if first_month <= today.month else today.year - 1
    first = date(year, first_month, 1)
    last = month_end(year, first_month + months - 1)
    return taken, ending(f"in {letter.upper()}{number} {year}", first, last, today)


def month_period(month: int, year: int, today: date) -> Period:
    first = date(year, month, 1)
    return ending(f"in {first:%B %Y}", first, month_end(year, month), today)
