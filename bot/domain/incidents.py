"""An incident as questions, replies and renderers see it: plain data, no database row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time


@dataclass(frozen=True, slots=True)
class Incident:
    """One recorded incident of a series."""

    id: int
    occurred_on: date
    occurred_at: time | None = None
    country: str | None = None
    location: str | None = None
    actor: str | None = None
    kind: str | None = None
    quantity: int | None = None
    killed: int | None = None
    wounded: int | None = None
    source: str | None = None
    notes: str | None = None
    external_id: str | None = None
    event_type: str | None = None
    admin1: str | None = None
    admin2: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    geo_precision: int | None = None
    time_precision: int | None = None
