"""Writes: add, edit and soft-delete incidents, each audited and keeping incident days in step."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.fields import (
    COLUMNS,
    FIELD_OF,
    IncidentFields,
    check_filter_keys,
    display_value,
)
from bot.domain.filters import FILTER_KEYS
from storage.counts import Counts
from storage.models import KEY_COLUMNS, AuditEntry, Incident, Series


class WriteError(ValueError):
    """A write that cannot be done; nothing was changed."""


async def ensure_series(session: AsyncSession, names: Iterable[str], now: datetime) -> None:
    """Store any of `names` not stored yet (the configured series)."""
    stored = set(await session.scalars(select(Series.name)))
    for name in sorted(set(names) - stored):
        session.add(Series(name=name, revision=0, created_at=now))
    await session.flush()


async def add_incident(
    session: AsyncSession,
    *,
    series: Series,
    fields: IncidentFields,
    actor: str,
    now: datetime,
    team: str | None = None,
) -> Incident:
    """Record one incident."""
    await _refuse_taken_external_id(session, series.id, fields.external_id)
    # The series locked before the insert takes its id: a chunked import knows its rows by the
    # ids taken while it held the lock (storage.import_runs).
    revisions = await bump_revision(session, [series.id])
    incident = Incident(series_id=series.id, recorded_by=actor, recorded_at=now, **fields.as_row())
    session.add(incident)
    await session.flush()
    counts = Counts()
    counts.add(series.id, fields.occurred_on, fields)
    await counts.write(session, revisions)
    audit(session, now, actor, "add", series.id, incident.id, _described(fields.as_row()), team)
    return incident


async def edit_incident(
    session: AsyncSession,
    *,
    incident: Incident,
    changes: dict[str, Any],
    actor: str,
    now: datetime,
    team: str | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Change some columns of a live incident; return column → (before, after) of real changes."""
    if incident.deleted_at is not None:
        raise WriteError(f"incident #{incident.id} was deleted; it cannot be edited")
    changed = {
        column: (getattr(incident, column), value)
        for column, value in changes.items()
        if getattr(incident, column) != value
    }
    if not changed:
        return {}
    if "external_id" in changed:
        await _refuse_taken_external_id(session, incident.series_id, changed["external_id"][1])
    counts = Counts()
    counts.add(incident.series_id, incident.occurred_on, incident, -1)
    for column, (_, after) in changed.items():
        setattr(incident, column, after)
    # Refused here, the transaction is rolled back with the changes set above.
    check_filter_keys(*(getattr(incident, column) for column in FILTER_KEYS))
    counts.add(incident.series_id, incident.occurred_on, incident)
    await session.flush()
    # Only the days and values that changed have a delta.
    await counts.write(session, await bump_revision(session, [incident.series_id]))
    described = {
        FIELD_OF.get(c, c): [display_value(c, b), display_value(c, a)]
        for c, (b, a) in changed.items()
    }
    audit(session, now, actor, "edit", incident.series_id, incident.id, described, team)
    return changed


async def delete_incident(
    session: AsyncSession,
    *,
    incident: Incident,
    actor: str,
    now: datetime,
    reason: str | None,
    team: str | None = None,
) -> None:
    """Soft-delete a live incident: it is kept, marked, and no longer counted."""
    if incident.deleted_at is not None:
        raise WriteError(f"incident #{incident.id} was already deleted")
    incident.deleted_at = now
    incident.deleted_by = actor
    await session.flush()
    counts = Counts()
    counts.add(incident.series_id, incident.occurred_on, incident, -1)
    await counts.write(session, await bump_revision(session, [incident.series_id]))
    audit(session, now, actor, "delete", incident.series_id, incident.id, {"reason": reason}, team)


async def restore_incident(
    session: AsyncSession, *, incident: Incident, actor: str, now: datetime, reason: str
) -> None:
    """Bring a soft-deleted incident back: counted again, its deletion kept in the audit log."""
    if incident.deleted_at is None:
        raise WriteError(f"incident #{incident.id} is not deleted")
    incident.deleted_at = None
    incident.deleted_by = None
    await session.flush()
    counts = Counts()
    counts.add(incident.series_id, incident.occurred_on, incident)
    await counts.write(session, await bump_revision(session, [incident.series_id]))
    audit(session, now, actor, "restore", incident.series_id, incident.id, {"reason": reason})


async def bump_revision(session: AsyncSession, series_ids: Iterable[int]) -> dict[int, int]:
    """Mark the series as changed (see Series.revision); return each one's new revision.

    A write raises the revision before it writes the counts, which it stamps with it.
    """
    raised = await session.execute(
        update(Series)
        .where(Series.id.in_(sorted(set(series_ids))))
        .values(revision=Series.revision + 1)
        .returning(Series.id, Series.revision)
    )
    return {series_id: revision for series_id, revision in raised.all()}


async def _refuse_taken_external_id(
    session: AsyncSession, series_id: int, external_id: str | None
) -> None:
    if external_id is None:
        return
    taken = await session.scalar(
        select(Incident.id).where(
            Incident.series_id == series_id, Incident.external_id == external_id
        )
    )
    if taken is not None:
        raise WriteError(
            f"external_id {external_id!r} is already incident #{taken}; "
            f"use `edit {taken} ...` to change that one"
        )


# The columns a bulk insert fills; the rest (deletion) start empty.
BULK_COLUMNS = (*COLUMNS, "series_id", "recorded_by", "recorded_at", *KEY_COLUMNS)


def audit(
    session: AsyncSession,
    now: datetime,
    actor: str,
    action: str,
    series_id: int | None,
    incident_id: int | None,
    changes: dict[str, Any],
    team: str | None = None,
) -> None:
    """Record one write in the audit log, in the writing transaction, with the team it came
    from (None: the install's own tools)."""
    session.add(
        AuditEntry(
            at=now,
            actor=actor,
            action=action,
            series_id=series_id,
            incident_id=incident_id,
            changes=changes,
            team=team,
        )
    )


def audit_import(
    session: AsyncSession, *, now: datetime, actor: str, details: dict[str, Any]
) -> None:
    """Record one bulk import in the audit log."""
    audit(session, now, actor, "import", None, None, details)


def _described(row: dict[str, Any]) -> dict[str, str]:
    return {FIELD_OF.get(c, c): display_value(c, v) for c, v in row.items() if v is not None}
