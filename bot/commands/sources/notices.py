"""What a source's admins are told when it stops working and when it works again, once each.

The channels told are those that receive the reviews or the alerts of the source's series
(each once, whatever its filters: a failing source stops both). A notice is queued in the
transaction that records the run, keyed by the streak of failures it begins or ends, so
that it is posted once; with no such channel it is only logged.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.access import AccessSettings
from bot.commands.sources.schedule import next_run
from bot.commands.teams import owns_shared
from bot.domain.replies import Reply, reply_data
from storage import outbox, subscriptions
from storage.models import Source, Subscription
from storage.sources import Streak

log = logging.getLogger("bot.commands.sources")
NOTICE = "source"  # the outbox's kind
TOLD = ("reviews", "alerts")  # the subscriptions whose channels are told


def when_text(moment: datetime) -> str:
    """Write a moment as `source list` does: 2026-11-25 12:00 UTC."""
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def sentence(message: str) -> str:
    """Return a run's message as a sentence ending in one full stop."""
    return message.strip().rstrip(".") + "."


def runs_text(runs: int) -> str:
    """Say how many runs: 1 run, 3 runs."""
    return f"{runs:,} run{'s' if runs != 1 else ''}"


def failing_reply(
    name: str, error: str, *, last_ok_at: datetime | None, next_run_at: datetime, now: datetime
) -> Reply:
    """Say that a source stopped working: why, its last success, and when it is tried again."""
    success = when_text(last_ok_at) if last_ok_at is not None else "none yet"
    again = "within a minute" if next_run_at <= now else f"at {when_text(next_run_at)}"
    return Reply.error(
        f"Source {name} stopped working: {sentence(error)}",
        f"Last success: {success}. It is tried again {again}; `source list` shows it.",
    )


def working_reply(name: str, read: str, ended: Streak) -> Reply:
    """Say that a source works again: what the run read, and how long it had failed."""
    return Reply(
        headline=f"Source {name} works again: {read}",
        details=(f"It had failed since {when_text(ended.since)} ({runs_text(ended.runs)}).",),
    )


def failing_notice(
    source: Source, streak: Streak | None, error: str, now: datetime
) -> Reply | None:
    """Return what to tell after a failed run: a notice if it began the failures, else None."""
    if streak is None or not streak.began:
        return None  # told when the failures began
    upcoming = next_run(source.name, source.every_minutes, source.claimed_slot, now)
    return failing_reply(
        source.name, error, last_ok_at=source.last_ok_at, next_run_at=upcoming, now=now
    )


def working_notice(source: Source, ended: Streak | None, read: str) -> Reply | None:
    """Return what to tell after a good run: a notice if it ended failures, else None."""
    return None if ended is None else working_reply(source.name, read, ended)


async def channels(session: AsyncSession, series_id: int) -> list[Subscription]:
    """Return one subscription per channel that receives the series' reviews or alerts."""
    found: dict[tuple[str, str], Subscription] = {}
    for kind in TOLD:
        for subscription in await subscriptions.of_series(session, series_id, kind):
            found.setdefault((subscription.platform, subscription.channel), subscription)
    return list(found.values())


async def tell(
    session: AsyncSession,
    source: Source,
    reply: Reply,
    *,
    cause: str,
    now: datetime,
    settings: AccessSettings | None = None,
) -> int:
    """Queue `reply` once for each channel told about the source; return how many were queued.

    `cause` names the change told ("source-failing:3:<first failure>"): a channel is told of
    one change once, however often this is called.
    """
    told = [
        channel
        for channel in await channels(session, source.series_id)
        # A source is the business of the teams that manage it (bot/commands/teams.py):
        # its name and its errors are not told to other teams' channels.
        if settings is None
        or channel.team in (None, source.team)
        or (source.team is None and owns_shared(channel.team, settings))
    ]
    if not told:
        log.warning(
            "%s (no channel receives the reviews or alerts of its series, so it is only logged)",
            reply.headline,
        )
        return 0
    log.info("%s (telling %d channels)", reply.headline, len(told))
    queued = 0
    for channel in told:
        queued += await outbox.enqueue_for(
            session,
            channel,
            key=f"{cause}:{channel.platform}:{channel.channel}",
            kind=NOTICE,
            payload={"reply": reply_data(reply)},
            now=now,
        )
    return queued


async def after_failure(
    session: AsyncSession,
    source: Source,
    streak: Streak | None,
    error: str,
    now: datetime,
    settings: AccessSettings | None = None,
) -> int:
    """Tell the source's channels that it stopped working, if this failed run began it."""
    reply = failing_notice(source, streak, error, now)
    if reply is None or streak is None:
        return 0
    cause = f"source-failing:{source.id}:{streak.since.isoformat()}"
    return await tell(session, source, reply, cause=cause, now=now, settings=settings)


async def after_success(
    session: AsyncSession,
    source: Source,
    ended: Streak | None,
    read: str,
    now: datetime,
    settings: AccessSettings | None = None,
) -> int:
    """Tell the source's channels that it works again, if this good run ended its failures."""
    reply = working_notice(source, ended, read)
    if reply is None or ended is None:
        return 0
    cause = f"source-working:{source.id}:{ended.since.isoformat()}"
    return await tell(session, source, reply, cause=cause, now=now, settings=settings)
