"""Requests already handled: a unique key per request, shared by every replica."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import SeenRequest

# Slack retries within minutes; a day of keys is plenty and keeps the table small.
KEEP = timedelta(days=1)


async def first_time(session: AsyncSession, key: str, now: datetime) -> bool:
    """Record `key`; say whether no replica had recorded it before."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(SeenRequest)
        .values(key=key, seen_at=now)
        .on_conflict_do_nothing(index_elements=[SeenRequest.key])
    )
    result = cast(CursorResult[Any], await session.execute(statement))
    # Forget old keys as new ones come: the table holds about a day of requests.
    await session.execute(delete(SeenRequest).where(SeenRequest.seen_at < now - KEEP))
    return bool(result.rowcount)
