"""Leases on the database's clock: replicas whose own clocks disagree never share a message."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest

from bot.commands.core import Core
from bot.notify.delivery import Delivery, Outgoing, Progress
from storage import outbox
from storage.database import open_database
from tests.bot.commands.test_core import ask
from tests.bot.notify.database_clock import DatabaseClock
from tests.bot.notify.test_delivery import Platform, alert_queued, the_message
from tests.conftest import NOW, Clock

SKEW = timedelta(hours=5)


class Held:
    """A sender that holds its message until the test lets it go, and records each post."""

    platform = "console"

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.go_on = asyncio.Event()
        self.posted: list[str] = []

    async def send(self, message: Outgoing, progress: Progress) -> None:
        self.started.set()
        await self.go_on.wait()
        self.posted.append(message.key)
        await progress("message")


async def test_a_replica_whose_clock_is_hours_ahead_does_not_take_a_message_being_sent(
    core: Core, clock: Clock, database_url: str
) -> None:
    await alert_queued(core)
    sending = Held()
    first = Delivery(core.database, [sending], clock=clock)
    running = asyncio.create_task(first.run_once())
    await asyncio.wait_for(sending.started.wait(), timeout=10)
    # Another host, its clock five hours ahead: long past the first one's lease by its own
    # clock, which is not the one leases are measured on.
    other = open_database(database_url)
    try:
        skewed = Platform()
        second = Delivery(other, [skewed], clock=Clock(NOW + SKEW))
        assert await second.run_once() == 0
        sending.go_on.set()
        assert await asyncio.wait_for(running, timeout=10) == 1
        assert await second.run_once() == 0
    finally:
        await other.dispose()
    assert len(sending.posted) == 1 and skewed.posted == []
    message = await the_message(core)
    assert (message.status, message.attempts, message.claimed_until) == ("sent", 1, None)


async def test_a_dead_sender_whose_clock_was_ahead_holds_its_message_for_the_lease_only(
    core: Core, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await alert_queued(core)
    database_clock = DatabaseClock(monkeypatch)
    async with core.database.write() as session:
        # A replica five hours ahead claims the message for two minutes, then dies.
        [claimed] = await outbox.claim(
            session, platforms=["console"], now=NOW + SKEW, lease=timedelta(minutes=2), limit=5
        )
    on_time = Platform()
    delivery = Delivery(core.database, [on_time], clock=clock)
    assert await delivery.run_once() == 0  # held: the first may yet post it
    # Two minutes on the database's clock, not five hours and two minutes on anyone's.
    database_clock.ahead = timedelta(minutes=2)
    assert await delivery.run_once() == 1
    assert [key for key, _ in on_time.posted] == [claimed.key]


async def test_a_replica_clock_moving_on_does_not_end_a_lease(
    core: Core, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await alert_queued(core)
    database_clock = DatabaseClock(monkeypatch)
    async with core.database.write() as session:
        await outbox.claim(
            session, platforms=["console"], now=clock.now, lease=timedelta(minutes=2), limit=5
        )
    other = Platform()
    delivery = Delivery(core.database, [other], clock=clock)
    clock.now += timedelta(days=1)
    assert await delivery.run_once() == 0
    database_clock.ahead = timedelta(minutes=1)
    assert await delivery.run_once() == 0  # half the lease
    database_clock.ahead = timedelta(minutes=2)
    assert await delivery.run_once() == 1
    assert len(other.posted) == 1


class Slowish(Platform):
    """A platform whose sends take a few turns of the event loop, so that replicas overlap."""

    async def send(self, message: Outgoing, progress: Progress) -> None:
        for _ in range(5):
            await asyncio.sleep(0)
        await super().send(message, progress)


async def test_delivery_loops_on_clocks_hours_apart_post_each_message_once(
    core: Core, database_url: str
) -> None:
    await ask(core, "subscribe alerts")
    for day in range(1, 25, 2):
        await ask(core, f"add 2024-01-{day:02d}")
    others = [open_database(database_url) for _ in range(2)]
    try:
        platforms = [Slowish() for _ in range(3)]
        loops = [
            Delivery(database, [platform], clock=Clock(NOW + SKEW * number), batch=2)
            for number, (database, platform) in enumerate(
                zip([core.database, *others], platforms, strict=True)
            )
        ]
        await asyncio.gather(*(loop.drain() for loop in loops))
    finally:
        for database in others:
            await database.dispose()
    posted = Counter(key for platform in platforms for key, _ in platform.posted)
    assert len(posted) == 11 and set(posted.values()) == {1}
