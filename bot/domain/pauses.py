"""Pause arithmetic: incident days in, pauses, records and day counts out (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from heapq import nlargest
from itertools import pairwise
from typing import NamedTuple


class Counting(StrEnum):
    """How a pause between incident days a < b is counted."""

    INCLUSIVE = "inclusive"  # b - a + 1, as the reference article counts
    ELAPSED = "elapsed"  # b - a


class Pause(NamedTuple):
    """The span between two consecutive incident days, or from the last one to today."""

    # A named tuple, not a dataclass: twenty years of daily incidents make 7,300 of these
    # per question, and a tuple is several times cheaper to make.
    start: date
    end: date
    length: int
    running: bool = False


@dataclass(frozen=True)
class Standing:
    """Where a pause stands against the pauses before it.

    `since` is the day from which it is the longest (tracking start, or the end of the
    last longer pause); `beaten` is the previous record in that window; `tied` is an
    earlier pause of the same length that it equals rather than beats.
    """

    pause: Pause
    since: date
    since_tracking_start: bool
    longer: Pause | None
    beaten: Pause | None
    tied: Pause | None

    @property
    def is_record(self) -> bool:
        """Say whether no earlier pause is longer (a tie counts)."""
        return self.since_tracking_start


def pause_length(start: date, end: date, counting: Counting) -> int:
    """Return the length of the pause from `start` to `end` in days."""
    elapsed = (end - start).days
    return elapsed + 1 if counting is Counting.INCLUSIVE else elapsed


def days_since(days: Sequence[date], today: date) -> int | None:
    """Return days from the last incident day on or before `today` (0 if today), or None."""
    last = last_day(days, today)
    return None if last is None else (today - last).days


def last_day(days: Sequence[date], today: date) -> date | None:
    """Return the last incident day on or before `today` from sorted `days`."""
    for day in reversed(days):
        if day <= today:
            return day
    return None


def closed_pauses(days: Sequence[date], counting: Counting) -> list[Pause]:
    """Return the pauses between consecutive distinct incident days, oldest first.

    `days` must be sorted; repeated days (several incidents on one day) are one day.
    """
    distinct = sorted(set(days))
    extra = 1 if counting is Counting.INCLUSIVE else 0
    return [Pause(a, b, (b - a).days + extra) for a, b in pairwise(distinct)]


def running_pause(days: Sequence[date], today: date, counting: Counting) -> Pause | None:
    """Return the pause from the last incident day to `today`, or None if there was none."""
    last = last_day(days, today)
    if last is None:
        return None
    return Pause(start=last, end=today, length=pause_length(last, today, counting), running=True)


def standing(pause: Pause, earlier: Sequence[Pause], tracking_start: date) -> Standing:
    """Place `pause` against the `earlier` pauses (oldest first) that ended before it began."""
    longer = next((p for p in reversed(earlier) if p.length > pause.length), None)
    window = [p for p in earlier if longer is None or p.start >= longer.end]
    tied = next((p for p in reversed(window) if p.length == pause.length), None)
    beaten = None
    if tied is None and window:
        beaten = max(reversed(window), key=lambda p: p.length)
    return Standing(
        pause=pause,
        since=tracking_start if longer is None else longer.end,
        since_tracking_start=longer is None,
        longer=longer,
        beaten=beaten,
        tied=tied,
    )


def ranked(pauses: Sequence[Pause], limit: int | None = None) -> list[Pause]:
    """Return the `limit` longest pauses (all by default); among equals, the most recent first."""
    if limit is None:
        return sorted(pauses, key=_rank_key, reverse=True)
    return nlargest(limit, pauses, key=_rank_key)


def _rank_key(pause: Pause) -> tuple[int, date]:
    return pause.length, pause.end


def tracking_began(days: Sequence[date], tracking_start: date | None) -> date | None:
    """Return the configured tracking start, else the first incident day."""
    if tracking_start is not None:
        return tracking_start
    return min(days) if days else None
