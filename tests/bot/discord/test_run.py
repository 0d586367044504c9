"""`pausewatch run` with DISCORD_TOKEN: start-up errors are clear messages, never tracebacks."""

from __future__ import annotations

import asyncio

from tests.bot.discord.fake_discord import FakeDiscord
from tests.bot.slack.test_run import environment, run_bot

TOKEN = "MTAwMA.fake-token-for-tests.abcdefghijklmnop"


async def exits_with(env: dict[str, str]) -> tuple[int | None, str]:
    process = await run_bot(env)
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    return process.returncode, stderr.decode()


async def test_a_malformed_token_stops_start_up(database_url: str) -> None:
    code, stderr = await exits_with(environment(database_url, DISCORD_TOKEN="short"))
    assert code == 2
    assert "DISCORD_TOKEN: that is not a bot token" in stderr
    assert "Traceback" not in stderr


async def test_a_refused_token_stops_start_up(database_url: str, fake_discord: FakeDiscord) -> None:
    fake_discord.refuse_login = True
    env = environment(database_url, DISCORD_TOKEN=TOKEN, DISCORD_API_URL=fake_discord.api_url)
    code, stderr = await exits_with(env)
    assert code == 2, stderr
    assert "Discord refused DISCORD_TOKEN" in stderr
    assert "Traceback" not in stderr
    assert ("GET", "/users/@me") in fake_discord.requests
