"""A reviewed source's rows queued as candidates, each posted to the channels reviewing it.

New rows wait to be stored; ACLED's corrections of stored incidents, its deletions and the
events that left the source's query wait to be applied (bot/commands/review_changes.py).
The same change brought again is not queued twice, and a newer version of a waiting
candidate replaces it: its messages already posted are edited to show it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands.review_changes import change_reply, fields_of, withdraw
from bot.commands.review_messages import REVIEW, edit_posted, post
from bot.commands.reviews import candidate_reply, fields_text
from storage import candidates, subscriptions
from storage import sources as stored_sources
from storage.importers import ValidRow, natural_key_of, row_key, stored_among
from storage.models import Incident, Series, Source

__all__ = [
    "REVIEW",
    "candidate_key",
    "queue_corrections",
    "queue_for_review",
    "queue_removals",
    "withdraw_new",
]


def candidate_key(row: ValidRow) -> str:
    """Return the key a candidate is remembered by (its external id, else a digest)."""
    key = row_key(row)
    if row.fields.external_id is not None:
        return f"id:{row.fields.external_id}"
    return "natural:" + hashlib.sha256(repr(key[1:]).encode()).hexdigest()


async def queue_for_review(
    session: AsyncSession, source: Source, series: Series, rows: list[ValidRow], now: datetime
) -> tuple[int, int]:
    """Queue the rows not stored and never reviewed; return (queued, skipped).

    As an import would skip them: a row stored already, and a row without an external id
    that has the day, place, kind and source of one before it (stored, or in this fetch).
    """
    stored_ids, taken = await stored_among(session, rows)
    keys = {candidate_key(row): row for row in rows}
    known = await stored_sources.candidates_by_key(session, series.id, keys)
    channels = await subscriptions.of_series(session, series.id, "reviews")
    queued = skipped = 0
    for key, row in keys.items():
        if row_key(row) in stored_ids or row_key(row) in taken:
            skipped += 1
            continue
        taken.add(natural_key_of(row))
        earlier = known.get(key)
        if earlier is not None:
            fields = fields_text(row.fields)
            if earlier.status == stored_sources.PENDING and earlier.fields != fields:
                earlier.fields = fields  # the source's newer version
                reply = candidate_reply(earlier.id, series.name, source.name, row.fields)
                # The copies posted show it; the channels it now matches get it.
                await edit_posted(session, earlier.id, reply, now)
                await post(session, channels, earlier.id, reply, [row.fields], now)
            skipped += 1
            continue
        candidate = await stored_sources.add_candidate(
            session,
            series_id=series.id,
            source_name=source.name,
            key=key,
            fields=fields_text(row.fields),
            now=now,
        )
        queued += 1
        reply = candidate_reply(candidate.id, series.name, source.name, row.fields)
        await post(session, channels, candidate.id, reply, [row.fields], now)
    skipped += len(rows) - len(keys)  # the same row twice in one file
    return queued, skipped


async def queue_corrections(
    session: AsyncSession,
    source: Source,
    series: Series,
    corrected: Sequence[tuple[Incident, ValidRow]],
    agreeing: Sequence[str],
    now: datetime,
) -> tuple[int, int]:
    """Queue ACLED's corrections of stored incidents; return (queued, skipped).

    A correction is remembered by the values it brings: brought again it is skipped (and,
    rejected, stays so); another correction of an incident whose correction waits replaces
    it. A waiting correction of an event the source now has as stored is withdrawn.
    """
    ids = [incident.external_id or "" for incident, _ in corrected]
    waiting = await candidates.waiting_changes(session, series.id, [*ids, *agreeing])
    for external_id in agreeing:
        stale = [c for c in waiting.get(external_id, []) if _is_update(c.key)]
        await withdraw(
            session,
            stale,
            actor=f"source:{source.name}",
            why=f"{source.name} has the stored values again",
            now=now,
        )
    wanted = {
        candidates.update_key(incident.external_id or "", fields_text(row.fields)): (incident, row)
        for incident, row in corrected
    }
    known = await stored_sources.candidates_by_key(session, series.id, wanted)
    channels = await subscriptions.of_series(session, series.id, "reviews")
    queued = skipped = 0
    for key, (incident, row) in wanted.items():
        if key in known:
            skipped += 1
            continue
        fields = fields_text(row.fields)
        earlier = next(
            (c for c in waiting.get(incident.external_id or "", []) if _is_update(c.key)), None
        )
        if earlier is not None:
            earlier.key, earlier.fields = key, fields  # the source's newer correction
            candidate = earlier
            skipped += 1
        else:
            candidate = await stored_sources.add_candidate(
                session,
                series_id=series.id,
                source_name=source.name,
                key=key,
                fields=fields,
                now=now,
            )
            queued += 1
        reply = change_reply(
            candidate.id,
            key,
            series=series.name,
            source=source.name,
            incident=incident,
            fields=row.fields,
        )
        if earlier is not None:
            await edit_posted(session, candidate.id, reply, now)
        await post(session, channels, candidate.id, reply, [fields_of(incident), row.fields], now)
    return queued, skipped


async def queue_removals(
    session: AsyncSession,
    source: Source,
    series: Series,
    external_ids: Sequence[str],
    kind: str,
    now: datetime,
) -> int:
    """Queue the removal of the stored incidents the source deleted (`delete`) or no longer
    holds in its query (`left`); return how many were queued.

    One removal of an incident waits at a time, and one decided is not brought again.
    """
    found = await stored_sources.incidents_by_external_id(session, series.id, external_ids)
    live = {key: i for key, i in found.items() if i.deleted_at is None}
    wanted = {candidates.removal_key(kind, external_id): i for external_id, i in live.items()}
    known = await stored_sources.candidates_by_key(session, series.id, wanted)
    waiting = await candidates.waiting_changes(session, series.id, live)
    channels = await subscriptions.of_series(session, series.id, "reviews")
    queued = 0
    for key, incident in wanted.items():
        others = waiting.get(incident.external_id or "", [])
        if key in known or any(candidates.kind_of(c.key) in candidates.REMOVALS for c in others):
            continue
        fields = fields_of(incident)
        candidate = await stored_sources.add_candidate(
            session,
            series_id=series.id,
            source_name=source.name,
            key=key,
            fields=fields_text(fields),
            now=now,
        )
        reply = change_reply(
            candidate.id,
            key,
            series=series.name,
            source=source.name,
            incident=incident,
            fields=fields,
        )
        await post(session, channels, candidate.id, reply, [fields], now)
        queued += 1
    return queued


async def withdraw_new(
    session: AsyncSession,
    series: Series,
    external_ids: Sequence[str],
    actor: str,
    why: str,
    now: datetime,
) -> None:
    """Withdraw the new rows still waiting whose events the source deleted, saying so in
    their messages."""
    waiting = await stored_sources.candidates_by_key(
        session, series.id, [f"id:{i}" for i in external_ids]
    )
    await withdraw(session, list(waiting.values()), actor=actor, why=why, now=now)


def _is_update(key: str) -> bool:
    return candidates.kind_of(key) == candidates.UPDATE
