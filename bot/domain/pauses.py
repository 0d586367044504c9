"""Pause arithmetic: incident days in, pauses and their lengths out (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from itertools import pairwise
from typing import NamedTuple


class Counting(StrEnum):
    """How a pause between incident days a < b is counted."""

    INCLUSIVE = "inclusive"  # b - a + 1, as the reference article counts
    ELAPSED = "elapsed"  # b - a

    @property
    def extra(self) -> int:
        """Return what is added to the days elapsed: 1 when both end days count."""
        return 1 if self is Counting.INCLUSIVE else 0


class Pause(NamedTuple):
    """The span between two consecutive incident days, or from the last one to today."""

    start: date
    end: date
    length: int
    running: bool = False


def pause_length(start: date, end: date, counting: Counting) -> int:
    """Return the length of the pause from `start` to `end` in days."""
    return (end - start).days + counting.extra


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
    extra = counting.extra
    return [Pause(a, b, (b - a).days + extra) for a, b in pairwise(distinct)]


def running_pause(days: Sequence[date], today: date, counting: Counting) -> Pause | None:
    """Return the pause from the last incident day to `today`, or None if there was none."""
    last = last_day(days, today)
    if last is None:
        return None
    return Pause(start=last, end=today, length=pause_length(last, today, counting), running=True)


def tracking_began(days: Sequence[date], tracking_start: date | None) -> date | None:
    """Return the configured tracking start, else the first incident day."""
    if tracking_start is not None:
        return tracking_start
    return min(days) if days else None
