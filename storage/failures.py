"""Messages that failed for good, and up to which of them each admin was told of them."""

from __future__ import annotations

from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.database import upsert_insert
from storage.models import FailureNotice, OutboxMessage
from storage.outbox import FAILED


async def failed(session: AsyncSession, *, platform: str, limit: int) -> list[OutboxMessage]:
    """Return a platform's messages that failed for good, newest first."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == FAILED, OutboxMessage.platform == platform)
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return list(await session.scalars(query))


async def failures_told(session: AsyncSession, *, platform: str, user: str) -> int:
    """Return the newest failed message's id `user` was told of on `platform` (0: none)."""
    told = await session.scalar(
        select(FailureNotice.told_id).where(
            FailureNotice.platform == platform, FailureNotice.user_id == user
        )
    )
    return told or 0


async def tell_failures(session: AsyncSession, *, platform: str, user: str, newest: int) -> None:
    """Record that `user` was told of the failed messages up to `newest` (never lowered)."""
    insert = upsert_insert(session, FailureNotice).values(
        platform=platform, user_id=user, told_id=newest
    )
    kept = FailureNotice.told_id
    statement = insert.on_conflict_do_update(
        index_elements=[FailureNotice.platform, FailureNotice.user_id],
        set_={
            "told_id": case((insert.excluded.told_id > kept, insert.excluded.told_id), else_=kept)
        },
    )
    await session.execute(statement)
