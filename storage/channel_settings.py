"""A channel's own settings (its time zone, its quiet hours): one row a channel, who set it."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import String, Time, UniqueConstraint, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UtcDateTime
from storage.models import Subscription
from storage.teams import TeamSetting

# The longest IANA zone name is 32 characters (America/Argentina/ComodRivadavia).
MAX_ZONE_NAME = 64


class ChannelSetting(Base):
    """One channel's own settings; a channel without a row takes the bot's (or its team's)."""

    __tablename__ = "channel_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(100))
    time_zone: Mapped[str | None] = mapped_column(String(MAX_ZONE_NAME))
    # Quiet hours, local to the channel's zone: both or neither (migration 0021).
    quiet_start: Mapped[time | None] = mapped_column(Time())
    quiet_end: Mapped[time | None] = mapped_column(Time())
    # Who changed the row last and when: the record an admin's change leaves.
    # The team that set them (None: the install's own tools); another team may not change
    # them, as in a channel two Slack workspaces share.
    team: Mapped[str | None] = mapped_column(String(64))
    set_by: Mapped[str] = mapped_column(String(100))
    set_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (UniqueConstraint("platform", "channel", name="uq_channel_settings_channel"),)


# Built once, bound at each call: every command reads it, and making a statement costs more
# than SQLite takes to answer it.
_TIME_ZONE = select(ChannelSetting.time_zone).where(
    ChannelSetting.platform == bindparam("platform"), ChannelSetting.channel == bindparam("channel")
)

_OF_CHANNELS = select(ChannelSetting).where(
    ChannelSetting.channel.in_(bindparam("names", expanding=True))
)


async def time_zone_of(session: AsyncSession, platform: str, channel: str) -> str | None:
    """Return the name of a channel's own time zone, or None when it has none."""
    return await session.scalar(_TIME_ZONE, {"platform": platform, "channel": channel})


async def _row(session: AsyncSession, platform: str, channel: str) -> ChannelSetting | None:
    return await session.scalar(
        select(ChannelSetting).where(
            ChannelSetting.platform == platform, ChannelSetting.channel == channel
        )
    )


@dataclass(frozen=True)
class ChannelHours:
    """What a channel's row says of its hours: its own zone's name and its quiet hours."""

    time_zone: str | None = None
    quiet: tuple[time, time] | None = None


async def hours_of(session: AsyncSession, platform: str, channel: str) -> ChannelHours:
    """Return a channel's own zone and quiet hours (none of either: an empty ChannelHours)."""
    row = await _row(session, platform, channel)
    return ChannelHours() if row is None else _hours(row)


def _hours(row: ChannelSetting) -> ChannelHours:
    quiet = None
    if row.quiet_start is not None and row.quiet_end is not None:
        quiet = (row.quiet_start, row.quiet_end)
    return ChannelHours(row.time_zone, quiet)


async def every_channels_hours(session: AsyncSession) -> dict[tuple[str, str], ChannelHours]:
    """Return the own zone and quiet hours of every channel that has a row, by (platform,
    channel): one read for a check that looks at many channels."""
    rows = await session.scalars(select(ChannelSetting))
    return {(row.platform, row.channel): _hours(row) for row in rows}


async def channels_hours(
    session: AsyncSession, channels: Collection[tuple[str, str]]
) -> dict[tuple[str, str], ChannelHours]:
    """Return the own zone and quiet hours of those of `channels` (platform, channel) that
    have a row: one read for the few channels a write alerts."""
    if not channels:
        return {}
    names = sorted({channel for _, channel in channels})
    rows = await session.scalars(_OF_CHANNELS, {"names": names})
    return {
        (row.platform, row.channel): _hours(row)
        for row in rows
        if (row.platform, row.channel) in channels
    }


async def team_zones(
    session: AsyncSession, teams: Collection[str] | None = None
) -> dict[str, str | None]:
    """Return every team's own zone name (None: it has none), by team; of `teams` alone
    when given (none asked: no read)."""
    query = select(TeamSetting.team, TeamSetting.time_zone)
    if teams is not None:
        if not teams:
            return {}
        query = query.where(TeamSetting.team.in_(sorted(teams)))
    rows = await session.execute(query)
    return {team: zone for team, zone in rows.all()}


async def _changed_row(
    session: AsyncSession,
    platform: str,
    channel: str,
    *,
    setting: bool,
    actor: str,
    now: datetime,
    team: str | None,
) -> ChannelSetting | None:
    """Return a channel's row stamped as changed by `actor` of `team` at `now`, made when
    something is `setting`; None when the channel has none and nothing is set."""
    row = await _row(session, platform, channel)
    if row is None:
        if not setting:
            return None
        row = ChannelSetting(platform=platform, channel=channel)
        session.add(row)
    row.set_by, row.set_at = actor, now
    row.team = row.team or team  # the team that first set it keeps it
    return row


async def set_quiet_hours(
    session: AsyncSession,
    platform: str,
    channel: str,
    quiet: tuple[time, time] | None,
    *,
    actor: str,
    now: datetime,
    team: str | None = None,
) -> tuple[time, time] | None:
    """Set (or with None end) a channel's quiet hours (from `team`); return the ones it had
    before."""
    row = await _changed_row(
        session, platform, channel, setting=quiet is not None, actor=actor, now=now, team=team
    )
    if row is None:
        return None
    before = _hours(row).quiet
    row.quiet_start, row.quiet_end = quiet if quiet is not None else (None, None)
    await session.flush()
    return before


async def set_time_zone(
    session: AsyncSession,
    platform: str,
    channel: str,
    zone: str | None,
    *,
    actor: str,
    now: datetime,
    team: str | None = None,
) -> str | None:
    """Set (or with None remove) a channel's own time zone (from `team`); return the one it had
    before."""
    row = await _changed_row(
        session, platform, channel, setting=zone is not None, actor=actor, now=now, team=team
    )
    if row is None:
        return None
    before = row.time_zone
    row.time_zone = zone
    await session.flush()
    return before


async def keeper_of(session: AsyncSession, platform: str, channel: str) -> str | None:
    """Return the team that keeps a channel (the one that set its hours, else the one that
    subscribed it first); None: no team keeps it yet, or the install's own tools do."""
    row = await _row(session, platform, channel)
    if row is not None and row.team is not None:
        return row.team
    return await session.scalar(
        select(Subscription.team)
        .where(
            Subscription.platform == platform,
            Subscription.channel == channel,
            Subscription.team.is_not(None),
        )
        .order_by(Subscription.id)
        .limit(1)
    )
