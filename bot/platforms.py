"""Running chat platforms together: one delivery loop for all their senders, until stopped."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol

from bot.commands.core import Core
from bot.notify.delivery import Delivery, Sender


class Platform(Protocol):
    """What the runner needs of a platform adapter."""

    @property
    def sender(self) -> Sender:
        """The sender of the platform's outbox messages."""

    async def connect(self) -> None:
        """Log in; raise StartupError with a clear message when that is refused."""

    def after_write(self) -> None:
        """React to a write (refresh what shows incidents)."""

    async def serve(self, stop: asyncio.Event) -> None:
        """Answer the platform's users until `stop` is set."""


async def run_platforms(core: Core, platforms: Sequence[Platform], stop: asyncio.Event) -> None:
    """Connect every platform, then serve them and deliver their messages until `stop`."""
    for platform in platforms:
        await platform.connect()
    delivery = Delivery(
        core.database,
        [platform.sender for platform in platforms],
        clock=core.clock,
        max_attempts=core.settings.delivery_max_attempts,
    )

    def after_write() -> None:
        delivery.wake()
        for platform in platforms:
            platform.after_write()

    core.notify = after_write
    try:
        # One platform failing stops them all (a half-running bot would look healthy), and
        # the task group waits for every task before the database is closed.
        async with asyncio.TaskGroup() as group:
            group.create_task(delivery.run(stop))
            for platform in platforms:
                group.create_task(platform.serve(stop))
    finally:
        stop.set()
