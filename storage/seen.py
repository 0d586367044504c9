"""Requests already carried out: a unique key per request, shared by every replica.

The key is claimed in the transaction of the write it guards, so a write and its key are
stored together or not at all: a replay finds the key and changes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.database import upsert_insert
from storage.models import SeenRequest

# Slack retries within minutes and API clients within hours: a day of keys is plenty.
KEEP = timedelta(days=1)
MAX_KEY = 200


async def claim(session: AsyncSession, key: str, now: datetime) -> dict[str, Any] | None:
    """Record `key`; return None the first time, else the reply stored under it ({} if none).

    A claim by another transaction that is still running waits for it (the primary key),
    so two replicas never both see a first time.
    """
    if len(key) > MAX_KEY:
        raise ValueError(f"a request key is at most {MAX_KEY} characters")
    statement = (
        upsert_insert(session, SeenRequest)
        .values(key=key, seen_at=now)
        .on_conflict_do_nothing(index_elements=[SeenRequest.key])
    )
    result = cast(CursorResult[Any], await session.execute(statement))
    if result.rowcount:
        # Forget old keys as new ones come: the table holds about a day of requests.
        await session.execute(delete(SeenRequest).where(SeenRequest.seen_at < now - KEEP))
        return None
    stored = await session.scalar(select(SeenRequest.reply).where(SeenRequest.key == key))
    return stored or {}


async def answer(session: AsyncSession, key: str, reply: dict[str, Any]) -> None:
    """Keep the reply given under a claimed key."""
    await session.execute(update(SeenRequest).where(SeenRequest.key == key).values(reply=reply))


async def first_time(session: AsyncSession, key: str, now: datetime) -> bool:
    """Record `key`; say whether no replica had recorded it before."""
    return await claim(session, key, now) is None


async def recorded(session: AsyncSession, key: str) -> bool:
    """Say whether a request under `key` was carried out (its outcome is kept), claiming nothing."""
    return await session.scalar(select(SeenRequest.key).where(SeenRequest.key == key)) is not None
