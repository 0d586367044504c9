"""Periods of days written in words ("in March", "2025", "last week", "between A and B"), pure.

A period is a run of whole calendar days, both ends included, that ends no later than the
day asked about (`today`): the current week, month or year so far, a month name without a
year the most recent such month that has begun. Weeks begin on Monday, as the digest's do.
Days inside a period ("since DATE", "between A and B") are read by the caller's reader, so
the domain needs no date parser of its own; an ISO day is read here when none is given.
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
_MONTH_OF = (
    {name: number for number, name in enumerate(MONTHS, start=1)}
    | {name[:3]: number for number, name in enumerate(MONTHS, start=1)}
    | {"sept": 9}
)
_LEADING = ("in", "during", "over", "for", "of", "within")
_SINCE_FILLERS = ("the", "start", "beginning", "of")
_UNITS = ("week", "month", "year")
MAX_DAYS = 100_000
PERIOD_HINT = (
    "write a period as 2025, March, March 2024, 2024-03, Q1 2025, this week, last month, "
    "since 2024-03-01, between 2024-03-01 and 2024-03-31, or the last 30 days (or weeks, "
    "months, years)"
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
    for reader in (_named, _recent, _month_or_year, _since, _between):
        found = reader(words, lowered, at, today, read_day)
        if found is not None:
            taken, period = found
            return taken + at - start, period
    return None


def _future(what: str, first: date, today: date) -> PeriodError:
    return PeriodError(
        f"{what} begins on {first.isoformat()}, in the future (today is {today.isoformat()}); "
        "ask about a period that has begun"
    )


def _ending(label: str, first: date, last: date, today: date) -> Period:
    if first > today:
        raise _future(label.removeprefix("in "), first, today)
    return Period(first, min(last, today), label)


def _month_end(year: int, month: int) -> date:
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return following - timedelta(days=1)


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
        last = _month_end(first.year, first.month)
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
    if not _digits(lowered[at + 1]) or unit is None:
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
        first = _months_before(today, months) + timedelta(days=1)
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


def _months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, _month_end(year, month + 1).day))


def _digits(word: str) -> bool:
    # ASCII digits alone: "²".isdigit() is true, and int() refuses it
    return word.isascii() and word.isdigit()


def _year(word: str) -> int | None:
    return int(word) if len(word) == 4 and _digits(word) and word[0] != "0" else None


def _month_or_year(
    words: Sequence[str], lowered: list[str], at: int, today: date, read_day: DayReader
) -> tuple[int, Period] | None:
    word = lowered[at]
    following = lowered[at + 1] if at + 1 < len(lowered) else ""
    if (year := _year(word)) is not None:
        return 1, _ending(f"in {year}", date(year, 1, 1), date(year, 12, 31), today)
    if len(word) == 7 and word[4] == "-" and _year(word[:4]) and _digits(word[5:]):
        number, year = int(word[5:]), int(word[:4])
        if not 1 <= number <= 12:
            raise PeriodError(
                f"`{words[at]}` is not a month: months go from 01 to 12; write e.g. "
                f"{year}-03 or March {year}"
            )
        return 1, _month(number, year, today)
    if len(word) == 2 and word[0] in "qh" and word[1] in "1234"[: 4 if word[0] == "q" else 2]:
        return _part_of_year(word, lowered, at, today)
    month = _MONTH_OF.get(word.rstrip("."))
    named_year = lowered[at + 1 : at + 3]
    if month is not None and named_year in (["last", "year"], ["this", "year"]):
        # December last year
        return 3, _month(month, today.year - (named_year[0] == "last"), today)
    if month is None:
        if _year(following) is None:
            return None
        close = get_close_matches(word, MONTHS, n=1, cutoff=0.75)
        if close:
            raise PeriodError(
                f"`{words[at]}` is not a month; did you mean {close[0].title()}? "
                f"Write e.g. {close[0].title()} {following}"
            )
        return None
    written = _year(following)
    if written is not None:
        return 2, _month(month, written, today)
    # The most recent such month that has begun.
    return 1, _month(month, today.year if month <= today.month else today.year - 1, today)


def _part_of_year(word: str, lowered: list[str], at: int, today: date) -> tuple[int, Period]:
    # Q1 2025, H2, the first quarter of 2025 (written q1 of 2025 by the reader), q3 of this year
    following = lowered[at + 1] if at + 1 < len(lowered) else ""
    after = lowered[at + 2 : at + 4] if following == "of" else []
    relative = after in (["this", "year"], ["last", "year"])
    year = _year(after[0]) if after and not relative else _year(following)
    if relative:
        year = today.year - (after[0] == "last")
    make = _quarter if word[0] == "q" else _half
    taken, period = make(int(word[1]), year, today)
    # "of 2025" is one word more, "of this year" two more
    return taken + (2 if relative else int(bool(after) and year is not None)), period


def _half(half: int, year: int | None, today: date) -> tuple[int, Period]:
    # H1 2025; H2 alone is the most recent second half that has begun
    first_month = 1 if half == 1 else 7
    taken = 1 if year is None else 2
    if year is None:
        year = today.year if first_month <= today.month else today.year - 1
    first = date(year, first_month, 1)
    last = _month_end(year, first_month + 5)
    return taken, _ending(f"in H{half} {year}", first, last, today)


def _quarter(quarter: int, year: int | None, today: date) -> tuple[int, Period]:
    # Q1 2025; Q3 alone is the most recent third quarter that has begun
    first_month = 3 * quarter - 2
    taken = 1 if year is None else 2
    if year is None:
        year = today.year if first_month <= today.month else today.year - 1
    first = date(year, first_month, 1)
    last = _month_end(year, first_month + 2)
    return taken, _ending(f"in Q{quarter} {year}", first, last, today)


def _month(month: int, year: int, today: date) -> Period:
    first = date(year, month, 1)
    return _ending(f"in {first:%B %Y}", first, _month_end(year, month), today)


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
    named_day = at + skip + 1 < len(lowered) and _day_of_month(lowered[at + skip + 1])
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
    bare = lowered[at + 1] if join == at + 2 and _digits(lowered[at + 1]) else None
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
    if later is None or lowered[at + 1] not in _MONTH_OF:
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


def _day_of_month(word: str) -> bool:
    # 1, 1st, 23rd: a day after a month's name ("since Sept 1st"), not a month alone
    digits = word.rstrip("stndrh")
    return _digits(digits) and 1 <= int(digits) <= 31


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
    if _year(word) is None and word not in _MONTH_OF and not (len(word) == 7 and "-" in word):
        return None
    return _month_or_year(words, lowered, at, today, iso_day_at)


def _day(
    words: Sequence[str], start: int, today: date, read_day: DayReader
) -> tuple[int, date] | None:
    if start >= len(words):
        return None
    try:
        return read_day(words, start, today)
    except ValueError as error:  # the reader's own refusal: a day that is wrong
        raise PeriodError(str(error).rstrip(".")) from None
