"""The /incidents app commands, driven through discord.py's real command tree (no gateway)."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from typing import Any
from unittest.mock import NonCallableMock

import discord
import pytest
from discord import app_commands

from bot.commands.core import Caller, Core
from bot.commands.grammar import VERBS
from bot.discord.commands import build_group, caller_of, compose
from bot.discord.sender import DiscordSender
from bot.notify.delivery import Delivery
from tests.bot.discord.fake_discord import FakeDiscord
from tests.conftest import Clock, make_settings

IDS = itertools.count(1)
USER_PAYLOAD = {"id": "7", "username": "analyst", "discriminator": "0", "avatar": None}


@pytest.fixture
async def tree(
    database, database_url: str, clock: Clock, fake_discord: FakeDiscord
) -> AsyncIterator[tuple[Core, app_commands.CommandTree]]:
    core = Core(database=database, settings=make_settings(database_url, admins=["42"]), clock=clock)
    await core.prepare()
    client = discord.Client(intents=discord.Intents.none())
    await client.login("test-token")
    commands = app_commands.CommandTree(client)
    commands.add_command(build_group(core))
    yield core, commands
    await client.close()


async def invoke(
    tree: app_commands.CommandTree, subcommand: str, user: str = "42", **options: Any
) -> None:
    """Deliver an INTERACTION_CREATE as Discord sends it, and let the tree dispatch it."""
    kinds = {bool: 5, int: 4, str: 3}
    payload = {
        "id": str(next(IDS)),
        "application_id": "777",
        "type": 2,
        "token": f"token-{subcommand}",
        "version": 1,
        "channel_id": "987654321",
        # Discord also sends the channel itself; discord.py takes the id from it.
        "channel": {"id": "987654321", "type": 1, "recipients": [USER_PAYLOAD]},
        "app_permissions": "0",
        "locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {},
        "attachment_size_limit": 10485760,
        "user": {"id": user, "username": "analyst", "discriminator": "0", "avatar": None},
        "data": {
            "id": "555",
            "name": "incidents",
            "type": 1,
            "options": [
                {
                    "name": subcommand,
                    "type": 1,
                    "options": [
                        {"name": k, "type": kinds[type(v)], "value": v} for k, v in options.items()
                    ],
                }
            ],
        },
    }
    interaction = discord.Interaction(data=payload, state=tree.client._connection)
    await tree._call(interaction)


async def test_the_group_has_one_subcommand_per_verb_of_the_grammar(
    tree: tuple[Core, app_commands.CommandTree],
) -> None:
    _, commands = tree
    group = commands.get_command("incidents")
    assert isinstance(group, app_commands.Group)
    names = {command.name for command in group.commands}
    assert names == (set(VERBS) - {"subscriptions"})
    since = group.get_command("since")
    assert since is not None
    described = {parameter.name: parameter.description for parameter in since.parameters}
    assert described["as_of"] == "Ask about a past day: YYYY-MM-DD"
    assert since.get_parameter("series").autocomplete  # series come from the database


def test_options_are_written_in_the_core_grammar() -> None:
    assert compose("since", series="attacks", location="Ain al-Assad", as_of="2024-07-15") == (
        "since series:attacks location:'Ain al-Assad' as-of 2024-07-15"
    )


async def test_a_question_is_deferred_then_answered_with_an_embed(
    tree: tuple[Core, app_commands.CommandTree], fake_discord: FakeDiscord
) -> None:
    _, commands = tree
    await invoke(commands, "add", day="2024-04-22")
    await invoke(commands, "since", as_of="2024-07-15", user="7")
    defer = fake_discord.callbacks[-1]
    assert defer["type"] == 5  # deferred: the answer may take longer than three seconds
    assert defer["data"]["flags"] == 64  # ephemeral
    answer = fake_discord.followups[-1].payload
    assert answer["embeds"][0]["title"] == "84 days since the last attack"
    assert answer["flags"] == 64


async def test_a_non_admin_is_refused_and_nothing_changes(
    tree: tuple[Core, app_commands.CommandTree], fake_discord: FakeDiscord
) -> None:
    core, commands = tree
    await invoke(commands, "add", day="2024-07-16", user="7")
    refusal = fake_discord.followups[-1].payload["embeds"][0]
    assert refusal["title"].startswith("Only admins may `add`")
    reply = await core.handle("last", Caller("7", False, "discord", "987654321"))
    assert reply.headline == "No attacks recorded"


async def test_a_public_chart_comes_with_its_file(
    tree: tuple[Core, app_commands.CommandTree], fake_discord: FakeDiscord
) -> None:
    _, commands = tree
    await invoke(commands, "add", day="2024-07-16")
    await invoke(commands, "chart", as_of="2024-07-22", public=True)
    assert fake_discord.callbacks[-1].get("data", {}).get("flags", 0) == 0  # public
    followup = fake_discord.followups[-1]
    assert followup.payload["embeds"][0]["image"]["url"] == "attachment://attacks-2024-07-22.png"
    assert next(iter(followup.files.values())).startswith(b"\x89PNG")


async def test_a_channel_subscribed_by_command_gets_the_alert_as_an_embed(
    tree: tuple[Core, app_commands.CommandTree], fake_discord: FakeDiscord, clock: Clock
) -> None:
    core, commands = tree
    await invoke(commands, "subscribe", what="alerts")
    assert (
        fake_discord.followups[-1]
        .payload["embeds"][0]["title"]
        .startswith("Subscribed this channel to alerts")
    )
    await invoke(commands, "add", day="2024-04-22")
    await invoke(commands, "add", day="2024-07-16", location="Ain al-Assad")
    await Delivery(core.database, [DiscordSender(commands.client.http)], clock=clock).drain()
    [alert] = fake_discord.posted
    assert alert.channel == "987654321"
    assert alert.payload["embeds"][0]["title"] == "New attack on 16 Jul 2024 ends an 86-day pause"


async def test_every_option_of_every_subcommand_is_described(
    tree: tuple[Core, app_commands.CommandTree],
) -> None:
    _, commands = tree
    group = commands.get_command("incidents")
    assert isinstance(group, app_commands.Group)
    undescribed = [
        f"{command.name}.{parameter.name}"
        for command in group.commands
        for parameter in command.parameters
        if parameter.description in ("…", "", None)
    ]
    assert undescribed == []


def test_admins_by_user_id_or_by_role(database_url: str) -> None:
    core = Core(
        database=None,  # type: ignore[arg-type]  # caller_of reads only the settings
        settings=make_settings(database_url, admins=["42"], discord_admin_role="analysts"),
    )

    def interaction(user_id: int, role_names: list[str]) -> Any:
        roles = []
        for name in role_names:
            role = NonCallableMock(spec_set=discord.Role)
            role.name = name
            roles.append(role)
        user = NonCallableMock(spec_set=discord.Member)
        user.id = user_id
        user.roles = roles
        fake = NonCallableMock(spec_set=discord.Interaction)
        fake.user = user
        fake.channel_id = 987654321
        return fake

    assert caller_of(interaction(42, []), core).is_admin
    assert caller_of(interaction(7, ["analysts"]), core).is_admin
    assert not caller_of(interaction(7, ["readers"]), core).is_admin
    assert caller_of(interaction(7, []), core).channel == "987654321"
