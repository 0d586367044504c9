"""A reviewed source's new rows queued as candidates, each posted to the channels reviewing it."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands.reviews import candidate_reply, fields_text
from bot.domain.replies import reply_data
from storage import outbox, subscriptions
from storage import sources as stored_sources
from storage.importers import ValidRow, natural_key_of, row_key, stored_among
from storage.models import Series, Source, Subscription

REVIEW = "review"


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
                # Now in a channel's filters, perhaps: those that have not seen it get it.
                await _post_candidate(session, channels, earlier.id, series, source, row, now)
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
        await _post_candidate(session, channels, candidate.id, series, source, row, now)
    skipped += len(rows) - len(keys)  # the same row twice in one file
    return queued, skipped


async def withdraw(
    session: AsyncSession, series: Series, external_ids: Sequence[str], actor: str, now: datetime
) -> None:
    """Withdraw the candidates still waiting whose events the source deleted."""
    waiting = await stored_sources.candidates_by_key(
        session, series.id, [f"id:{i}" for i in external_ids]
    )
    for candidate in waiting.values():
        if candidate.status == stored_sources.PENDING:
            candidate.status = stored_sources.WITHDRAWN
            candidate.decided_by, candidate.decided_at = actor, now


async def _post_candidate(
    session: AsyncSession,
    channels: list[Subscription],
    candidate_id: int,
    series: Series,
    source: Source,
    row: ValidRow,
    now: datetime,
) -> None:
    """Queue a candidate's message for each channel whose review filters it matches, once
    per channel (two of its subscriptions may match)."""
    reply = candidate_reply(candidate_id, series.name, source.name, row.fields)
    for channel in channels:
        if not subscriptions.filters_of(channel).matches(row.fields):
            continue  # a channel reviews what it subscribed to: `reviews country:Iraq`
        await outbox.enqueue_for(
            session,
            channel,
            key=f"review:{channel.platform}:{channel.channel}:{candidate_id}",
            kind=REVIEW,
            payload={"reply": reply_data(reply)},
            now=now,
        )
