"""One run's checked rows stored in one transaction, with the alerts of an import.

New rows are added (or queued, for a reviewed source), ACLED's corrections update what is
stored, and what the source deleted is deleted here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands.context import Context
from bot.commands.fetching import Fetched
from bot.commands.sources.reports import RunReport
from bot.commands.sources.review_queue import queue_for_review, withdraw
from bot.domain import acled
from bot.notify import alerts
from storage import queries
from storage import sources as stored_sources
from storage.importers import ValidRow, staged_of, store_rows
from storage.models import Series, Source
from storage.writes import delete_incident, edit_incident


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
    """Store what one run read (all of it, in `session`'s transaction) and say what it did."""
    now = context.clock()
    actor = f"source:{source.name}"
    await queries.lock_series(session, series.id)
    watches = await alerts.watch(session, series, today)
    fresh, updated, skipped = await _update_known(session, source, series, rows, actor, now)
    added = queued = 0
    if source.reviewed:
        queued, more_skipped = await queue_for_review(session, source, series, fresh, now)
        skipped += more_skipped
    elif fresh:
        result = await store_rows(
            session,
            staged_of(fresh, len(fresh)),
            actor=actor,
            now=now,
            source_name=f"source {source.name}",
        )
        added, skipped = result.added, skipped + result.skipped
    deleted = left = 0
    if fetched.deleted:
        reason = f"deleted at the source {source.name}"
        deleted = await _delete_gone(session, series, fetched.deleted, actor, now, reason)
        await withdraw(session, series, fetched.deleted, actor, now)
    if fetched.left:
        # ACLED changed them so that the source's query no longer holds them (another
        # country, another event type): they go as a deletion at the source would.
        reason = f"no longer in the query of source {source.name}"
        left = await _delete_gone(session, series, fetched.left, actor, now, reason)
        await withdraw(session, series, fetched.left, actor, now)
    alerted = 0
    if added or updated or deleted or left:
        alerted = await alerts.queue_alerts(
            session, settings=context.settings, series=series, watches=watches, today=today, now=now
        )
    counts = (
        (added, "added"),
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
        added=added,
        updated=updated,
        deleted=deleted + left,
        queued=queued,
        alerts=alerted,
    )


async def _update_known(
    session: AsyncSession,
    source: Source,
    series: Series,
    rows: list[ValidRow],
    actor: str,
    now: datetime,
) -> tuple[list[ValidRow], int, int]:
    """Update the stored incidents ACLED corrected; return (the rows not stored, updated,
    skipped)."""
    updated = skipped = 0
    external = [r.fields.external_id for r in rows if r.fields.external_id is not None]
    stored = await stored_sources.incidents_by_external_id(session, series.id, external)
    fresh = []
    for row in rows:
        incident = stored.get(row.fields.external_id or "")
        if incident is None:
            fresh.append(row)
            continue
        if source.kind != "acled" or incident.deleted_at is not None:
            skipped += 1  # a sheet's row already stored, or one an admin deleted
            continue
        new = row.fields.as_row()
        changes = {c: new[c] for c in acled.COLUMNS if getattr(incident, c) != new[c]}
        if changes:
            await edit_incident(session, incident=incident, changes=changes, actor=actor, now=now)
            updated += 1
        else:
            skipped += 1
    return fresh, updated, skipped


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
