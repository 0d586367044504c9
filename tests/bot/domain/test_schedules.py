"""When a schedule runs: local times across the 2026 clock changes, the latest run, covered days.

The expected instants are found by brute force here: every minute of the day in UTC, read in
the zone with zoneinfo, the first whose wall clock reaches the time asked for.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.schedules import (
    EVERY_DAY,
    WEEKDAYS,
    QuietHours,
    Run,
    ScheduleError,
    covered_days,
    latest_run,
    local_instant,
    previous_day,
    read_quiet_hours,
    read_schedule,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
BAGHDAD = ZoneInfo("Asia/Baghdad")
# The 2026 changes: the EU's on 29 Mar and 25 Oct at 01:00 UTC, the US's on 8 Mar and 1 Nov
# at 02:00 local. Baghdad keeps +03:00 all year.
CHANGE_DAYS = (date(2026, 3, 8), date(2026, 3, 29), date(2026, 10, 25), date(2026, 11, 1))


def first_minute_reaching(day: date, at: time, zone: ZoneInfo) -> datetime:
    """Return the first minute (UTC) whose wall clock in `zone` reads `at` on `day` or later."""
    wanted = datetime.combine(day, at)
    moment = datetime.combine(day - timedelta(days=1), time(0), tzinfo=UTC)
    while moment.astimezone(zone).replace(tzinfo=None) < wanted:
        moment += timedelta(minutes=1)
    return moment


@pytest.mark.parametrize("zone", [LONDON, NEW_YORK, BAGHDAD], ids=lambda z: z.key)
@pytest.mark.parametrize("day", CHANGE_DAYS, ids=str)
@pytest.mark.parametrize("at", [time(0, 30), time(1, 0), time(1, 30), time(2, 0), time(2, 30)])
def test_a_local_time_happens_once_at_its_first_moment(zone: ZoneInfo, day: date, at: time) -> None:
    assert local_instant(day, at, zone) == first_minute_reaching(day, at, zone)


def test_the_clock_changes_themselves() -> None:
    # London jumps from 01:00 GMT to 02:00 BST: 01:30 does not happen, 02:00 BST is first.
    assert local_instant(date(2026, 3, 29), time(1, 30), LONDON) == datetime(
        2026, 3, 29, 1, 0, tzinfo=UTC
    )
    # London's 01:30 happens twice on 25 Oct (BST, then GMT): the first.
    assert local_instant(date(2026, 10, 25), time(1, 30), LONDON) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )
    # New York jumps from 02:00 EST to 03:00 EDT; 01:30 happens twice on 1 Nov.
    assert local_instant(date(2026, 3, 8), time(2, 30), NEW_YORK) == datetime(
        2026, 3, 8, 7, 0, tzinfo=UTC
    )
    assert local_instant(date(2026, 11, 1), time(1, 30), NEW_YORK) == datetime(
        2026, 11, 1, 5, 30, tzinfo=UTC
    )
    assert local_instant(date(2026, 3, 29), time(8, 0), BAGHDAD) == datetime(
        2026, 3, 29, 5, 0, tzinfo=UTC
    )


def every(written: str) -> tuple[frozenset[int], time]:
    schedule = read_schedule(written)
    return schedule.weekdays, schedule.at


def test_the_latest_run_is_the_one_due_within_the_window() -> None:
    days, at = every("every monday 08:00")
    baghdad_due = datetime(2026, 3, 30, 5, 0, tzinfo=UTC)  # 08:00 in Baghdad (+03:00)
    london_due = datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # 08:00 BST, the day after the change
    window = timedelta(hours=24)
    assert latest_run(days, at, LONDON, london_due - timedelta(seconds=1), window) is None
    assert latest_run(days, at, LONDON, london_due, window) == Run(date(2026, 3, 30), london_due)
    later = london_due + timedelta(hours=23, minutes=59)
    assert latest_run(days, at, LONDON, later, window) == Run(date(2026, 3, 30), london_due)
    assert latest_run(days, at, LONDON, london_due + timedelta(hours=25), window) is None
    assert latest_run(days, at, LONDON, london_due + timedelta(days=2), timedelta(days=3)) == Run(
        date(2026, 3, 30), london_due
    )
    early = baghdad_due - timedelta(minutes=1)
    assert latest_run(days, at, BAGHDAD, early, window) is None
    assert latest_run(days, at, BAGHDAD, london_due, window) == Run(date(2026, 3, 30), baghdad_due)


def test_a_daily_run_is_named_by_its_local_day() -> None:
    days, at = every("every day 23:30")
    # 23:30 on 29 Mar in New York is 03:30 UTC on 30 Mar: the run of 29 Mar.
    moment = datetime(2026, 3, 30, 3, 45, tzinfo=UTC)
    assert latest_run(days, at, NEW_YORK, moment, timedelta(hours=1)) == Run(
        date(2026, 3, 29), datetime(2026, 3, 30, 3, 30, tzinfo=UTC)
    )


def test_a_run_covers_the_days_since_the_previous_one() -> None:
    monday = date(2026, 3, 30)
    assert covered_days(EVERY_DAY, monday) == (date(2026, 3, 29), date(2026, 3, 29))
    assert covered_days(frozenset({0}), monday) == (date(2026, 3, 23), date(2026, 3, 29))
    assert covered_days(WEEKDAYS, monday) == (date(2026, 3, 27), date(2026, 3, 29))
    assert covered_days(WEEKDAYS, monday + timedelta(days=1)) == (monday, monday)
    twice = read_schedule("every mon,thu 18:00").weekdays
    assert covered_days(twice, monday) == (date(2026, 3, 26), date(2026, 3, 29))
    assert covered_days(twice, date(2026, 4, 2)) == (monday, date(2026, 4, 1))
    assert previous_day(twice, monday) == date(2026, 3, 26)


def test_runs_over_four_weeks_cover_every_day_once() -> None:
    for written in ("every day 08:00", "every weekday 08:00", "every mon,thu 08:00"):
        days = read_schedule(written).weekdays
        start = date(2026, 3, 2)
        covered: list[date] = []
        for offset in range(1, 29):
            day = start + timedelta(days=offset)
            if day.weekday() in days:
                first, last = covered_days(days, day)
                covered += [first + timedelta(days=n) for n in range((last - first).days + 1)]
        assert len(covered) == len(set(covered)), written
        assert covered == sorted(covered)
        assert all(b - a == timedelta(days=1) for a, b in itertools.pairwise(covered))


def test_quiet_hours_across_midnight_and_within_a_day() -> None:
    night = QuietHours(time(22, 0), time(7, 0))
    assert night.holds(time(23, 0)) and night.holds(time(6, 59)) and night.holds(time(22, 0))
    assert not night.holds(time(7, 0)) and not night.holds(time(12, 0))
    lunch = QuietHours(time(12, 0), time(13, 0))
    assert lunch.holds(time(12, 30)) and not lunch.holds(time(13, 0))


@pytest.mark.parametrize(
    ("written", "days", "at", "kept"),
    [
        ("every monday 08:00", {0}, time(8), "every monday 08:00"),
        ("every day 07:30", EVERY_DAY, time(7, 30), "every day 07:30"),
        ("EVERY Weekday 9", WEEKDAYS, time(9), "every weekday 09:00"),
        ("every mon,thu 6:05pm", {0, 3}, time(18, 5), "every monday,thursday 18:05"),
        ("every tues and fridays 12 am", {1, 4}, time(0), "every tuesday,friday 00:00"),
        ("daily 23:59", EVERY_DAY, time(23, 59), "every day 23:59"),
    ],
)
def test_a_schedule_is_read_as_people_type_it_and_kept_one_way(
    written: str, days: set[int], at: time, kept: str
) -> None:
    schedule = read_schedule(written)
    assert (set(schedule.weekdays), schedule.at) == (days, at)
    assert schedule.written() == kept
    assert read_schedule(kept) == schedule  # what is kept reads back the same


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("every monday", "needs days and a time"),
        ("every funday 08:00", "`funday` is not a day of the week"),
        ("every monday 24:00", "hours go to 23"),
        ("every monday 08:60", "minutes to 59"),
        ("every monday 13pm", "the hour is 1 to 12"),
        ("every monday noon", "`noon` is not a time of day"),
        ("every , 08:00", "names no day"),
    ],
)
def test_a_schedule_that_cannot_be_read_says_what_and_how(written: str, said: str) -> None:
    with pytest.raises(ScheduleError) as refused:
        read_schedule(written)
    assert said in str(refused.value)
    assert "every monday 08:00" in str(refused.value)  # and how to write one


@pytest.mark.parametrize(
    ("written", "start", "end"),
    [
        ("22:00-07:00", time(22), time(7)),
        ("22-7", time(22), time(7)),
        ("10pm to 6:30am", time(22), time(6, 30)),
        ("12:00 – 13:00", time(12), time(13)),
    ],
)
def test_quiet_hours_are_read_as_people_type_them(written: str, start: time, end: time) -> None:
    hours = read_quiet_hours(written)
    assert (hours.start, hours.end) == (start, end)
    assert read_quiet_hours(hours.written()) == hours


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("22:00", "is not two times of day"),
        ("22:00-22:00", "begins and ends at the same time"),
        ("25:00-07:00", "hours go to 23"),
        ("late-early", "`late` is not a time of day"),
    ],
)
def test_quiet_hours_that_cannot_be_read_say_what_and_how(written: str, said: str) -> None:
    with pytest.raises(ScheduleError) as refused:
        read_quiet_hours(written)
    assert said in str(refused.value) and "quiet 22:00-07:00" in str(refused.value)
