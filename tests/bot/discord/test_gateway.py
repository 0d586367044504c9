"""The bot as Discord drives it: DiscordPlatform.serve over a loopback gateway and HTTP API.

discord.py's own Client logs in over HTTP, syncs the commands, connects to the gateway,
identifies, and answers the INTERACTION_CREATE events the gateway sends; nothing of it is
called directly.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from pydantic import SecretStr

from bot.commands.core import Core
from bot.discord.app import DiscordPlatform
from bot.discord.settings import DiscordSettings
from bot.discord.text import unescape
from tests.bot.discord.fake_discord import FakeDiscord, interaction_payload
from tests.bot.discord.fake_gateway import FakeGateway
from tests.conftest import Clock, make_settings

WAIT = 10.0
TOKEN = "MTAwMA.fake-token-for-tests.abcdefghijklmnop"


async def until(condition: Callable[[], Any]) -> None:
    """Wait until `condition()` holds (what the fakes recorded, which signal nothing), or fail."""
    async with asyncio.timeout(WAIT):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


async def _identify_at_once(shard_id: int | None, *, initial: bool = False) -> None:
    pass


@pytest.fixture
async def platform(
    database,
    database_url: str,
    clock: Clock,
    fake_discord: FakeDiscord,
    gateway: FakeGateway,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[DiscordPlatform]:
    core = Core(database=database, settings=make_settings(database_url, admins=["42"]), clock=clock)
    await core.prepare()
    settings = DiscordSettings(discord_token=SecretStr(TOKEN), discord_api_url=fake_discord.api_url)
    platform = DiscordPlatform(core, settings)
    # on_ready waits for GUILD_CREATEs this long after READY; there are none here.
    platform.client._connection.guild_ready_timeout = 0.05
    # discord.py waits 5 s before identifying again, for the real gateway's rate limit; the
    # fake has none, and the wait is discord.py's, not pausewatch's.
    monkeypatch.setattr(platform.client, "before_identify_hook", _identify_at_once)
    await platform.connect()
    stop = asyncio.Event()
    serving = asyncio.create_task(platform.serve(stop))
    yield platform
    stop.set()
    await asyncio.wait_for(serving, 10)


async def test_an_interaction_after_a_second_ready_is_answered_once_and_commands_synced_once(
    platform: DiscordPlatform, gateway: FakeGateway, fake_discord: FakeDiscord
) -> None:
    await gateway.sessions(1)
    await until(lambda: platform.client.ready_count == 1)
    # The session cannot be resumed: discord.py identifies again and READY comes again.
    await gateway.invalidate_session()
    await gateway.sessions(2)
    await until(lambda: platform.client.ready_count == 2)
    assert gateway.opened == ["identify", "identify"]
    payload = interaction_payload("add", {"day": "2024-07-16", "location": "Al-Qa’im"})
    await gateway.dispatch("INTERACTION_CREATE", payload)
    await until(lambda: fake_discord.followups)
    [callback] = fake_discord.callbacks
    assert callback == {"type": 5, "data": {"flags": 64}}  # deferred, privately
    [answer] = fake_discord.followups
    assert answer.channel == payload["token"]  # the followup is to this interaction
    embed = answer.payload["embeds"][0]
    assert embed["title"] == "Recorded attack #1 on 16 Jul 2024"
    assert "Al-Qa’im" in unescape(embed["description"])
    assert answer.payload["allowed_mentions"] == {"parse": []}
    # Synced once at start (setup_hook), not on each READY.
    [(guild, commands)] = fake_discord.synced
    assert guild == "" and [c["name"] for c in commands] == ["incidents"]


async def test_a_dropped_connection_is_resumed_and_no_answer_is_lost_or_doubled(
    platform: DiscordPlatform, gateway: FakeGateway, fake_discord: FakeDiscord
) -> None:
    await gateway.sessions(1)
    await until(platform.is_connected)
    await gateway.dispatch("INTERACTION_CREATE", interaction_payload("since", {}))
    await until(lambda: len(fake_discord.followups) == 1)
    await gateway.drop(4000)
    await gateway.sessions(2)
    await until(platform.is_connected)
    assert gateway.opened == ["identify", "resume"]
    [resume] = gateway.resumes
    assert resume["session_id"] == "session-1" and resume["seq"] == 2  # READY, the interaction
    await gateway.dispatch("INTERACTION_CREATE", interaction_payload("pause", {}))
    await until(lambda: len(fake_discord.followups) == 2)
    await asyncio.sleep(0.2)  # nothing else arrives: the first interaction is not replayed
    titles = [f.payload["embeds"][0]["title"] for f in fake_discord.followups]
    assert titles == ["No attacks recorded up to 25 Nov 2026"] * 2
    assert len(fake_discord.callbacks) == 2
    await platform.client.close()
    assert not platform.is_connected()
