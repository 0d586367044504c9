"""Periods in words against a brute-force oracle that picks the days one by one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.periods import MONTHS, Period, PeriodError, read_period, span_text

TODAYS = st.dates(min_value=date(2001, 1, 1), max_value=date(2099, 12, 31))


def chosen(today: date, keep: Callable[[date], bool], back: int = 800) -> list[date]:
    """Every day from `back` days before today to today that `keep` keeps, one at a time."""
    return [d for d in (today - timedelta(days=n) for n in range(back, -1, -1)) if keep(d)]


def assert_is(period: Period | None, days: list[date]) -> None:
    assert period is not None
    assert days, "the oracle kept no day"
    assert (period.first, period.last) == (days[0], days[-1])
    assert period.days == len(days)  # whole days, none missing
    assert period.last <= max(days)


@settings(max_examples=300, deadline=None)
@given(today=TODAYS, back=st.integers(0, 1))
def test_a_year(today: date, back: int) -> None:
    year = today.year - back
    for text in (f"{year}", f"in {year}", f"during {year}"):
        period = read_period(text, today)
        assert_is(period, chosen(today, lambda d: d.year == year))
        assert period is not None and period.label == f"in {year}"


@settings(max_examples=300, deadline=None)
@given(today=TODAYS, month=st.integers(1, 12), spelling=st.sampled_from(["full", "short", "Title"]))
def test_a_month_without_a_year_is_the_latest_that_has_begun(
    today: date, month: int, spelling: str
) -> None:
    name = MONTHS[month - 1]
    written = {"full": name, "short": name[:3], "Title": name.title()}[spelling]
    # The oracle: walk back from today to the first day of that month.
    day = today
    while not (day.month == month and day.day == 1):
        day -= timedelta(days=1)
    year = day.year
    period = read_period(f"in {written}", today)
    assert_is(period, chosen(today, lambda d: (d.year, d.month) == (year, month)))
    assert period is not None and period.label == f"in {name.title()} {year}"


@settings(max_examples=300, deadline=None)
@given(today=TODAYS, month=st.integers(1, 12), years_back=st.integers(0, 1))
def test_a_month_with_its_year(today: date, month: int, years_back: int) -> None:
    year = today.year - years_back
    if date(year, month, 1) > today:
        with pytest.raises(PeriodError, match="in the future"):
            read_period(f"{MONTHS[month - 1]} {year}", today)
        with pytest.raises(PeriodError, match="in the future"):
            read_period(f"{year}-{month:02}", today)
        return
    keep = chosen(today, lambda d: (d.year, d.month) == (year, month))
    assert_is(read_period(f"{MONTHS[month - 1]} {year}", today), keep)
    assert_is(read_period(f"{year}-{month:02}", today), keep)


@settings(max_examples=300, deadline=None)
@given(today=TODAYS)
def test_this_and_last_week_month_year(today: date) -> None:
    week = today.isocalendar()[:2]
    previous_week = (today - timedelta(days=7)).isocalendar()[:2]
    previous_month = (today.replace(day=1) - timedelta(days=1)).timetuple()[:2]
    oracles: dict[str, Callable[[date], bool]] = {
        "this week": lambda d: d.isocalendar()[:2] == week,
        "last week": lambda d: d.isocalendar()[:2] == previous_week,
        "this month": lambda d: (d.year, d.month) == (today.year, today.month),
        "last month": lambda d: (d.year, d.month) == previous_month,
        "this year": lambda d: d.year == today.year,
        "last year": lambda d: d.year == today.year - 1,
    }
    for text, keep in oracles.items():
        assert_is(read_period(text, today), chosen(today, keep))
        assert_is(
            read_period(f"in the {text}".replace("the this", "this"), today), chosen(today, keep)
        )


@settings(max_examples=300, deadline=None)
@given(today=TODAYS, n=st.integers(1, 700))
def test_the_last_n_days(today: date, n: int) -> None:
    period = read_period(f"in the last {n} days", today)
    assert_is(period, chosen(today, lambda d: 0 <= (today - d).days < n))


@settings(max_examples=300, deadline=None)
@given(today=TODAYS, a=st.integers(0, 700), b=st.integers(0, 700))
def test_since_and_between(today: date, a: int, b: int) -> None:
    first, last = today - timedelta(days=a), today - timedelta(days=b)
    since = read_period(f"since {first.isoformat()}", today)
    assert_is(since, chosen(today, lambda d: d >= first))
    for text in (f"between {first} and {last}", f"from {first} to {last}"):
        if last < first:
            with pytest.raises(PeriodError, match="write the earlier day first"):
                read_period(text, today)
        else:
            assert_is(read_period(text, today), chosen(today, lambda d: first <= d <= last))


@given(today=TODAYS, ahead=st.integers(1, 400))
def test_a_period_in_the_future_is_refused(today: date, ahead: int) -> None:
    day = today + timedelta(days=ahead)
    with pytest.raises(PeriodError):
        read_period(f"since {day.isoformat()}", today)
    if day.year > today.year:
        with pytest.raises(PeriodError, match="in the future"):
            read_period(f"in {day.year}", today)


def test_how_periods_are_named() -> None:
    today = date(2024, 7, 16)
    march = read_period("March 2024", today)
    assert march is not None and march.text == "in March 2024 (1–31 Mar 2024)"
    year = read_period("2024", today)
    assert year is not None and year.text == "in 2024 (1 Jan – 16 Jul 2024)"
    between = read_period("between 2023-12-30 and 2024-01-02", today)
    assert between is not None and between.text == "from 30 Dec 2023 to 2 Jan 2024"
    assert span_text(date(2023, 12, 30), date(2024, 1, 2)) == "30 Dec 2023 – 2 Jan 2024"
    assert span_text(today, today) == "16 Jul 2024"


def test_wrong_periods_say_what_was_wrong() -> None:
    today = date(2024, 7, 16)
    with pytest.raises(PeriodError, match="months go from 01 to 12"):
        read_period("2024-13", today)
    with pytest.raises(PeriodError, match="did you mean February"):
        read_period("Febuary 2024", today)
    with pytest.raises(PeriodError, match="1 to 100,000 days"):
        read_period("the last 0 days", today)
    with pytest.raises(PeriodError, match="2025-01-01, in the future"):
        read_period("January 2025", today)


def test_words_that_are_not_periods() -> None:
    today = date(2024, 7, 16)
    for text in ("last friday", "in Iraq", "123", "from", "between 2024-01-01", "this"):
        assert read_period(text, today) is None


@settings(max_examples=200, deadline=None)
@given(
    today=TODAYS, part=st.sampled_from(["q1", "q2", "q3", "q4", "h1", "h2"]), back=st.integers(0, 3)
)
def test_quarters_and_halves_are_whole_months_of_their_year(
    today: date, part: str, back: int
) -> None:
    year = today.year - back
    months = 3 if part[0] == "q" else 6
    first = date(year, months * (int(part[1]) - 1) + 1, 1)
    following = first.month + months
    end = (date(year + 1, 1, 1) if following > 12 else date(year, following, 1)) - timedelta(days=1)
    for text in (f"{part} {year}", f"{part} of {year}"):
        if first > today:
            with pytest.raises(PeriodError, match="in the future"):
                read_period(text, today)
            continue
        period = read_period(text, today)
        assert period is not None, text
        assert (period.first, period.last) == (first, min(end, today)), text
