"""Subscribe a channel to a series' alerts or digests, unsubscribe it, list it, set its zone."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands import channel_zones
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
    """Subscribe or unsubscribe the caller's channel, or set its zone, as the verb says."""
    if command.verb == "timezone":
        return await channel_zones.timezone(session, command, caller, settings=settings, now=now)
    if not caller.channel:
        raise CommandError(f"`{command.verb}` works in a channel: use it there.")
    if command.verb == "quiet":
        raise CommandError("Quiet hours are not kept yet (issue 27, Hours).")
    kind = command.topic or "alerts"
    series = await stored_series(session, command.series, settings=settings, caller=caller)
    target = subscriptions.Target(
        caller.platform, caller.channel, kind, series.id, command.filters, caller.team
    )
    if command.verb == "subscribe":
        changed = await subscriptions.subscribe(session, target, actor=caller.user, now=now)
    else:
        changed = await subscriptions.unsubscribe(session, target)
    return subscription_reply(command.verb, kind, series.name, command.filters, changed)


async def channel_subscriptions(
    session: AsyncSession, caller: Caller, zone: channel_zones.ChannelZone
) -> Reply:
    """List what the caller's channel is subscribed to, and its own zone when it has one.

    A channel on the bot's default zone is listed as before (`timezone` says which it is).
    """
    found = await subscriptions.of_channel(session, caller.platform, caller.channel)
    reply = subscriptions_reply([(s.kind, name, subscriptions.filters_of(s)) for s, name in found])
    if zone.origin == channel_zones.DEFAULT:
        return reply
    return replace(reply, details=(*reply.details, f"Time zone: {zone.said()}."))
