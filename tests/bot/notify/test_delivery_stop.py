"""The delivery loop told to stop: a send under way finishes or is given back; nothing stays claimed."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from bot.commands.core import Caller, Core
from bot.notify import delivery as delivery_module
from bot.notify.delivery import Delivery, Outgoing, Progress
from storage.models import OutboxMessage
from tests.bot.commands.test_core import ADMIN, ask
from tests.conftest import Clock


class Slow:
    """A sender that takes `seconds` per message (forever with None), and records each post."""

    platform = "console"

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.started = asyncio.Event()
        self.posted: list[str] = []

    async def send(self, message: Outgoing, progress: Progress) -> None:
        self.started.set()
        await asyncio.sleep(3600 if self.seconds is None else self.seconds)
        self.posted.append(message.key)
        await progress("message")


async def three_alerts(core: Core) -> None:
    for channel in ("one", "two", "three"):
        await core.handle("subscribe alerts", Caller(ADMIN.user, True, "console", channel))
    await ask(core, "add 2024-04-22")
    await ask(core, "add 2024-07-16")


async def rows(core: Core) -> list[tuple[str, object, int]]:
    async with core.database.read() as session:
        found = await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [(m.status, m.claimed_until, m.attempts) for m in found]


async def test_a_send_under_way_finishes_and_the_rest_are_given_back(
    core: Core, clock: Clock
) -> None:
    await three_alerts(core)
    sender = Slow(0.2)
    stop = asyncio.Event()
    delivery = Delivery(core.database, [sender], clock=clock)
    running = asyncio.create_task(delivery.run(stop))
    await sender.started.wait()
    stop.set()
    await asyncio.wait_for(running, timeout=10)
    assert len(sender.posted) == 1
    assert await rows(core) == [("sent", None, 1), ("pending", None, 0), ("pending", None, 0)]


async def test_a_send_that_outlasts_the_grace_is_given_back(
    core: Core, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await three_alerts(core)
    monkeypatch.setattr(delivery_module, "STOP_GRACE_SECONDS", 0.2)
    sender = Slow(None)
    stop = asyncio.Event()
    delivery = Delivery(core.database, [sender], clock=clock)
    running = asyncio.create_task(delivery.run(stop))
    await sender.started.wait()
    stop.set()
    await asyncio.wait_for(running, timeout=10)
    assert sender.posted == []
    found = await rows(core)
    # Nothing claimed: another replica (or the next start) sends them at once.
    assert [claimed for _, claimed, _ in found] == [None, None, None]
    assert [status for status, _, _ in found] == ["pending"] * 3
    async with core.database.read() as session:
        first = await session.get(OutboxMessage, 1)
    assert first is not None and first.next_attempt_at <= clock()
    assert "stopped before it was sent" in (first.last_error or "")
