"""Running chat platforms together: one delivery loop for all their senders, until stopped."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Protocol

from bot.commands import operations
from bot.commands.core import Core
from bot.notify.delivery import Delivery, Sender

log = logging.getLogger(__name__)


class Platform(Protocol):
    """What the runner needs of a platform adapter.

    A platform may also offer `is_connected() -> bool` (its connection is up now); one that
    does not counts as connected from a successful `connect()` until it stops serving. And
    one that posts what a command queued at once, under its reply (the console), offers
    `deliver_with(delivery)`: it is handed the runner's delivery before it serves, and what
    the loop gave back as it stopped is posted for it once the loop has ended.
    """

    @property
    def sender(self) -> Sender:
        """The sender of the platform's outbox messages."""

    async def connect(self) -> None:
        """Log in; raise StartupError with a clear message when that is refused."""

    def after_write(self) -> None:
        """React to a write (refresh what shows incidents)."""

    async def serve(self, stop: asyncio.Event) -> None:
        """Answer the platform's users until `stop` is set."""


class Service(Protocol):
    """Something that runs beside the platforms until stopped (the HTTP side)."""

    async def serve(self, stop: asyncio.Event) -> None:
        """Serve until `stop` is set."""


class Connections:
    """Which platforms are connected now, for /readyz."""

    def __init__(self) -> None:
        self._serving: dict[str, object] = {}

    def up(self, name: str, platform: object) -> None:
        """Record that a platform connected and serves."""
        self._serving[name] = platform

    def down(self, name: str) -> None:
        """Record that a platform stopped serving."""
        self._serving[name] = None

    def status(self) -> dict[str, bool]:
        """Return each platform's name and whether it is connected now."""
        found = {}
        for name, platform in self._serving.items():
            check = getattr(platform, "is_connected", None)
            found[name] = platform is not None and (not callable(check) or bool(check()))
        return found


async def run_platforms(
    core: Core,
    platforms: Sequence[Platform],
    stop: asyncio.Event,
    *,
    services: Sequence[Service] = (),
    connections: Connections | None = None,
    empty_hint: bool = True,
) -> None:
    """Connect every platform, then serve them (and the services) and deliver until `stop`.

    `empty_hint`: log how to load incidents when there are none (the console, which loads
    the sample on a first run, says False).
    """
    connections = connections or Connections()
    for platform in platforms:
        await platform.connect()
    if empty_hint:
        hint = await operations.empty_database_hint(core.context)
        if hint is not None:
            log.warning(hint)
    delivery = _delivery(core, platforms)
    posting = [p for p in platforms if callable(getattr(p, "deliver_with", None))]
    for platform in posting:
        platform.deliver_with(delivery)  # type: ignore[attr-defined]

    def after_write() -> None:
        delivery.wake()
        for platform in platforms:
            platform.after_write()

    async def serve(platform: Platform) -> None:
        name = platform.sender.platform
        connections.up(name, platform)
        try:
            await platform.serve(stop)
        finally:
            connections.down(name)

    core.notify = after_write
    try:
        # One platform failing stops them all (a half-running bot would look healthy), and
        # the task group waits for every task before the database is closed.
        async with asyncio.TaskGroup() as group:
            group.create_task(delivery.run(stop))
            for platform in platforms:
                group.create_task(serve(platform))
            for service in services:
                group.create_task(service.serve(stop))
    finally:
        stop.set()
    if posting:
        # A message the loop gave back as it stopped (it had just claimed it) is posted too.
        await _delivery(core, posting).drain()


def _delivery(core: Core, platforms: Sequence[Platform]) -> Delivery:
    """Return the delivery of the outbox messages of `platforms`."""
    return Delivery(
        core.database,
        [platform.sender for platform in platforms],
        clock=core.clock,
        max_attempts=core.settings.delivery_max_attempts,
        metrics=core.metrics,
    )
