"""The question last asked in each thread (and the choices offered), shared by every replica.

One row per thread key; a thread quiet for longer than KEEP is forgotten, and the table holds
at most MAX_THREADS, the oldest going first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.database import upsert_insert
from storage.models import Conversation

# A follow-up comes within minutes or hours; one a day later starts a new question.
KEEP = timedelta(hours=12)
MAX_THREADS = 10_000
MAX_KEY = 200


@dataclass(frozen=True)
class Recalled:
    """What a thread last asked, and the readings offered to choose from (as stored data)."""

    asked: dict[str, Any] | None
    choices: list[dict[str, Any]]


async def recall(session: AsyncSession, key: str, now: datetime) -> Recalled | None:
    """Return what the thread `key` asked last, unless it is older than KEEP."""
    row = await session.get(Conversation, key[:MAX_KEY])
    if row is None or row.updated_at < now - KEEP:
        return None
    return Recalled(row.asked, list(row.choices or []))


async def remember(
    session: AsyncSession,
    key: str,
    now: datetime,
    *,
    asked: dict[str, Any] | None,
    choices: list[dict[str, Any]] | None = None,
) -> None:
    """Keep what the thread `key` asked now, and forget threads gone quiet."""
    values = {"asked": asked, "choices": choices or None, "updated_at": now}
    statement = (
        upsert_insert(session, Conversation)
        .values(key=key[:MAX_KEY], **values)
        .on_conflict_do_update(index_elements=[Conversation.key], set_=values)
    )
    await session.execute(statement)
    await session.execute(delete(Conversation).where(Conversation.updated_at < now - KEEP))
    # Bounded as well as expiring: past MAX_THREADS, the threads quiet longest go.
    newest = (
        select(Conversation.updated_at)
        .order_by(Conversation.updated_at.desc())
        .offset(MAX_THREADS)
        .limit(1)
        .scalar_subquery()
    )
    await session.execute(delete(Conversation).where(Conversation.updated_at < newest))
