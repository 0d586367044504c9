"""Fixtures for the Discord adapter: the fake API, discord.py's HTTP client pointed at it, and
the command tree on a command core."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import discord
import discord.http
import pytest
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import HTTPClient

from bot.commands.core import Core
from bot.discord.tree import build_tree
from storage.database import Database
from tests.bot.discord.fake_discord import FakeDiscord
from tests.bot.discord.fake_gateway import Bot, FakeGateway, start_bot
from tests.bot.discord.fake_servers import A, B
from tests.conftest import Clock, make_settings


@pytest.fixture
async def fake_discord(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    """Start the fake and point discord.py's routes at it."""
    fake = FakeDiscord()
    await fake.start()
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api_url)
    yield fake
    await fake.stop()


@pytest.fixture
async def discord_http(fake_discord: FakeDiscord) -> AsyncIterator[HTTPClient]:
    """Return discord.py's HTTP client, logged in to the fake."""
    http = HTTPClient(asyncio.get_running_loop())
    await http.static_login("test-token")
    yield http
    await http.close()


@pytest.fixture
async def tree(
    database: Database, database_url: str, clock: Clock, fake_discord: FakeDiscord
) -> AsyncIterator[tuple[Core, app_commands.CommandTree]]:
    """Return a command core (user 42 an admin) and the command tree bound to it."""
    core = Core(database=database, settings=make_settings(database_url, admins=["42"]), clock=clock)
    await core.prepare()
    client = discord.Client(intents=discord.Intents.none())
    await client.login("test-token")
    yield core, build_tree(client, core)
    await client.close()


@pytest.fixture
async def gateway(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeGateway]:
    """Start the loopback gateway and point discord.py's new sessions at it."""
    fake = FakeGateway()
    await fake.start()
    # Where discord.py connects for a new session (a resume goes to READY's resume URL).
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake.url))
    yield fake
    await fake.stop()


@pytest.fixture
async def two_teams(
    database: Database,
    database_url: str,
    clock: Clock,
    fake_discord: FakeDiscord,
    gateway: FakeGateway,
) -> AsyncIterator[Bot]:
    """The bot serving servers A and B (A owns the shared series), reading to others."""
    running = await start_bot(
        database,
        database_url,
        clock,
        fake_discord,
        gateway,
        discord_guild_ids=[int(A), int(B)],
        discord_open_reads=True,
        owner_teams=[f"discord:{A}"],
    )
    yield running
    await running.close()
