"""What operators do beside chat (export, the outbox, digests on demand), for the CLI and the web.

Each takes the context (bot/commands/context.py) and returns plain data, so that no entry
point opens a session itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TextIO

from bot.commands.command import CommandError
from bot.commands.context import Context
from bot.domain.filters import Filters
from bot.domain.replies import Reply
from bot.notify import digests
from storage import outbox, subscriptions
from storage.catalog import series_by_name, series_names
from storage.export import export_incidents
from storage.incident_rows import any_incident


@dataclass(frozen=True)
class QueuedMessage:
    """An outbox message not yet posted, as an operator sees it."""

    id: int
    status: str
    kind: str
    platform: str
    channel: str
    attempts: int
    next_attempt_at: datetime
    headline: str
    last_error: str | None


async def export(context: Context, out: TextIO, file_format: str) -> int:
    """Write every live incident to `out` in the pausewatch schema; return how many."""
    async with context.database.read() as session:
        return await export_incidents(session, out, file_format)


async def unsent(context: Context) -> list[QueuedMessage]:
    """Return the pending, held and failed messages, oldest first."""
    async with context.database.read() as session:
        rows = await outbox.unsent(session)
    return [
        QueuedMessage(
            id=row.id,
            status=row.status,
            kind=row.kind,
            platform=row.platform,
            channel=row.channel,
            attempts=row.attempts,
            next_attempt_at=row.next_attempt_at,
            headline=str(row.payload.get("reply", {}).get("headline", "")),
            last_error=row.last_error,
        )
        for row in rows
    ]


async def retry(context: Context, message_id: int) -> bool:
    """Make an unsent message due at once with fresh attempts; False if there is none."""
    async with context.database.write() as session:
        return await outbox.retry_now(session, message_id, context.clock()) is not None


async def preview_digest(context: Context, series_name: str, run_day: date) -> Reply:
    """Build the digest a run on `run_day` would post for a whole series, posting nothing."""
    async with context.database.read() as session:
        series = await series_by_name(session, series_name)
        if series is None:
            names = ", ".join(await series_names(session))
            raise CommandError(f"{series_name!r} is not a series; the series are {names}")
        return await digests.build_digest(session, context.settings, series, Filters(), run_day)


async def _series_names(context: Context) -> list[str]:
    async with context.database.read() as session:
        return await series_names(session)


async def digest_subscriptions(context: Context, series_name: str | None) -> int:
    """Count the channels subscribed to the digest (of one series, or of any)."""
    async with context.database.read() as session:
        wanted = await subscriptions.all_of_kind(session, "digest")
    return sum(1 for _, name in wanted if series_name is None or name == series_name)


async def queue_digests(context: Context, run_day: date, series_name: str | None = None) -> int:
    """Queue the digests of a run on `run_day` (of one series, or all); return how many."""
    if series_name is not None and series_name not in await _series_names(context):
        names = ", ".join(await _series_names(context))
        raise CommandError(f"{series_name!r} is not a series; the series are {names}")
    queued = await digests.queue_digests(
        context.database, context.settings, run_day, context.clock(), series=series_name
    )
    if queued:
        context.notify()
    return queued


EMPTY_HINT = (
    "The database holds no incidents yet: `pausewatch import --sample` loads the sample data "
    "set (the reference article's dates), `pausewatch import FILE` your own, and admins can "
    "`add` them in chat."
)


async def empty_database_hint(context: Context) -> str | None:
    """Say how to load incidents when there are none (a platform never loads the sample)."""
    async with context.database.read() as session:
        found = await any_incident(session)
    return EMPTY_HINT if not found else None
