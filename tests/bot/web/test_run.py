"""A real `pausewatch run` with PAUSEWATCH_WEB_PORT: the HTTP side beside the console, and SIGTERM.

On SIGTERM the bot stops taking requests, delivers (or gives back) what it holds and exits 0:
the alert a write through the API queued just before is posted once, and nothing stays claimed.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from datetime import UTC, datetime

import aiohttp
from sqlalchemy import select

from bot.commands import tokens
from bot.settings import Settings
from storage.database import open_database
from storage.models import AuditEntry, OutboxMessage
from tests.conftest import Clock

THE_DAY = datetime(2024, 7, 22, 9, 0, tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def make_token(url: str) -> str:
    from bot.commands.core import Core

    database = open_database(url)
    try:
        core = Core(database=database, settings=Settings(database_url=url), clock=Clock(THE_DAY))
        return await tokens.create(core.context, "wire")
    finally:
        await database.dispose()


async def wait_until_up(
    base: str, session: aiohttp.ClientSession, bot: asyncio.subprocess.Process
) -> None:
    for _ in range(300):
        assert bot.returncode is None, "the bot stopped before it served HTTP"
        try:
            async with session.get(base + "/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientConnectionError:
            await asyncio.sleep(0.1)
    raise AssertionError("the bot never answered /healthz")


async def test_sigterm_with_an_alert_in_flight_posts_it_once(database_url: str) -> None:
    port = free_port()
    secret = await make_token(database_url)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PAUSEWATCH_")}
    environment.update(
        PAUSEWATCH_DATABASE_URL=database_url,
        PAUSEWATCH_NOW=THE_DAY.isoformat(),
        PAUSEWATCH_WEB_PORT=str(port),
        PAUSEWATCH_WEB_HOST="127.0.0.1",
        PAUSEWATCH_SUBSCRIPTIONS='[{"kind": "alerts"}]',
        PAUSEWATCH_LOG_FORMAT="json",
    )
    bot = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        stdin=subprocess.PIPE,  # kept open: the console waits for a line that never comes
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            await wait_until_up(base, session, bot)
            async with session.get(base + "/readyz") as response:
                ready = await response.json()
            assert ready["checks"]["platforms"]["connected"] == {"console": True}
            async with session.post(
                base + "/api/v1/incidents",
                json={"date": "2024-07-22", "country": "Iraq", "kind": "drone"},
                headers={"Authorization": f"Bearer {secret}"},
            ) as response:
                assert response.status == 201, await response.text()
            # At once: the alert is queued, perhaps being printed, when the signal comes.
            bot.send_signal(signal.SIGTERM)
            # It must be gone within a few seconds, not a lease or a time-out later.
            output, errors = await asyncio.wait_for(bot.communicate(), timeout=10)
    finally:
        if bot.returncode is None:
            bot.kill()
            await bot.communicate()
    out, err = output.decode(), errors.decode()
    assert bot.returncode == 0, err
    assert out.count("[alert for terminal]") == 1, out
    assert "New attack in" not in out and "New attack on 22 Jul 2024 ends a 7-day pause" in out
    # Logs were one JSON object a line.
    lines = [line for line in err.splitlines() if line.startswith("{")]
    assert any('"message": "pausewatch serves HTTP' in line for line in lines), err
    database = open_database(database_url)
    try:
        async with database.read() as session:
            [message] = list(await session.scalars(select(OutboxMessage)))
            actors = set(await session.scalars(select(AuditEntry.actor)))
    finally:
        await database.dispose()
    assert message.status == "sent" and message.claimed_until is None
    assert "token:wire" in actors
