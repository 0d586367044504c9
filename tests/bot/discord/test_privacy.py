"""What only the asker sees: errors after a public defer, and admins' failure notices, once."""

from __future__ import annotations

from typing import Any

import discord
import pytest
from discord import app_commands

from bot.commands.core import Core
from bot.discord.tree import build_tree
from tests.bot.discord.fake_discord import FakeDiscord, alert_refused_for_good, invoke
from tests.conftest import Clock


async def test_a_public_answer_replaces_the_public_thinking(
    tree: tuple[Core, app_commands.CommandTree], fake_discord: FakeDiscord
) -> None:
    _, commands = tree
    await invoke(commands, "since", as_of="2024-07-15", public=True)
    assert fake_discord.callbacks[-1].get("data", {}).get("flags", 0) == 0  # public thinking
    assert fake_discord.followups[-1].payload.get("flags", 0) == 0
    assert fake_discord.deleted == []


@pytest.mark.parametrize(
    "options",
    [{"as_of": "someday"}, {"as_of": "2024-02-30"}],
    ids=["a bad value", "a day that does not exist"],
)
async def test_a_refusal_after_a_public_defer_goes_to_the_asker_alone(
    tree: tuple[Core, app_commands.CommandTree],
    fake_discord: FakeDiscord,
    options: dict[str, Any],
) -> None:
    _, commands = tree
    await invoke(commands, "since", public=True, **options)
    defer = fake_discord.callbacks[-1]
    assert defer["type"] == 5 and defer.get("data", {}).get("flags", 0) == 0  # public
    assert fake_discord.deleted == [defer_token(fake_discord)]  # the public thinking is gone
    [refusal] = fake_discord.followups
    assert refusal.payload["flags"] == 64  # shown to the asker alone
    assert refusal.payload["embeds"][0]["color"] is not None


async def test_a_failure_after_a_public_defer_goes_to_the_asker_alone(
    tree: tuple[Core, app_commands.CommandTree],
    fake_discord: FakeDiscord,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    core, commands = tree

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(core, "execute", broken)
    await invoke(commands, "pause", public=True)
    assert fake_discord.deleted == [defer_token(fake_discord)]
    [answer] = fake_discord.followups
    assert answer.payload["embeds"][0]["title"].startswith("Something went wrong (error ")
    assert answer.payload["flags"] == 64


async def test_a_refused_public_answer_is_told_to_the_asker_alone(
    tree: tuple[Core, app_commands.CommandTree], fake_discord: FakeDiscord
) -> None:
    _, commands = tree
    fake_discord.fail_followup(400, {"message": "Invalid Form Body", "code": 50035})
    await invoke(commands, "since", public=True)
    assert fake_discord.deleted == [defer_token(fake_discord)]
    [answer] = fake_discord.followups
    assert answer.payload["embeds"][0]["title"].startswith("Something went wrong (error ")
    assert answer.payload["flags"] == 64


def defer_token(fake: FakeDiscord) -> str:
    """The token of the interaction last deferred, as its followups name it."""
    return fake.callback_tokens[-1]


async def test_an_admin_is_not_told_again_of_a_failure_after_a_restart(
    tree: tuple[Core, app_commands.CommandTree], fake_discord: FakeDiscord, clock: Clock
) -> None:
    core, commands = tree
    await alert_refused_for_good(core, commands, fake_discord, clock)
    before = len(fake_discord.followups)
    await invoke(commands, "since")
    assert len(fake_discord.followups) == before + 2  # the answer, and the notice
    # A restart: a new core and a new tree on the same database.
    settings = core.settings.model_copy(update={"admins": ["42", "43"]})
    again = Core(database=core.database, settings=settings, clock=clock)
    await again.prepare()
    client = discord.Client(intents=discord.Intents.none())
    await client.login("test-token")
    try:
        restarted = build_tree(client, again)
        await invoke(restarted, "since")
        assert len(fake_discord.followups) == before + 3  # the answer alone: told once
        await invoke(restarted, "since", user="43")  # another admin is told, once
        assert len(fake_discord.followups) == before + 5
        await invoke(restarted, "since", user="43")
        assert len(fake_discord.followups) == before + 6
    finally:
        await client.close()
