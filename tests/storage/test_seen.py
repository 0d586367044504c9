"""Requests already handled: once per key across replicas, and old keys forgotten."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select

from storage.database import Database, open_database
from storage.models import SeenRequest
from storage.seen import KEEP, first_time
from tests.conftest import NOW


async def seen(database: Database, key: str, now=NOW) -> bool:
    async with database.write() as session:
        return await first_time(session, key, now)


async def test_a_key_is_new_once_even_for_two_replicas_at_once(
    database: Database, database_url: str
) -> None:
    other = open_database(database_url)  # a second replica: its own engine and connections
    try:
        answers = await asyncio.gather(
            seen(database, "slack:command:T1"), seen(other, "slack:command:T1")
        )
    finally:
        await other.dispose()
    assert sorted(answers) == [False, True]
    assert await seen(database, "slack:command:T2") is True


async def test_old_keys_are_forgotten(database: Database) -> None:
    assert await seen(database, "old", NOW) is True
    assert await seen(database, "new", NOW + KEEP + timedelta(minutes=1)) is True
    async with database.read() as session:
        keys = list(await session.scalars(select(SeenRequest.key)))
        count = await session.scalar(select(func.count()).select_from(SeenRequest))
    assert keys == ["new"] and count == 1
