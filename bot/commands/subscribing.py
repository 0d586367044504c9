"""Subscribe a channel to a series' alerts or digests, unsubscribe it, and list what it has."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands.command import Command, CommandError
from bot.commands.context import Caller
from bot.commands.replies import subscription_reply, subscriptions_reply
from bot.commands.subjects import stored_series
from bot.domain.replies import Reply
from bot.settings import Settings
from storage import subscriptions


async def subscribe(
    session: AsyncSession, command: Command, caller: Caller, *, settings: Settings, now: datetime
) -> Reply:
    """Subscribe or unsubscribe the caller's channel, as the command's verb says."""
    if not caller.channel:
        raise CommandError(f"`{command.verb}` works in a channel: use it there.")
    kind = command.topic or "alerts"
    series = await stored_series(session, command.series, settings=settings)
    target = subscriptions.Target(caller.platform, caller.channel, kind, series.id, command.filters)
    if command.verb == "subscribe":
        changed = await subscriptions.subscribe(session, target, actor=caller.user, now=now)
    else:
        changed = await subscriptions.unsubscribe(session, target)
    return subscription_reply(command.verb, kind, series.name, command.filters, changed)


async def channel_subscriptions(session: AsyncSession, caller: Caller) -> Reply:
    """List what the caller's channel is subscribed to."""
    found = await subscriptions.of_channel(session, caller.platform, caller.channel)
    return subscriptions_reply([(s.kind, name, subscriptions.filters_of(s)) for s, name in found])
