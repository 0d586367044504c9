"""A digest's own schedule (`every monday 08:00`) and a channel's quiet hours: read, and when.

Both are in the channel's local time (bot/commands/channel_zones.py). The arithmetic of when
is here too, pure: the instant a local time happens on a day (once, whatever the clocks do
that day), the latest run of a schedule due by a moment, and the days a digest run covers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Every spelling of a day people type, to its number (Monday 0).
DAY_WORDS = {
    **{name: index for index, name in enumerate(DAYS)},
    **{name[:3]: index for index, name in enumerate(DAYS)},
    **{name + "s": index for index, name in enumerate(DAYS)},
    "tues": 1,
    "weds": 2,
    "thur": 3,
    "thurs": 3,
}
EVERY_DAY = frozenset(range(7))
WEEKDAYS = frozenset(range(5))
GROUPS = {"day": EVERY_DAY, "daily": EVERY_DAY, "weekday": WEEKDAYS, "weekdays": WEEKDAYS}
SCHEDULE_HOW = (
    "Write the days and a time of day in the channel's zone: `every monday 08:00`, "
    "`every day 07:30`, `every weekday 09:00` or `every mon,thu 18:00`."
)
QUIET_HOW = "Write two times of day: `quiet 22:00-07:00`; `quiet off` ends them."
_CLOCK = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$")


class ScheduleError(ValueError):
    """A schedule or quiet hours that cannot be read; the message says how to write them."""


def read_time(written: str) -> time:
    """Read a time of day: 08:00, 8:00, 7:30pm, 8am, or an hour alone (22); raise ScheduleError
    if it is none."""
    found = _CLOCK.match(written.strip().lower())
    if found is None:
        raise ScheduleError(f"`{written}` is not a time of day; write it as 08:00 or 7:30pm.")
    hour, minute = int(found.group(1)), int(found.group(2) or 0)
    half = found.group(3)
    if half is not None:
        if not 1 <= hour <= 12:
            raise ScheduleError(f"`{written}`: with am or pm, the hour is 1 to 12.")
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ScheduleError(f"`{written}` is not a time of day; hours go to 23, minutes to 59.")
    return time(hour, minute)


def _clock_text(moment: time) -> str:
    return f"{moment.hour:02d}:{moment.minute:02d}"


@dataclass(frozen=True)
class DigestSchedule:
    """The days of the week (Monday 0) and the local time a digest is posted at."""

    weekdays: frozenset[int]
    at: time

    def written(self) -> str:
        """Write the schedule back the one way it is kept and shown: `every monday 08:00`."""
        if self.weekdays == EVERY_DAY:
            days = "day"
        elif self.weekdays == WEEKDAYS:
            days = "weekday"
        else:
            days = ",".join(DAYS[day] for day in sorted(self.weekdays))
        return f"every {days} {_clock_text(self.at)}"


def read_schedule(written: str) -> DigestSchedule:
    """Read `every DAYS TIME`; raise ScheduleError saying what was wrong and how to write it."""
    words = written.replace(",", " , ").split()
    if words[:1] and words[0].lower() == "every":
        words = words[1:]
    if len(words) < 2:
        raise ScheduleError(f"`{written}` needs days and a time. {SCHEDULE_HOW}")
    clock = words[-1]
    if len(words) >= 3 and words[-1].lower() in ("am", "pm"):
        clock = words[-2] + words[-1]
        words = words[:-1]
    days: set[int] = set()
    for word in words[:-1]:
        lowered = word.lower().strip(".")
        if lowered in (",", "and", "at"):
            continue
        if lowered in GROUPS:
            days |= GROUPS[lowered]
        elif lowered in DAY_WORDS:
            days.add(DAY_WORDS[lowered])
        else:
            raise ScheduleError(f"`{word}` is not a day of the week. {SCHEDULE_HOW}")
    if not days:
        raise ScheduleError(f"`{written}` names no day. {SCHEDULE_HOW}")
    try:
        at = read_time(clock)
    except ScheduleError as error:
        raise ScheduleError(f"{error} {SCHEDULE_HOW}") from None
    return DigestSchedule(frozenset(days), at)


@dataclass(frozen=True)
class QuietHours:
    """A channel's quiet hours, local: alerts due from `start` until `end` are held."""

    start: time
    end: time

    def written(self) -> str:
        """Write them the one way they are kept and shown: `22:00-07:00`."""
        return f"{_clock_text(self.start)}-{_clock_text(self.end)}"

    def holds(self, local: time) -> bool:
        """Say whether a local time of day is within the quiet hours (which may span midnight)."""
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


def read_quiet_hours(written: str) -> QuietHours:
    """Read `22:00-07:00` (or `22:00 to 07:00`); raise ScheduleError saying how to write it."""
    parts = re.split(r"\s*(?:-|–|to|until)\s*", written.strip(), maxsplit=1)
    if len(parts) != 2 or not all(parts):
        raise ScheduleError(f"`{written}` is not two times of day. {QUIET_HOW}")
    try:
        start, end = read_time(parts[0]), read_time(parts[1])
    except ScheduleError as error:
        raise ScheduleError(f"{error} {QUIET_HOW}") from None
    if start == end:
        raise ScheduleError(f"`{written}` begins and ends at the same time. {QUIET_HOW}")
    return QuietHours(start, end)


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """Return the instant (in UTC) the local time `at` happens on `day` in `zone`, once.

    On a day the clocks go back, a time that happens twice is taken the first time; on a day
    they go forward, a time that does not happen is taken at the first moment after the gap
    (01:30 on a day that jumps from 01:00 to 02:00 is 02:00).
    """
    wall = datetime.combine(day, at)
    # fold=0 is the earlier of two instants; in a gap it reads the wall with the offset from
    # before the change, which lands after the gap.
    later = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if _wall(later, zone) == wall:
        return later
    # In the gap: fold=1 reads the wall with the offset from after the change, which lands
    # before the gap. The first instant whose wall reaches `wall` is the change itself.
    earlier = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    low, high = earlier, later  # _wall(low) < wall <= _wall(high)
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        middle -= timedelta(microseconds=middle.microsecond)
        if middle <= low:
            break
        if _wall(middle, zone) >= wall:
            high = middle
        else:
            low = middle
    return high


def _wall(moment: datetime, zone: ZoneInfo) -> datetime:
    """Return the wall-clock time (naive) that `moment` reads in `zone`."""
    return moment.astimezone(zone).replace(tzinfo=None)


@dataclass(frozen=True)
class Run:
    """One run of a schedule: the local day it belongs to, and the instant it is due (UTC)."""

    day: date
    at: datetime


def latest_run(
    weekdays: frozenset[int], at: time, zone: ZoneInfo, now: datetime, window: timedelta
) -> Run | None:
    """Return the latest run of `at` on `weekdays` (local, in `zone`) due at or before `now`
    and not before `now - window`; None when none is.

    A run belongs to one local day, so a run is named by its day whatever the clocks did.
    """
    today = now.astimezone(zone).date()
    for back in range(window.days + 2):
        day = today - timedelta(days=back)
        if day.weekday() not in weekdays:
            continue
        due = local_instant(day, at, zone)
        if due > now:
            continue
        # Runs come in the order of their days: an earlier day's is earlier still.
        return Run(day, due) if due >= now - window else None
    return None


def previous_day(weekdays: frozenset[int], day: date) -> date:
    """Return the latest day before `day` that is one of `weekdays` (a week before at most)."""
    for back in range(1, 8):
        earlier = day - timedelta(days=back)
        if earlier.weekday() in weekdays:
            return earlier
    raise ValueError("a schedule names at least one day")


def covered_days(weekdays: frozenset[int], run_day: date) -> tuple[date, date]:
    """Return the first and last day a digest run on `run_day` covers.

    A run covers the days since the schedule's previous run, up to the day before its own:
    a daily digest the day before, a weekly one the seven days before, and a run on the
    weekdays (`every weekday`) on a Monday Friday to Sunday. No day is covered twice, none
    left out.
    """
    return previous_day(weekdays, run_day), run_day - timedelta(days=1)
