"""The messages to a platform that could not be posted, for its admins (the Home tab, Discord)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.access import AccessSettings
from bot.commands.context import Caller
from bot.commands.teams import is_operator
from storage import channel_settings
from storage import failures as failed_messages
from storage.database import Database


@dataclass(frozen=True)
class FailedDelivery:
    """An alert or digest that could not be posted, and why (`pausewatch outbox` lists it too)."""

    id: int
    channel: str
    kind: str
    headline: str
    error: str
    queued_at: datetime


EVERY_TEAM = "every team"  # a caller who speaks for the install is told of every failure
# How many more failed rows are read than shown when they are a team's: the others' are skipped.
TEAM_READ_FACTOR = 5


def told_team(caller: Caller | None, settings: AccessSettings) -> str | None:
    """Return whose channels' failures a caller is told of (EVERY_TEAM for the install's)."""
    if caller is None or is_operator(caller, settings):
        return EVERY_TEAM
    return caller.team


async def newest_failed(
    database: Database, *, platform: str, limit: int, team: str | None = EVERY_TEAM
) -> list[FailedDelivery]:
    """Return the newest messages to `platform` that failed for good, newest first: of every
    channel, or of the channels `team` keeps (channel_settings.keeper_of; None: the install's)."""
    async with database.read() as session:
        if team == EVERY_TEAM:
            rows = await failed_messages.failed(session, platform=platform, limit=limit)
        else:
            read = await failed_messages.failed(
                session, platform=platform, limit=limit * TEAM_READ_FACTOR
            )
            keepers = {
                channel: await channel_settings.keeper_of(session, platform, channel)
                for channel in {row.channel for row in read}
            }
            rows = [row for row in read if keepers[row.channel] == team][:limit]
    return [
        FailedDelivery(
            id=row.id,
            channel=row.channel,
            kind=row.kind,
            headline=str(row.payload.get("reply", {}).get("headline", "")),
            error=row.last_error or "",
            queued_at=row.created_at,
        )
        for row in rows
    ]


async def untold_failures(
    database: Database,
    *,
    platform: str,
    user: str,
    limit: int,
    since: datetime,
    team: str | None = EVERY_TEAM,
) -> list[FailedDelivery]:
    """Return the newest failures `user` was not told of (queued from `since`; of `team`'s
    channels, see newest_failed), newest first, and remember them as told: in the database,
    so a restart does not tell them again."""
    failures = await newest_failed(database, platform=platform, limit=limit, team=team)
    if not failures:
        return []
    newest = failures[0].id
    async with database.read() as session:
        told = await failed_messages.failures_told(session, platform=platform, user=user)
    if newest > told:  # a write only when there is something new to tell
        async with database.write() as session:
            await failed_messages.tell_failures(
                session, platform=platform, user=user, newest=newest
            )
    return [f for f in failures if f.id > told and f.queued_at >= since]
