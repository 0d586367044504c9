"""Source slots: each claimed once whatever the replicas' clocks, and given back by a stop."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.commands.core import Core
from bot.commands.sources import slot_of
from storage import sources as stored_sources
from storage.catalog import series_by_name
from storage.database import Database, open_database
from tests.conftest import NOW

SKEW = timedelta(hours=5)


async def a_source(database: Database) -> int:
    """Store a source of the attacks, read hourly; return its id."""
    async with database.write() as session:
        series = await series_by_name(session, "attacks")
        assert series is not None
        source = await stored_sources.add_source(
            session,
            name="sheet",
            kind="csv",
            url="https://feeds.example.org/sheet.csv",
            series_id=series.id,
            reviewed=False,
            every_minutes=60,
            query={},
            actor="test",
            now=NOW,
        )
        return source.id


async def claim(database: Database, source_id: int, slot: int) -> bool:
    async with database.write() as session:
        return await stored_sources.claim_slot(session, source_id, slot)


async def release(database: Database, source_id: int, slot: int) -> None:
    async with database.write() as session:
        await stored_sources.release_slot(session, source_id, slot)


async def test_a_replica_whose_clock_is_ahead_claims_first_and_no_slot_runs_twice(
    core: Core, database_url: str
) -> None:
    source_id = await a_source(core.database)
    on_time = slot_of("sheet", 60, NOW)
    ahead = slot_of("sheet", 60, NOW + SKEW)
    other = open_database(database_url)
    try:
        assert await claim(other, source_id, ahead) is True
        # The replica on time finds every slot up to the one ahead taken, until its clock
        # passes it: no slot is run by both.
        claims = await asyncio.gather(
            *(claim(core.database, source_id, slot) for slot in range(on_time, ahead + 1))
        )
        assert not any(claims)
        assert await claim(core.database, source_id, ahead + 1) is True
    finally:
        await other.dispose()


async def test_a_slot_given_back_is_claimed_again_but_never_a_later_one(core: Core) -> None:
    source_id = await a_source(core.database)
    slot = slot_of("sheet", 60, NOW)
    assert await claim(core.database, source_id, slot) is True
    await release(core.database, source_id, slot)  # its run was stopped
    assert await claim(core.database, source_id, slot) is True
    assert await claim(core.database, source_id, slot) is False
    assert await claim(core.database, source_id, slot + 2) is True
    await release(core.database, source_id, slot)  # too late: a later slot was claimed
    assert await claim(core.database, source_id, slot + 1) is False
