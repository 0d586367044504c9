"""Incidents read as rows: the conditions filters put on them, a range of days, one day, one id."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import incidents
from bot.domain.filters import EXACT_DAY, Filters
from storage.models import Incident


def matching(series_id: int, filters: Filters, until: date | None) -> list[ColumnElement[bool]]:
    """Return the conditions on the series' live incidents that match `filters`, up to `until`."""
    conditions = [Incident.series_id == series_id, Incident.deleted_at.is_(None)]
    for key, value in filters.normalised_items():
        conditions.append(getattr(Incident, f"{key}_key") == value)
    if filters.exact_days:
        conditions.append(exact_day())
    if until is not None:
        conditions.append(Incident.occurred_on <= until)
    return conditions


def exact_day() -> ColumnElement[bool]:
    """Return the condition that an incident's day is exact (time_precision absent or 1)."""
    return or_(Incident.time_precision.is_(None), Incident.time_precision == EXACT_DAY)


def imprecise_day() -> ColumnElement[bool]:
    """Return the condition that an incident's day is known only to the week or month."""
    return Incident.time_precision.is_not(None) & (Incident.time_precision != EXACT_DAY)


# The columns of an incident as shown, in the order of bot.domain.incidents.Incident.
_SHOWN = tuple(getattr(Incident, field.name) for field in fields(incidents.Incident))


def _shown(rows: Iterable[Any]) -> list[incidents.Incident]:
    # Read as plain rows, not ORM objects: a tenth of the time for a list of fifty.
    return [incidents.Incident(*row) for row in rows]


def to_incident(row: Incident) -> incidents.Incident:
    """Return a stored incident as plain data."""
    return incidents.Incident(
        id=row.id,
        occurred_on=row.occurred_on,
        occurred_at=row.occurred_at,
        country=row.country,
        location=row.location,
        actor=row.actor,
        kind=row.kind,
        quantity=row.quantity,
        killed=row.killed,
        wounded=row.wounded,
        source=row.source,
        notes=row.notes,
        external_id=row.external_id,
    )


async def any_incident(session: AsyncSession) -> bool:
    """Say whether any live incident is stored."""
    found = await session.scalar(select(Incident.id).where(Incident.deleted_at.is_(None)).limit(1))
    return found is not None


async def incidents_between(
    session: AsyncSession,
    series_id: int,
    filters: Filters,
    *,
    start: date | None,
    end: date,
    limit: int,
    newest_first: bool = True,
    offset: int = 0,
) -> list[incidents.Incident]:
    """Return up to `limit` matching incidents with days in [start, end], after `offset`."""
    conditions = matching(series_id, filters, end)
    if start is not None:
        conditions.append(Incident.occurred_on >= start)
    order = (
        (Incident.occurred_on.desc(), Incident.id.desc())
        if newest_first
        else (Incident.occurred_on, Incident.id)
    )
    query = select(*_SHOWN).where(*conditions).order_by(*order).limit(limit).offset(offset)
    return _shown(await session.execute(query))


async def incidents_on(
    session: AsyncSession, series_id: int, filters: Filters, day: date, limit: int | None = None
) -> list[incidents.Incident]:
    """Return the matching incidents of one day (the first `limit`), in the order recorded."""
    query = (
        select(*_SHOWN)
        .where(*matching(series_id, filters, None), Incident.occurred_on == day)
        .order_by(Incident.occurred_at, Incident.id)
        .limit(limit)
    )
    return _shown(await session.execute(query))


async def incident_row(session: AsyncSession, incident_id: int) -> Incident | None:
    """Return one stored incident by id, deleted or not, to change it."""
    return await session.get(Incident, incident_id)
