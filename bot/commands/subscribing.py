"""Subscribe a channel to a series' alerts or digests, list them, set its zone and quiet hours."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands import channel_zones
from bot.commands.command import Command, CommandError
from bot.commands.context import Caller
from bot.commands.note_words import NO_CONTEXT
from bot.commands.replies import subscription_reply, subscriptions_reply
from bot.commands.subjects import stored_series
from bot.commands.teams import is_operator
from bot.domain.replies import Reply
from bot.domain.schedules import EVERY_DAY, DigestSchedule, QuietHours, read_schedule
from bot.settings import Settings
from storage import channel_settings, subscriptions
from storage.models import Subscription
from storage.writes import audit

DIGEST = "digest"


def covers_text(schedule: DigestSchedule | None) -> str:
    """Say which days a digest on `schedule` (None: the bot's) covers."""
    if schedule is None or len(schedule.weekdays) == 1:
        return "the week before"
    if schedule.weekdays == EVERY_DAY:
        return "the day before"
    return "the days since the run before it, up to the day before"


def digest_name(written: str | None) -> str:
    """Name a digest by its schedule: the daily digest, the weekly digest, the digest."""
    if written is None:
        return "the weekly digest"
    days = read_schedule(written).weekdays
    if days == EVERY_DAY:
        return "the daily digest"
    return "the weekly digest" if len(days) == 1 else "the digest"


def when_text(written: str | None, settings: Settings | None = None) -> str:
    """Say when a digest is posted: its own schedule, or the bot's (`digest_cron`, when the
    settings are at hand)."""
    if written is None:
        cron = f" (`{settings.digest_cron}`)" if settings is not None else ""
        return f"on the bot's schedule{cron}"
    return written


def digest_details(written: str | None, zone: channel_zones.ChannelZone, settings: Settings) -> str:
    """Say when a channel's digest is posted, in which zone, and the days it covers."""
    schedule = read_schedule(written) if written is not None else None
    return (
        f"It is posted {when_text(written, settings)}, {zone.name} time, and covers "
        f"{covers_text(schedule)}."
    )


async def subscribe(
    session: AsyncSession, command: Command, caller: Caller, *, settings: Settings, now: datetime
) -> Reply:
    """Subscribe or unsubscribe the caller's channel, or set its zone or quiet hours."""
    if not command.only_asks:
        await _check_keeper(session, caller, settings)
    if command.verb == "timezone":
        return await channel_zones.timezone(session, command, caller, settings=settings, now=now)
    if not caller.channel:
        raise CommandError(f"`{command.verb}` works in a channel: use it there.")
    if command.verb == "quiet":
        return await quiet(session, command, caller, settings=settings, now=now)
    kind = command.topic or "alerts"
    # A reviewed source's candidates go to the channels of those who may decide them.
    series = await stored_series(
        session, command.series, settings=settings, caller=caller, writing=kind == "reviews"
    )
    written = command.schedule.written() if command.schedule is not None else None
    context = await _context(session, command, caller, settings, series.name)
    target = subscriptions.Target(
        caller.platform,
        caller.channel,
        kind,
        series.id,
        command.filters,
        caller.team,
        written,
        context,
    )
    if command.verb != "subscribe":
        changed = await subscriptions.unsubscribe(session, target)
        return subscription_reply(command.verb, kind, series.name, command.filters, changed)
    existing = await subscriptions.find(session, target)
    if existing is not None and kind == DIGEST:
        changed_reply = await _change_digest(
            session, existing, series.name, written, context, caller, settings=settings, now=now
        )
        if changed_reply is not None:
            return changed_reply
    if existing is None:
        changed = await subscriptions.subscribe(
            session, replace(target, context_series=context or None), actor=caller.user, now=now
        )
    else:
        changed, written, context = False, existing.schedule, existing.context_series
    reply = subscription_reply(command.verb, kind, series.name, command.filters, changed)
    if kind != DIGEST:
        return reply
    zone = await channel_zones.zone_of(session, caller, settings)
    return replace(
        reply,
        headline=reply.headline.replace("the weekly digest", digest_name(written)),
        details=(
            digest_details(written, zone, settings),
            *((f"Its chart marks the days with {context} incidents.",) if context else ()),
            *reply.details,
        ),
    )


async def _change_digest(
    session: AsyncSession,
    existing: Subscription,
    series: str,
    written: str | None,
    context: str | None,
    caller: Caller,
    *,
    settings: Settings,
    now: datetime,
) -> Reply | None:
    """Give an existing digest the schedule and the other series the command names, both,
    audited; say what changed, or None when nothing did."""
    new_schedule = written is not None and existing.schedule != written
    # context: None keeps the other series, NO_CONTEXT ("") removes it.
    new_context = context is not None and (context or None) != existing.context_series
    if not new_schedule and not new_context:
        return None
    changes: dict[str, list[str | None]] = {}
    headline, details = [], []
    if new_schedule:
        before = await subscriptions.reschedule(session, existing, written, now)
        changes["schedule"] = [before, written]
        headline.append(f"is now posted {written}")
        details.append(f"It was posted {when_text(before, settings)}.")
        zone = await channel_zones.zone_of(session, caller, settings)
        details.append(digest_details(written, zone, settings))
    if new_context:
        before_context, existing.context_series = existing.context_series, context or None
        await session.flush()
        changes["with"] = [before_context, context or None]
        if context:
            headline.append(f"now marks {context} on its chart")
            details.append(f"Its chart shows the days with {context} incidents under the bars.")
        else:
            headline.append(f"no longer marks {before_context} on its chart")
            details.append("`subscribe digest with:OTHER` marks another series again.")
    audit(
        session, now, caller.user, "change digest", existing.series_id, None, changes, caller.team
    )
    return Reply(
        headline=f"This channel's digest for {series} " + " and ".join(headline),
        details=tuple(details),
    )


def digest_when(subscription: Subscription) -> str:
    """Say when a digest is posted, and the other series its chart marks."""
    other = subscription.context_series
    return when_text(subscription.schedule) + (f", with {other}" if other else "")


async def _context(
    session: AsyncSession, command: Command, caller: Caller, settings: Settings, series: str
) -> str | None:
    """Return the other series a digest subscription's chart marks (checked: one the caller
    sees, not the series itself), NO_CONTEXT to remove it, or None to keep it as it is."""
    if command.context_series is None:
        return None
    if command.verb != "subscribe" or command.topic != DIGEST:
        raise CommandError("Only a digest takes another series: `subscribe digest with:OTHER`.")
    if command.context_series == NO_CONTEXT:
        return NO_CONTEXT  # `with:none`: the digest's chart marks no other series
    other = await stored_series(session, command.context_series, settings=settings, caller=caller)
    if other.name == series:
        raise CommandError(f"`with:{series}` is the digest's own series: name another.")
    return other.name


async def quiet(
    session: AsyncSession, command: Command, caller: Caller, *, settings: Settings, now: datetime
) -> Reply:
    """Say (`quiet`), set (`quiet 22:00-07:00`) or end (`quiet off`) a channel's quiet hours."""
    zone = await channel_zones.zone_of(session, caller, settings)
    held = "Alerts and record notices due in them are held, then posted as one message when "
    held += "they end; digests are not held."
    if command.topic is None:
        current = (await channel_settings.hours_of(session, caller.platform, caller.channel)).quiet
        if current is None:
            return Reply(
                headline="This channel has no quiet hours",
                details=("`quiet 22:00-07:00` sets them (admins), in the channel's zone.",),
            )
        hours = QuietHours(*current)
        return Reply(
            headline=f"This channel's quiet hours are {hours.written()}, {zone.name} time",
            details=(held, "`quiet off` ends them (admins)."),
        )
    if command.topic == "off":
        before = await channel_settings.set_quiet_hours(
            session,
            caller.platform,
            caller.channel,
            None,
            actor=caller.user,
            now=now,
            team=caller.team,
        )
        if before is None:
            return Reply(headline="This channel has no quiet hours")
        return Reply(
            headline="This channel's quiet hours are off",
            details=(
                f"They were {QuietHours(*before).written()}. Anything they held is posted "
                "within a minute.",
            ),
        )
    if command.topic != "set" or command.quiet is None:
        raise CommandError("Write `quiet 22:00-07:00`, `quiet` or `quiet off`.")
    hours = command.quiet
    before = await channel_settings.set_quiet_hours(
        session,
        caller.platform,
        caller.channel,
        (hours.start, hours.end),
        actor=caller.user,
        now=now,
        team=caller.team,
    )
    details = [held, f"It is {now.astimezone(zone.zone):%H:%M} here now."]
    if before is not None and before != (hours.start, hours.end):
        details.append(f"They were {QuietHours(*before).written()}.")
    return Reply(
        headline=f"This channel's quiet hours are {hours.written()} now, {zone.name} time",
        details=tuple(details),
    )


async def channel_subscriptions(
    session: AsyncSession, caller: Caller, zone: channel_zones.ChannelZone
) -> Reply:
    """List what the caller's channel is subscribed to, when its digests are posted, its zone
    (when it has its own, or digests posted in it) and its quiet hours."""
    found = [
        (subscription, name)
        for subscription, name in await subscriptions.of_channel(
            session, caller.platform, caller.channel
        )
        # In a channel two teams share, each sees its own.
        if subscription.team in (None, caller.team) or caller.team is None
    ]
    reply = subscriptions_reply(
        [
            (
                s.kind,
                name,
                subscriptions.filters_of(s),
                digest_when(s) if s.kind == DIGEST else None,
            )
            for s, name in found
        ]
    )
    details = list(reply.details)
    digests = any(s.kind == DIGEST for s, _ in found)
    if zone.origin != channel_zones.DEFAULT or digests:
        details.append(f"Time zone: {zone.said()}.")
    quiet = (await channel_settings.hours_of(session, caller.platform, caller.channel)).quiet
    if quiet is not None:
        details.append(f"Quiet hours: {QuietHours(*quiet).written()} (alerts held, then posted).")
    return replace(reply, details=tuple(details))


async def _check_keeper(session: AsyncSession, caller: Caller, settings: Settings) -> None:
    """Refuse a change to a channel another team keeps (one two Slack workspaces share)."""
    if is_operator(caller, settings):
        return
    keeper = await channel_settings.keeper_of(session, caller.platform, caller.channel)
    if keeper is not None and keeper != caller.team:
        raise CommandError(
            "This channel's subscriptions and hours are kept by another team that shares it "
            f"({keeper}): its admins change them, and nothing was changed."
        )
