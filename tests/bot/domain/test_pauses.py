"""The pause engine against the reference article and against a day-by-day brute-force oracle."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.pauses import (
    Counting,
    Pause,
    closed_pauses,
    days_since,
    pause_length,
    running_pause,
    tracking_began,
)

TRACKING_START = date(2023, 10, 17)
ARTICLE_DAYS = [date(2024, 2, 4), date(2024, 4, 21), date(2024, 4, 22), date(2024, 7, 16)]


def test_article_pauses_inclusive() -> None:
    pauses = closed_pauses(ARTICLE_DAYS, Counting.INCLUSIVE)
    assert [(p.start, p.end, p.length) for p in pauses] == [
        (date(2024, 2, 4), date(2024, 4, 21), 78),
        (date(2024, 4, 21), date(2024, 4, 22), 2),
        (date(2024, 4, 22), date(2024, 7, 16), 86),
    ]


def test_article_pauses_elapsed() -> None:
    lengths = [p.length for p in closed_pauses(ARTICLE_DAYS, Counting.ELAPSED)]
    assert lengths == [77, 1, 85]


def test_days_since_on_the_day_before_the_july_attack() -> None:
    assert days_since(ARTICLE_DAYS, date(2024, 7, 15)) == 84
    running = running_pause(ARTICLE_DAYS, date(2024, 7, 15), Counting.INCLUSIVE)
    assert running == Pause(date(2024, 4, 22), date(2024, 7, 15), 85, running=True)


def test_days_since_is_zero_on_an_incident_day_and_none_before_the_first() -> None:
    assert days_since(ARTICLE_DAYS, date(2024, 7, 16)) == 0
    assert days_since(ARTICLE_DAYS, date(2024, 2, 3)) is None
    assert running_pause(ARTICLE_DAYS, date(2024, 2, 3), Counting.INCLUSIVE) is None


def test_same_day_incidents_are_one_incident_day() -> None:
    days = [date(2024, 1, 1), date(2024, 1, 1), date(2024, 1, 5), date(2024, 1, 5)]
    assert [p.length for p in closed_pauses(days, Counting.INCLUSIVE)] == [5]


def test_tracking_began_falls_back_to_the_first_incident_day() -> None:
    assert tracking_began(ARTICLE_DAYS, None) == date(2024, 2, 4)
    assert tracking_began(ARTICLE_DAYS, TRACKING_START) == TRACKING_START
    assert tracking_began([], None) is None


# The oracle walks the calendar one day at a time, as a person with a wall calendar would.


def oracle_pauses(day_set: set[date], counting: Counting) -> list[tuple[date, date, int]]:
    found = []
    if not day_set:
        return found
    day, last = min(day_set), max(day_set)
    start = day
    gap = 0
    while day < last:
        day += timedelta(days=1)
        gap += 1
        if day in day_set:
            found.append((start, day, gap + 1 if counting is Counting.INCLUSIVE else gap))
            start, gap = day, 0
    return found


def oracle_days_since(day_set: set[date], today: date) -> int | None:
    if not any(d <= today for d in day_set):
        return None
    count, day = 0, today
    while day not in day_set:
        day -= timedelta(days=1)
        count += 1
    return count


day_sets = st.sets(st.integers(min_value=0, max_value=400), min_size=0, max_size=40).map(
    lambda offsets: {date(2023, 10, 17) + timedelta(days=o) for o in offsets}
)


@settings(max_examples=300, deadline=None)
@given(day_sets, st.sampled_from(list(Counting)), st.integers(min_value=-5, max_value=420))
def test_engine_matches_the_calendar_walk(
    day_set: set[date], counting: Counting, today_offset: int
) -> None:
    days = sorted(day_set)
    # Repeated days stand for several incidents on one day.
    with_repeats = sorted(days + days[::2])
    pauses = closed_pauses(with_repeats, counting)
    assert [(p.start, p.end, p.length) for p in pauses] == oracle_pauses(day_set, counting)
    today = date(2023, 10, 17) + timedelta(days=today_offset)
    assert days_since(with_repeats, today) == oracle_days_since(day_set, today)


@settings(max_examples=200, deadline=None)
@given(day_sets, st.integers(min_value=0, max_value=30))
def test_inclusive_is_elapsed_plus_one(day_set: set[date], extra: int) -> None:
    days = sorted(day_set)
    inclusive = closed_pauses(days, Counting.INCLUSIVE)
    elapsed = closed_pauses(days, Counting.ELAPSED)
    assert [p.length for p in inclusive] == [p.length + 1 for p in elapsed]
    if days:
        today = days[-1] + timedelta(days=extra)
        assert pause_length(days[-1], today, Counting.ELAPSED) == days_since(days, today)


@settings(max_examples=200, deadline=None)
@given(day_sets, st.integers(min_value=0, max_value=400))
def test_a_backfill_splits_a_pause_and_never_lengthens_any(day_set: set[date], offset: int) -> None:
    days = sorted(day_set)
    backfill = date(2023, 10, 17) + timedelta(days=offset)
    before = closed_pauses(days, Counting.INCLUSIVE)
    after = closed_pauses(sorted({*days, backfill}), Counting.INCLUSIVE)
    longest_before = max((p.length for p in before), default=0)
    assert max((p.length for p in after), default=0) <= max(
        longest_before, 1 + abs((backfill - (days[-1] if days else backfill)).days)
    )
    if days and days[0] < backfill < days[-1] and backfill not in day_set:
        assert len(after) == len(before) + 1
