"""`pausewatch run` with DISCORD_TOKEN: start-up errors are clear messages, never tracebacks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.bot.discord.fake_discord import FakeDiscord
from tests.conftest import NOW
from tests.console_script import BackgroundLoop, Ran, pausewatch

TOKEN = "MTAwMA.fake-token-for-tests.abcdefghijklmnop"


def run(database_url: str, **extra: str) -> Ran:
    """`pausewatch run` in this process: start-up errors need no process of their own."""
    env = {"PAUSEWATCH_DATABASE_URL": database_url, "PAUSEWATCH_NOW": NOW.isoformat(), **extra}
    return pausewatch("run", env=env)


@pytest.fixture
def discord_in_a_thread() -> Iterator[FakeDiscord]:
    """The fake Discord on a loop of its own, so that a command can run in this thread."""
    fake = FakeDiscord()
    with BackgroundLoop() as background:
        background.call(fake.start())
        yield fake
        background.call(fake.stop())


def test_a_malformed_token_stops_start_up(database_url: str) -> None:
    result = run(database_url, DISCORD_TOKEN="short")
    assert result.returncode == 2
    assert "DISCORD_TOKEN: that is not a bot token" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_refused_token_stops_start_up(
    database_url: str, discord_in_a_thread: FakeDiscord
) -> None:
    fake_discord = discord_in_a_thread
    fake_discord.refuse_login = True
    result = run(database_url, DISCORD_TOKEN=TOKEN, DISCORD_API_URL=fake_discord.api_url)
    assert result.returncode == 2, result.stderr
    assert "Discord refused DISCORD_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr
    assert ("GET", "/users/@me") in fake_discord.requests
