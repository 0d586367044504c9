"""When the schedule runs a source: its slots, offset by its name, and its next run."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime


def _offset(name: str, length: int) -> int:
    return int(hashlib.sha256(name.encode()).hexdigest()[:8], 16) % length


def slot_of(name: str, every_minutes: int, now: datetime) -> int:
    """Return the scheduled slot `now` falls in: each source's slots are offset by its name,
    so that sources with one interval do not all run at the same moment."""
    length = every_minutes * 60
    return (int(now.timestamp()) + _offset(name, length)) // length


def next_run(name: str, every_minutes: int, claimed_slot: int | None, now: datetime) -> datetime:
    """Return when the schedule next runs a source: `now` if its current slot is unclaimed
    (the scheduler's next check, within a minute, runs it), else when the slot after the
    last claimed one begins (a replica whose clock is ahead may have claimed beyond `now`'s)."""
    slot = slot_of(name, every_minutes, now)
    if claimed_slot is None or claimed_slot < slot:
        return now
    length = every_minutes * 60
    return datetime.fromtimestamp((claimed_slot + 1) * length - _offset(name, length), tz=UTC)
