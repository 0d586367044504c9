"""Fixtures for the Discord adapter: the fake API, and discord.py's HTTP client pointed at it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import discord.http
import pytest
from discord.http import HTTPClient

from tests.bot.discord.fake_discord import FakeDiscord


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
