"""One run's checked rows stored in one transaction, with the alerts of an import.

New rows are added, ACLED's corrections update what is stored, and what the source deleted
or no longer holds in its query is deleted here; for a reviewed source each of these waits
for review instead (review_queue.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands.context import Context
from bot.commands.fetching import Fetched
from bot.commands.review_changes import corrections, reason
from bot.commands.sources.reports import RunReport
from bot.commands.sources.review_queue import (
    queue_corrections,
    queue_for_review,
    queue_removals,
    withdraw_new,
)
from bot.notify import alerts
from storage import candidates, queries
from storage import sources as stored_sources
from storage.importers import ValidRow, staged_of, store_rows
from storage.models import Incident, Series, Source
from storage.writes import delete_incident, edit_incident, restore_incident


async def store(
    context: Context,
    session: AsyncSession,
    source: Source,
    series: Series,
    rows: list[ValidRow],
    read: int,
    fetched: Fetched,
    today: date,
) -> RunReport:
    """Store what one run read (all of it, in `session`'s transaction) and say what it did.

    A reviewed source's new rows, corrections and removals wait for review instead.
    """
    now = context.clock()
    actor = f"source:{source.name}"
    await queries.lock_series(session, series.id)
    watches = await alerts.watch(session, series, today)
    known = await _known(session, source, series, rows)
    skipped = known.skipped
    added = queued = updated = restored = 0
    if source.reviewed:
        queued, more_skipped = await queue_for_review(session, source, series, known.fresh, now)
        corrections_queued, corrections_skipped = await queue_corrections(
            session, source, series, known.corrected, known.agreeing, now
        )
        queued += corrections_queued
        skipped += more_skipped + corrections_skipped
    else:
        for incident in known.returned:
            why = f"back in the query of source {source.name}"
            await restore_incident(session, incident=incident, actor=actor, now=now, reason=why)
            restored += 1
        for incident, row in known.corrected:
            changes = corrections(incident, row.fields)
            await edit_incident(session, incident=incident, changes=changes, actor=actor, now=now)
            updated += 1
        if known.fresh:
            result = await store_rows(
                session,
                staged_of(known.fresh, len(known.fresh)),
                actor=actor,
                now=now,
                source_name=f"source {source.name}",
            )
            added, skipped = result.added, skipped + result.skipped
    deleted, left, removals = await _removals(session, source, series, fetched, now)
    queued += removals
    alerted = 0
    if added or restored or updated or deleted or left:
        alerted = await alerts.queue_alerts(
            session, settings=context.settings, series=series, watches=watches, today=today, now=now
        )
    counts = (
        (added, "added"),
        (restored, "back in its query"),
        (updated, "updated"),
        (deleted, "deleted"),
        (left, "no longer in its query"),
        (queued, "queued for review"),
        (skipped, "already known"),
    )
    parts = [f"read {read:,}", *(f"{count:,} {what}" for count, what in counts if count)]
    return RunReport(
        source.name,
        ok=True,
        message=", ".join(parts),
        added=added + restored,
        updated=updated,
        deleted=deleted + left,
        queued=queued,
        alerts=alerted,
    )


@dataclass
class Known:
    """A run's rows sorted by what is stored: new ones, ACLED's corrections of stored
    incidents, the external ids of stored ones it has unchanged, and how many to skip."""

    fresh: list[ValidRow] = field(default_factory=list)
    corrected: list[tuple[Incident, ValidRow]] = field(default_factory=list)
    # Incidents this source deleted (ACLED deleted them, or they left its query) that it
    # brings again: as ACLED has them now, they are live.
    returned: list[Incident] = field(default_factory=list)
    agreeing: list[str] = field(default_factory=list)
    skipped: int = 0


async def _known(
    session: AsyncSession, source: Source, series: Series, rows: list[ValidRow]
) -> Known:
    """Sort a run's rows by what is stored of them already."""
    known = Known()
    actor = f"source:{source.name}"
    external = [r.fields.external_id for r in rows if r.fields.external_id is not None]
    stored = await stored_sources.incidents_by_external_id(session, series.id, external)
    for row in rows:
        incident = stored.get(row.fields.external_id or "")
        if incident is None:
            known.fresh.append(row)
        elif _brought_back(source, incident, actor):
            known.returned.append(incident)
            if corrections(incident, row.fields):
                known.corrected.append((incident, row))
        elif source.kind != "acled" or incident.deleted_at is not None:
            known.skipped += 1  # a sheet's row already stored, or one an admin deleted
        elif corrections(incident, row.fields):
            known.corrected.append((incident, row))
        else:
            known.skipped += 1
            known.agreeing.append(incident.external_id or "")
    return known


def _brought_back(source: Source, incident: Incident, actor: str) -> bool:
    """Say whether the incident is one this (trusted ACLED) source deleted and reads again.

    One an admin deleted, or a reviewer approved the deletion of, stays deleted.
    """
    return (
        source.kind == "acled"
        and not source.reviewed
        and incident.deleted_at is not None
        and incident.deleted_by == actor
    )


async def _removals(
    session: AsyncSession, source: Source, series: Series, fetched: Fetched, now: datetime
) -> tuple[int, int, int]:
    """Remove what the source deleted and what left its query, or for a reviewed source
    queue their removals; return (deleted, left, queued)."""
    actor = f"source:{source.name}"
    deleted = left = queued = 0
    # `left`: ACLED changed them so that the source's query no longer holds them (another
    # country, another event type): they go as a deletion at the source would.
    for kind, gone in ((candidates.DELETE, fetched.deleted), (candidates.LEFT, fetched.left)):
        if not gone:
            continue
        why = reason(kind, source.name)
        if source.reviewed:
            queued += await queue_removals(session, source, series, gone, kind, now)
        elif kind == candidates.DELETE:
            deleted = await _delete_gone(session, series, gone, actor, now, why)
        else:
            left = await _delete_gone(session, series, gone, actor, now, why)
        # A new row still waiting whose event is gone has nothing left to store.
        await withdraw_new(session, series, gone, actor, why, now)
    return deleted, left, queued


async def _delete_gone(
    session: AsyncSession,
    series: Series,
    external_ids: Sequence[str],
    actor: str,
    now: datetime,
    reason: str,
) -> int:
    """Soft-delete the stored incidents the source no longer has; return how many."""
    deleted = 0
    gone = await stored_sources.incidents_by_external_id(session, series.id, external_ids)
    for incident in gone.values():
        if incident.deleted_at is None:
            await delete_incident(
                session,
                incident=incident,
                actor=actor,
                now=now,
                reason=reason,
            )
            deleted += 1
    return deleted
