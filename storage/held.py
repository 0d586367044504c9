"""Messages held for a channel's quiet hours: which channels have some, and taking them once."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxMessage
from storage.outbox import HELD, RELEASED


async def held_channels(session: AsyncSession) -> list[tuple[str, str]]:
    """Return the channels (platform, channel) that have messages held for quiet hours."""
    rows = await session.execute(
        select(OutboxMessage.platform, OutboxMessage.channel)
        .where(OutboxMessage.status == HELD)
        .distinct()
        .order_by(OutboxMessage.platform, OutboxMessage.channel)
    )
    return [(platform, channel) for platform, channel in rows.all()]


async def take_held(session: AsyncSession, platform: str, channel: str) -> list[OutboxMessage]:
    """Mark a channel's held messages released and return them, oldest first.

    The update is the claim: on PostgreSQL a second replica's update waits for the first's
    transaction and then finds no held row, so each held message is taken once.
    """
    statement = (
        update(OutboxMessage)
        .where(
            OutboxMessage.platform == platform,
            OutboxMessage.channel == channel,
            OutboxMessage.status == HELD,
        )
        .values(status=RELEASED)
        .returning(OutboxMessage.id)
    )
    ids = list(await session.scalars(statement))
    if not ids:
        return []
    query = select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)
    return list(await session.scalars(query.execution_options(populate_existing=True)))
