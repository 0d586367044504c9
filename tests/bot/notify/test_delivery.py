"""The delivery loop against a platform that fails on purpose: every alert posted exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.commands.core import Caller, Core
from bot.notify.delivery import Delivery, DeliveryError, Outgoing, Progress, next_wait
from storage import outbox
from storage.models import OutboxMessage
from tests.bot.commands.test_core import ADMIN, ask
from tests.bot.notify.database_clock import DatabaseClock
from tests.conftest import Clock


class Platform:
    """A stand-in chat platform: answers each send from a script, and records what it posted."""

    platform = "console"

    def __init__(self, *script: object) -> None:
        self.script = list(script)
        self.posted: list[tuple[str, str]] = []

    async def send(self, message: Outgoing, progress: Progress) -> None:
        reply = message.reply
        outcome = self.script.pop(0) if self.script else "ok"
        if outcome == "hang":
            await asyncio.sleep(3600)
        if isinstance(outcome, Exception):
            raise outcome
        self.posted.append((message.key, reply.headline))


async def alert_queued(core: Core, caller: Caller = ADMIN) -> None:
    """Subscribe `caller`'s channel to alerts and add the attack that ends the 86-day pause."""
    await core.handle("subscribe alerts", caller)
    await ask(core, "add 2024-04-22")
    await ask(core, 'add 2024-07-16 location:"Ain al-Assad" country:Iraq kind:drone')


async def the_message(core: Core) -> OutboxMessage:
    """Return the one message in the outbox."""
    async with core.database.read() as session:
        [message] = list(await session.scalars(select(OutboxMessage)))
    return message


def test_waits_double_and_honour_retry_after() -> None:
    assert [next_wait(n, None).total_seconds() for n in (1, 2, 3)] == [2, 4, 8]
    assert next_wait(30, None) == timedelta(minutes=15)
    assert next_wait(1, 42.5) == timedelta(seconds=42.5)


async def test_server_errors_then_success_post_once(core: Core, clock: Clock) -> None:
    await alert_queued(core)
    platform = Platform(DeliveryError("500 from the server"), DeliveryError("502"), "ok")
    delivery = Delivery(core.database, [platform], clock=clock)
    assert await delivery.run_once() == 1
    assert await delivery.run_once() == 0  # not due yet: it waits 2 s
    clock.now += timedelta(seconds=2)
    await delivery.run_once()
    assert (await the_message(core)).last_error == "502"
    clock.now += timedelta(seconds=4)
    await delivery.run_once()
    clock.now += timedelta(hours=1)
    assert await delivery.run_once() == 0
    message = await the_message(core)
    assert (message.status, message.attempts, message.last_error) == ("sent", 3, None)
    assert platform.posted == [
        ("alert:1:2024-07-16", "New attack on 16 Jul 2024 ends an 86-day pause")
    ]


async def test_a_429_is_retried_after_its_retry_after(core: Core, clock: Clock) -> None:
    await alert_queued(core)
    platform = Platform(DeliveryError("rate limited", retry_after=30), "ok")
    delivery = Delivery(core.database, [platform], clock=clock)
    await delivery.run_once()
    assert (await the_message(core)).next_attempt_at == clock.now + timedelta(seconds=30)
    clock.now += timedelta(seconds=29)
    assert await delivery.run_once() == 0
    clock.now += timedelta(seconds=1)
    assert await delivery.run_once() == 1
    assert len(platform.posted) == 1


async def test_a_time_out_is_retried(core: Core, clock: Clock) -> None:
    await alert_queued(core)
    platform = Platform("hang", "ok")
    delivery = Delivery(core.database, [platform], clock=clock, send_timeout=0.05)
    await delivery.run_once()
    assert (await the_message(core)).last_error == "no answer within 0.05 s"
    clock.now += timedelta(seconds=2)
    await delivery.run_once()
    assert len(platform.posted) == 1 and (await the_message(core)).status == "sent"


async def test_a_permanent_failure_is_kept_and_can_be_retried(core: Core, clock: Clock) -> None:
    await alert_queued(core)
    platform = Platform(DeliveryError("channel_not_found", permanent=True))
    delivery = Delivery(core.database, [platform], clock=clock)
    await delivery.run_once()
    message = await the_message(core)
    assert (message.status, message.last_error) == ("failed", "channel_not_found")
    clock.now += timedelta(days=1)
    assert await delivery.run_once() == 0  # kept, not retried forever
    async with core.database.write() as session:
        assert await outbox.retry_now(session, message.id, clock.now) is not None
    await delivery.run_once()
    assert (await the_message(core)).status == "sent" and len(platform.posted) == 1


async def test_too_many_failures_keep_it_as_failed(core: Core, clock: Clock) -> None:
    await alert_queued(core)
    platform = Platform(*[DeliveryError("503")] * 10)
    delivery = Delivery(core.database, [platform], clock=clock, max_attempts=3)
    for _ in range(5):
        await delivery.run_once()
        clock.now += timedelta(minutes=20)
    message = await the_message(core)
    assert (message.status, message.attempts) == ("failed", 3)
    assert platform.posted == []


async def test_a_process_stopped_after_the_commit_delivers_on_restart(
    core: Core, clock: Clock
) -> None:
    await alert_queued(core)  # committed with the incident; no delivery loop ran
    restarted = Platform()
    await Delivery(core.database, [restarted], clock=clock).run_once()
    assert len(restarted.posted) == 1


async def test_a_sender_that_died_holding_a_message_gives_it_up_after_its_lease(
    core: Core, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await alert_queued(core)
    async with core.database.write() as session:
        # A process claims the message, then dies before posting it.
        claimed = await outbox.claim(
            session, platforms=["console"], now=clock.now, lease=timedelta(minutes=2), limit=5
        )
    assert len(claimed) == 1
    other = Platform()
    delivery = Delivery(core.database, [other], clock=clock)
    assert await delivery.run_once() == 0  # still held: the first may yet post it
    # The lease runs out on the database's clock (not the test's clock).
    DatabaseClock(monkeypatch).ahead = timedelta(minutes=2)
    assert await delivery.run_once() == 1
    assert len(other.posted) == 1


@pytest.mark.parametrize("senders", [2, 4])
async def test_parallel_delivery_loops_post_each_message_once(
    core: Core, clock: Clock, senders: int
) -> None:
    await ask(core, "subscribe alerts")
    for day in range(1, 25, 2):
        await ask(core, f"add 2024-01-{day:02d}")
    platforms = [Platform() for _ in range(senders)]
    loops = [Delivery(core.database, [p], clock=clock, batch=2) for p in platforms]

    async def drain(loop: Delivery) -> None:
        await loop.drain()

    await asyncio.gather(*(drain(loop) for loop in loops))
    posted = Counter(key for p in platforms for key, _ in p.posted)
    assert len(posted) == 11 and set(posted.values()) == {1}


async def test_the_loop_runs_until_stopped_and_wakes_on_demand(core: Core, clock: Clock) -> None:
    platform = Platform()
    delivery = Delivery(core.database, [platform], clock=clock)
    core.notify = delivery.wake
    stop = asyncio.Event()
    running = asyncio.create_task(delivery.run(stop, poll_seconds=60))
    await alert_queued(core)  # the add wakes the loop; no 60 s poll needed
    for _ in range(100):
        if platform.posted:
            break
        await asyncio.sleep(0.02)
    stop.set()
    await asyncio.wait_for(running, timeout=5)
    assert len(platform.posted) == 1


async def test_a_message_queued_while_a_round_finds_none_is_sent_without_the_poll(
    core: Core, clock: Clock
) -> None:
    await alert_queued(core)
    platform = Platform()

    class LateClock:
        """The first round's clock is before the alert was queued, so it claims nothing; as it
        reads the outbox, the write that queued the alert wakes the loop (as core.notify does)."""

        calls = 0

        def __call__(self) -> datetime:
            self.calls += 1
            if self.calls == 1:
                delivery.wake()
                return clock.now - timedelta(minutes=1)
            return clock.now

    delivery = Delivery(core.database, [platform], clock=LateClock())
    stop = asyncio.Event()
    running = asyncio.create_task(delivery.run(stop, poll_seconds=3600))
    for _ in range(250):
        if platform.posted:
            break
        await asyncio.sleep(0.02)
    stop.set()
    await asyncio.wait_for(running, timeout=5)
    assert len(platform.posted) == 1, "the wake during the empty round was lost: an hour's poll"
