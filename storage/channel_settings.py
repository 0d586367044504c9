"""A channel's own settings (its time zone), one row per platform and channel, and who set them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UtcDateTime

# The longest IANA zone name is 32 characters (America/Argentina/ComodRivadavia).
MAX_ZONE_NAME = 64


class ChannelSetting(Base):
    """One channel's own settings; a channel without a row takes the bot's (or its team's)."""

    __tablename__ = "channel_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(100))
    time_zone: Mapped[str | None] = mapped_column(String(MAX_ZONE_NAME))
    # Who changed the row last and when: the record an admin's change leaves.
    set_by: Mapped[str] = mapped_column(String(100))
    set_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (UniqueConstraint("platform", "channel", name="uq_channel_settings_channel"),)


async def time_zone_of(session: AsyncSession, platform: str, channel: str) -> str | None:
    """Return the name of a channel's own time zone, or None when it has none."""
    return await session.scalar(
        select(ChannelSetting.time_zone).where(
            ChannelSetting.platform == platform, ChannelSetting.channel == channel
        )
    )


async def set_time_zone(
    session: AsyncSession,
    platform: str,
    channel: str,
    zone: str | None,
    *,
    actor: str,
    now: datetime,
) -> str | None:
    """Set (or with None remove) a channel's own time zone; return the one it had before."""
    row = await session.scalar(
        select(ChannelSetting).where(
            ChannelSetting.platform == platform, ChannelSetting.channel == channel
        )
    )
    if row is None:
        if zone is None:
            return None
        session.add(
            ChannelSetting(
                platform=platform, channel=channel, time_zone=zone, set_by=actor, set_at=now
            )
        )
        await session.flush()
        return None
    before = row.time_zone
    row.time_zone, row.set_by, row.set_at = zone, actor, now
    await session.flush()
    return before
