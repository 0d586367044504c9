"""A channel's hours for what is posted to it: its zone, its quiet hours, and the held alerts.

The zone of a channel is its own, else its team's, else the bot's (as the commands' own
bot/commands/channel_zones.py finds it). An alert or record notice due in a channel's quiet
hours is queued held (storage/held.py); once they are over, `release_held` posts what
was held as one message.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.replies import Reply, reply_data, reply_from_data
from bot.domain.schedules import QuietHours
from bot.settings import Settings
from storage import channel_settings, held, outbox, subscriptions, teams
from storage.database import Database
from storage.models import OutboxMessage

log = logging.getLogger(__name__)
HELD_ALERTS = "alert"  # the kind of the one message that lists the held ones


def known_zone(name: str | None) -> ZoneInfo | None:
    """Return the zone of a name, or None for no name or one this machine does not know."""
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@dataclass(frozen=True)
class ChannelHours:
    """A channel's zone and its quiet hours (None: it has none)."""

    zone: ZoneInfo
    quiet: QuietHours | None = None

    def quiet_at(self, moment: datetime) -> bool:
        """Say whether `moment` is within the channel's quiet hours, on its own clock."""
        if self.quiet is None:
            return False
        return self.quiet.holds(moment.astimezone(self.zone).time())


def resolve(
    own: channel_settings.ChannelHours, team_zone: str | None, default: ZoneInfo
) -> ChannelHours:
    """Return a channel's hours from its row: its own zone, else its team's, else `default`."""
    zone = known_zone(own.time_zone) or known_zone(team_zone) or default
    return ChannelHours(zone, QuietHours(*own.quiet) if own.quiet is not None else None)


async def hours_of(
    session: AsyncSession, platform: str, channel: str, team: str | None, settings: Settings
) -> ChannelHours:
    """Read a channel's zone (its own, its team's, the bot's) and its quiet hours."""
    own = await channel_settings.hours_of(session, platform, channel)
    return resolve(own, await teams.time_zone_of(session, team), settings.zone)


@dataclass(frozen=True)
class HoursBook:
    """The hours of every channel, read at once, for a check that looks at many."""

    channels: dict[tuple[str, str], channel_settings.ChannelHours]
    teams: dict[str, str | None]
    default: ZoneInfo

    def of(self, platform: str, channel: str, team: str | None) -> ChannelHours:
        """Return a channel's hours, as hours_of reads them."""
        own = self.channels.get((platform, channel), channel_settings.ChannelHours())
        return resolve(own, self.teams.get(team) if team is not None else None, self.default)


async def read_hours(session: AsyncSession, settings: Settings) -> HoursBook:
    """Read every channel's and every team's hours, in two reads."""
    return HoursBook(
        await channel_settings.every_channels_hours(session),
        await channel_settings.team_zones(session),
        settings.zone,
    )


async def read_hours_of(
    session: AsyncSession, settings: Settings, channels: Collection[tuple[str, str, str | None]]
) -> HoursBook:
    """Read the hours of `channels` (platform, channel, team) alone: one read, and one more
    when any of them belongs to a team."""
    return HoursBook(
        await channel_settings.channels_hours(
            session, {(platform, channel) for platform, channel, _ in channels}
        ),
        await channel_settings.team_zones(
            session, {team for _, _, team in channels if team is not None}
        ),
        settings.zone,
    )


def held_reply(messages: list[OutboxMessage], quiet: QuietHours | None) -> Reply:
    """List the messages held during a channel's quiet hours, as one message."""
    replies = [reply_from_data(message.payload["reply"]) for message in messages]
    alerts = sum(1 for message in messages if message.kind != "record")
    notices = len(messages) - alerts
    counted = [
        f"{number} {word}{'' if number == 1 else 's'}"
        for number, word in ((alerts, "alert"), (notices, "record notice"))
        if number
    ]
    during = f" ({quiet.written()})" if quiet is not None else ""
    details: list[str] = []
    for number, reply in enumerate(replies, start=1):
        details.append(f"{number}. {reply.headline}")
        details.extend(reply.details)
    return Reply(
        headline=f"Held during this channel's quiet hours{during}: {' and '.join(counted)}",
        details=tuple(details),
    )


async def release_held(database: Database, settings: Settings, now: datetime) -> int:
    """Post, as one message per channel, what was held for channels whose quiet hours are over.

    Return how many channels were released. Marking the held messages and queueing the one
    that lists them is one transaction, and the marking is the claim (held.take_held): a
    second replica finds nothing left to take, a failure leaves them held for the next run.
    """
    async with database.read() as session:
        channels = await held.held_channels(session)
    released = 0
    for platform, channel in channels:
        async with database.write() as session:
            team = await subscriptions.team_of_channel(session, platform, channel)
            hours = await hours_of(session, platform, channel, team, settings)
            if hours.quiet_at(now):
                continue
            taken = await held.take_held(session, platform, channel)
            if not taken:
                continue  # another replica took them
            reply = held_reply(taken, hours.quiet)
            queued = await outbox.enqueue(
                session,
                key=f"quiet:{platform}:{channel}:{taken[0].id}",
                platform=platform,
                channel=channel,
                kind=HELD_ALERTS,
                payload={"reply": reply_data(reply)},
                now=now,
                team=taken[0].team,
            )
            released += int(queued)
            log.info("released %d held messages to %s %s", len(taken), platform, channel)
    return released
