"""What a source is and what one run of it did, as `source list` and `source run` say them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.commands.sources.schedule import next_run
from storage.models import Source


@dataclass(frozen=True)
class SourceInfo:
    """A source as `source list` shows it."""

    name: str
    kind: str
    url: str | None
    series: str
    reviewed: bool
    every_minutes: int
    query: dict[str, str]
    status: str
    message: str | None
    last_run_at: datetime | None
    last_ok_at: datetime | None
    waiting: int
    # When the schedule next runs it (None where not worked out, as for a source just added).
    next_run_at: datetime | None = None
    next_run_due: bool = False


@dataclass(frozen=True)
class RunReport:
    """What one run did."""

    name: str
    ok: bool
    message: str
    added: int = 0
    updated: int = 0
    deleted: int = 0
    queued: int = 0
    alerts: int = 0
    put_off: bool = False  # not run: an import into its series is being stored


def info_of(source: Source, series: str, waiting: int, now: datetime | None = None) -> SourceInfo:
    """Return a stored source as `source list` shows it; with `now`, when it runs next."""
    next_run_at = None
    if now is not None:
        next_run_at = next_run(source.name, source.every_minutes, source.claimed_slot, now)
    return SourceInfo(
        name=source.name,
        kind=source.kind,
        url=source.url,
        series=series,
        reviewed=source.reviewed,
        every_minutes=source.every_minutes,
        query=dict(source.query),
        status=source.last_status,
        message=source.last_message,
        last_run_at=source.last_run_at,
        last_ok_at=source.last_ok_at,
        waiting=waiting,
        next_run_at=next_run_at,
        next_run_due=next_run_at is not None and now is not None and next_run_at <= now,
    )
