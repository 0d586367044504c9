"""Reply building without I/O: the periods of `stats` against counting every day, help."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.commands.replies import help_reply, period_counts


def every_period(daily: list[tuple[date, int]], period: str, rows: int) -> list[tuple[str, int]]:
    """Name each day's period, add up every day, keep the last `rows` periods."""
    totals: Counter[str] = Counter()
    for day, n in daily:
        if period == "week":
            key = f"week of {(day - timedelta(days=day.weekday())).isoformat()}"
        elif period == "month":
            key = day.strftime("%Y-%m")
        else:
            key = str(day.year)
        totals[key] += n
    return sorted(totals.items())[-rows:]


days = st.lists(
    st.tuples(st.dates(date(1900, 1, 1), date(2100, 12, 31)), st.integers(1, 10**6)),
    max_size=60,
    unique_by=lambda pair: pair[0],
).map(sorted)


@given(days, st.sampled_from(["week", "month", "year"]), st.integers(1, 15))
def test_period_counts_are_the_last_periods_of_every_day_counted(
    daily: list[tuple[date, int]], period: str, rows: int
) -> None:
    assert period_counts(daily, period, rows) == every_period(daily, period, rows)


def test_a_week_is_named_by_its_monday_across_a_year_end() -> None:
    daily = [(date(2024, 12, 30), 2), (date(2025, 1, 5), 3), (date(2025, 1, 6), 1)]
    assert period_counts(daily, "week", 5) == [("week of 2024-12-30", 5), ("week of 2025-01-06", 1)]


def test_help_keeps_the_capitals_of_its_summary() -> None:
    reply = help_reply("source")
    assert reply.details[1].startswith("Feeds read on a schedule")
    assert "CSV/JSON URL or ACLED's API" in reply.details[1]
