"""The platform runner: platforms served together, one failing stops them all, the console too."""

from __future__ import annotations

import asyncio
import io

import pytest

from bot.commands.core import Core
from bot.console.app import ConsolePlatform
from bot.notify.delivery import Outgoing, Progress
from bot.platforms import Connections, run_platforms
from tests.bot.commands.test_core import ADMIN


class StandIn:
    """A platform that serves until stopped, or fails when told to."""

    def __init__(self, name: str, fails: bool = False) -> None:
        self.name = name
        self.fails = fails
        self.connected = False
        self.stopped = False
        self.writes = 0
        self.sender = self

    platform = "console"

    async def send(self, message: Outgoing, progress: Progress) -> None:
        """Accept every message."""

    async def connect(self) -> None:
        self.connected = True

    def after_write(self) -> None:
        self.writes += 1

    async def serve(self, stop: asyncio.Event) -> None:
        if self.fails:
            await asyncio.sleep(0.05)
            raise RuntimeError(f"{self.name} lost its connection")
        try:
            await stop.wait()
        finally:
            self.stopped = True  # stopped or cancelled, it closes what it opened


async def test_platforms_run_until_stopped_and_hear_of_writes(core: Core) -> None:
    one, two = StandIn("one"), StandIn("two")
    stop = asyncio.Event()
    running = asyncio.create_task(run_platforms(core, [one, two], stop))
    await asyncio.sleep(0.05)
    assert one.connected and two.connected
    await core.handle("add 2024-07-16", ADMIN)
    assert (one.writes, two.writes) == (1, 1)
    stop.set()
    await asyncio.wait_for(running, timeout=5)
    assert one.stopped and two.stopped


async def test_one_platform_failing_stops_the_others(core: Core) -> None:
    healthy, failing = StandIn("healthy"), StandIn("failing", fails=True)
    stop = asyncio.Event()
    with pytest.raises(ExceptionGroup) as raised:
        await asyncio.wait_for(run_platforms(core, [healthy, failing], stop), timeout=5)
    assert "failing lost its connection" in str(raised.value.exceptions[0])
    assert stop.is_set() and healthy.stopped


class Piped(io.StringIO):
    """Commands piped to the console (not a terminal)."""

    def isatty(self) -> bool:
        return False


async def test_the_console_is_a_platform_whose_end_ends_the_run(core: Core) -> None:
    out = io.StringIO()
    console = ConsolePlatform(
        core, Piped("subscribe alerts\nadd 2024-07-10\nadd 2024-07-16\nsince\n"), out
    )
    stop = asyncio.Event()
    connections = Connections()
    await asyncio.wait_for(
        run_platforms(core, [console], stop, connections=connections), timeout=10
    )
    assert stop.is_set()  # the input ended: so did the run, its delivery loop with it
    assert connections.status() == {"console": False}
    printed = out.getvalue()
    # The alert of the add is printed right under its reply, before the next command.
    recorded = printed.index("Recorded attack #2")
    alert = printed.index("[alert for terminal]\nNew attack on 16 Jul 2024")
    assert recorded < alert < printed.index("> since")
    assert printed.count("[alert for terminal]") == 1
