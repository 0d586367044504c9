"""Periods of days written in words ("in March", "2025", "last week", "between A and B"), pure.

A period is a run of whole calendar days, both ends included, that ends no later than the
day asked about (`today`): the current week, month or year so far, a month name without a
year the most recent such month that has begun. Weeks begin on Monday, as the digest's do.
Days inside a period ("since DATE", "between A and B") are read by the caller's reader, so
the domain needs no date parser of its own; an ISO day is read here when none is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from bot.domain.calendar_periods import (
    MONTH_NUMBERS,
    MONTHS,
    DayReader,
    Period,
    PeriodError,
    ascii_digits,
    is_day_of_month,
    iso_day_at,
    month_end,
    month_or_year,
    months_before,
    span_text,
    year_of,
)
from bot.domain.wording import day_text

__all__ = [
    "MONTHS",
    "PERIOD_HINT",
    "DayReader",
    "Period",
    "PeriodError",
    "iso_day_at",
    "period_at",
    "read_period",
    "span_text",
]

_LEADING = ("in", "during", "over", "for", "of", "within")
_SINCE_FILLERS = ("the", "start", "beginning", "of")
_UNITS = ("week", "month", "year")
MAX_DAYS = 100_000
PERIOD_HINT = (
    "write a period as 2025, March, March 2024, 2024-03, Q1 2025, this week, last month, "
    "since 2024-03-01, between 2024-03-01 and 2024-03-31, or the last 30 days (or weeks, "
    "months, years)"
)


def read_period(text: str, today: date, read_day: DayReader = iso_day_at) -> Period | None:
    """Read a whole text as one period; None when it is not one."""
    words = text.split()
    found = period_at(words, 0, today, read_day)
    if found is None or found[0] != len(words):
        return None
    return found[1]


def period_at(
    words: Sequence[str], start: int, today: date, read_day: DayReader = iso_day_at
) -> tuple[int, Period] | None:
    """Return (words taken, period) for the period that begins at `start`, or None.

    Raise PeriodError for words that name a period wrongly: one that begins after `today`,
    a range written backwards, a month that does not exist.
    """
    lowered = [word.lower() for word in words]
    at = start
    while at < len(lowered) and lowered[at] in _LEADING:
        at += 1
    if at < len(lowered) and lowered[at] == "the":
        at += 1
    if at >= len(lowered):
        return None
    for reader in (_named, _recent, month_or_year, _since, _between):
        found = reader(words, lowered, at, today, read_day)
        if found is not None:
            taken, period = found
            return taken + at - start, period
    return None


def _named(
    words: Sequence[str], lowered: list[str], at: int, today: date, read_day: DayReader
) -> tuple[int, Period] | None:
    # this week|month|year, last week|month|year
    if at + 1 >= len(lowered) or lowered[at] not in ("this", "last", "past", "previous"):
        return None
    unit = lowered[at + 1]
    if unit not in _UNITS:
        return None
    which = "this" if lowered[at] == "this" else "last"
    if unit == "week":
        first = today - timedelta(days=today.weekday())
        if which == "last":
            first -= timedelta(days=7)
        last = first + timedelta(days=6)
    elif unit == "month":
        first = today.replace(day=1)
        if which == "last":
            first = (first - timedelta(days=1)).replace(day=1)
        last = month_end(first.year, first.month)
    else:
        first = date(today.year - (which == "last"), 1, 1)
        last = date(first.year, 12, 31)
    return 2, Period(first, min(last, today), f"{which} {unit}")


def _recent(
    words: Sequence[str], lowered: list[str], at: int, today: date, read_day: DayReader
) -> tuple[int, Period] | None:
    # (the) last|past N days|weeks|months|years: the N units that end today
    if at + 2 >= len(lowered) or lowered[at] not in ("last", "past"):
        return None
    unit = _RECENT_UNITS.get(lowered[at + 2])
    if not ascii_digits(lowered[at + 1]) or unit is None:
        return None
    n = int(lowered[at + 1])
    if not 1 <= n <= MAX_DAYS or (unit != "day" and n > MAX_DAYS // 7):
        raise PeriodError(
            f"`{words[at]} {words[at + 1]} {words[at + 2]}` is not a period: give 1 to "
            f"{MAX_DAYS:,} days, e.g. the last 30 days"
        )
    if unit == "day":
        first = today - timedelta(days=n - 1)
    elif unit == "week":
        first = today - timedelta(days=7 * n - 1)
    else:
        months = n if unit == "month" else 12 * n
        first = months_before(today, months) + timedelta(days=1)
    plural = unit if n == 1 else f"{n:,} {unit}s"
    return 3, Period(first, today, f"in the last {plural}")


_RECENT_UNITS = {
    "day": "day",
    "days": "day",
    "week": "week",
    "weeks": "week",
    "month": "month",
    "months": "month",
    "year": "year",
    "years": "year",
}


def _since(
    words: Sequence[str], lowered: list[str], at: int, today: date, read_day: DayReader
) -> tuple[int, Period] | None:
    if lowered[at] != "since" or at + 1 >= len(lowered):
        return None
    skip = 1
    while at + skip < len(lowered) and lowered[at + skip] in _SINCE_FILLERS:
        skip += 1  # since the 1st of March, since the start of the year
    began = {"start", "beginning"} & set(lowered[at + 1 : at + skip])
    if began and lowered[at + skip : at + skip + 1] == ["year"]:
        lowered = [*lowered[: at + skip], str(today.year), *lowered[at + skip + 1 :]]
        words = lowered
    named_day = at + skip + 1 < len(lowered) and is_day_of_month(lowered[at + skip + 1])
    if not named_day and (whole := _month_or_year_at(words, lowered, at + skip, today)):
        # since March, since 2024: from the first day of that month or year
        taken, named = whole
        label = f"since {day_text(named.first)}"
        return skip + taken, Period(named.first, today, label, dated=False)
    found = _day(words, at + skip, today, read_day)
    if found is None:
        return None
    taken, first = found
    return skip + taken, Period(first, today, f"since {day_text(first)}", dated=False)


def _between(
    words: Sequence[str], lowered: list[str], at: int, today: date, read_day: DayReader
) -> tuple[int, Period] | None:
    # between A and B, from A to B: A is the words up to the joining word.
    joins = {"between": ("and",), "from": ("to", "until", "till")}.get(lowered[at])
    if joins is None:
        return None
    join = next((i for i in range(at + 1, len(lowered)) if lowered[i] in joins), None)
    if join is None or join == at + 1 or join + 1 >= len(lowered):
        return None
    months = _months_between(words, lowered, at, join, today)
    if months is not None:
        return months
    found = _day(words[at + 1 : join], 0, today, read_day)
    bare = lowered[at + 1] if join == at + 2 and ascii_digits(lowered[at + 1]) else None
    if bare is None and (found is None or found[0] != join - at - 1):
        return None
    later = _day(words, join + 1, today, read_day)
    if later is None:
        return None
    taken, last = later
    if bare is not None:
        # between 1 and 15 February: the first day takes the second's month and year
        first = _same_month(last, int(bare), words[at + 1])
    else:
        assert found is not None
        first = found[1]
        if first > last and not any(
            sum(c.isdigit() for c in w) >= 4 for w in lowered[at + 1 : join]
        ):
            # between March 1 and April 15 2025: the first day takes the year of the second
            first = _same_year(first, last.year)
    if last < first:
        raise PeriodError(
            f"{last.isoformat()} is before {first.isoformat()}; write the earlier day first: "
            f"{lowered[at]} {last.isoformat()} {lowered[join]} {first.isoformat()}"
        )
    label = f"from {day_text(first)} to {day_text(last)}"
    return join + 1 + taken - at, Period(first, last, label, dated=False)


def _months_between(
    words: Sequence[str], lowered: list[str], at: int, join: int, today: date
) -> tuple[int, Period] | None:
    # between March and May 2025, from January to March: whole months, the first taking the
    # year of the second when it has none
    later = _month_or_year_at(words, lowered, join + 1, today)
    if later is None or lowered[at + 1] not in MONTH_NUMBERS:
        return None
    taken, last = later
    first_words = lowered[at + 1 : join]
    earlier = _month_or_year_at(words, lowered, at + 1, today)
    if earlier is None or earlier[0] != len(first_words):
        return None
    first = earlier[1].first
    if len(first_words) == 1:
        # between November and February 2025: the November before
        first = first.replace(year=last.first.year - (first.month > last.first.month))
    if first > last.last:
        raise PeriodError(
            f"{first:%B %Y} is after {last.last:%B %Y}; write the earlier month first"
        )
    label = f"from {day_text(first)} to {day_text(last.last)}"
    return join + 1 + taken - at, Period(first, last.last, label, dated=False)


def _same_year(day: date, year: int) -> date:
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return day


def _same_month(day: date, number: int, written: str) -> date:
    try:
        return day.replace(day=number)
    except ValueError:
        raise PeriodError(
            f"`{written}` is not a day of {day:%B %Y}; write e.g. between 1 and {day.day} {day:%B}"
        ) from None


def _month_or_year_at(
    words: Sequence[str], lowered: list[str], at: int, today: date
) -> tuple[int, Period] | None:
    # A month or a year named by its word(s) (not an ISO day): March, March 2024, 2024.
    if at >= len(lowered) or ("-" in lowered[at] and len(lowered[at]) > 7):
        return None
    word = lowered[at].rstrip(".")
    iso_month = len(word) == 7 and "-" in word
    if year_of(word) is None and word not in MONTH_NUMBERS and not iso_month:
        return None
    return month_or_year(words, lowered, at, today, iso_day_at)


def _day(
    words: Sequence[str], start: int, today: date, read_day: DayReader
) -> tuple[int, date] | None:
    if start >= len(words):
        return None
    try:
        return read_day(words, start, today)
    except ValueError as error:  # the reader's own refusal: a day that is wrong
        raise PeriodError(str(error).rstrip(".")) from None
