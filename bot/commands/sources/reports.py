"""What a source is and what one run of it did, as `source list` and `source run` say them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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


def info_of(source: Source, series: str, waiting: int) -> SourceInfo:
    """Return a stored source as `source list` shows it."""
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
    )
