"""The outbox's lease: stamped and compared on the database's clock, never the caller's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage import outbox
from storage.database import Database
from tests.conftest import NOW

LEASE = timedelta(minutes=2)


async def queue(database: Database, key: str) -> None:
    async with database.write() as session:
        await outbox.enqueue(
            session,
            key=key,
            platform="console",
            channel="terminal",
            kind="alert",
            payload={"reply": {}},
            now=NOW,
        )


async def claimed(database: Database, now: datetime) -> list[str]:
    async with database.write() as session:
        found = await outbox.claim(session, platforms=["console"], now=now, lease=LEASE, limit=5)
        return [message.key for message in found]


async def test_the_database_clock_is_an_aware_utc_moment_of_the_host(database: Database) -> None:
    before = datetime.now(UTC)
    async with database.read() as session:
        first = await outbox.database_now(session)
        second = await outbox.database_now(session)
    after = datetime.now(UTC)
    assert first.tzinfo is UTC and first <= second
    # The test's server runs on this host; SQLite keeps milliseconds only.
    assert before - timedelta(seconds=1) <= first <= after + timedelta(seconds=1)


async def test_a_claim_is_held_for_its_lease_on_the_database_clock_whatever_now_says(
    database: Database,
) -> None:
    await queue(database, "alert:1")
    async with database.read() as session:
        start = await outbox.database_now(session)
    # The caller's clock is years ahead: it says which messages are due, not how long the
    # claim lasts.
    assert await claimed(database, NOW + timedelta(days=3650)) == ["alert:1"]
    async with database.read() as session:
        end = await outbox.database_now(session)
        [message] = await outbox.unsent(session)
    assert message.claimed_until is not None
    assert start + LEASE <= message.claimed_until <= end + LEASE
    assert await claimed(database, NOW + timedelta(days=7300)) == []


async def test_due_is_still_the_callers_clock(database: Database) -> None:
    await queue(database, "alert:1")
    assert await claimed(database, NOW - timedelta(seconds=1)) == []  # queued at NOW
    assert await claimed(database, NOW) == ["alert:1"]
