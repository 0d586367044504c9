"""Who is answered on Discord and who writes: allowed servers, admin roles by id, Manage Server.

Interactions go through discord.py's real command tree as Discord sends them; what was stored
is read back from the database, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from itertools import product
from typing import Any

import discord
import pytest
from discord import app_commands
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from bot.access import AccessSettings
from bot.commands.command import Command
from bot.commands.core import Caller, Core
from bot.discord.access import DM_TEAM, Asker, access_of, refused_here
from bot.discord.app import DiscordPlatform
from bot.discord.settings import DiscordSettings
from bot.discord.text import unescape
from bot.discord.tree import build_tree
from tests.bot.discord.fake_discord import CHANNEL_ID, GUILD_ID, FakeDiscord, interaction_payload
from tests.conftest import Clock, make_settings

ALLOWED = int(GUILD_ID)
STRANGER = 555000555000555000  # a server someone else made, with the bot invited
ROLE = 8880001
NO_PERMISSION = 1 << 11  # Send Messages only
MANAGE_GUILD = 1 << 5
OPS = Caller("42", True, "discord", CHANNEL_ID)
Tree = Callable[..., Any]


@pytest.fixture
async def discord_bot(
    database, database_url: str, clock: Clock, fake_discord: FakeDiscord
) -> AsyncIterator[Callable[..., Any]]:
    """Make a core and command tree with the given access settings; return a way to ask."""
    clients: list[discord.Client] = []

    async def make(**access: Any) -> tuple[Core, app_commands.CommandTree]:
        settings = make_settings(database_url, admins=["42"], **access)
        core = Core(database=database, settings=settings, clock=clock)
        await core.prepare()
        client = discord.Client(intents=discord.Intents.none())  # one tree per client
        await client.login("test-token")
        clients.append(client)
        return core, build_tree(client, core)

    yield make
    for client in clients:
        await client.close()


async def ask(
    tree: app_commands.CommandTree, subcommand: str, *, user: str = "7", **how: Any
) -> None:
    """Deliver an INTERACTION_CREATE as Discord sends it and let the tree dispatch it."""
    options = how.pop("options", {})
    payload = interaction_payload(subcommand, options, user=user, **how)
    await tree._call(discord.Interaction(data=payload, state=tree.client._connection))


def answered(fake: FakeDiscord) -> str:
    """The title of what the last interaction was answered with, refusal or followup."""
    last_callback = fake.callbacks[-1]
    if last_callback["type"] == 4:  # answered at once: the refusal, never deferred
        return unescape(last_callback["data"]["embeds"][0]["title"])
    return unescape(fake.followups[-1].payload["embeds"][0]["title"])


async def stored(core: Core) -> list[str]:
    """The rows of every incident stored, as `last` shows them (nothing stored: none)."""
    reply = await core.handle("last 100", OPS)
    return [" ".join(map(str, row)) for table in reply.tables for row in table.rows]


async def test_a_member_of_an_allowed_server_with_the_role_id_writes(
    discord_bot: Tree, fake_discord: FakeDiscord
) -> None:
    core, tree = await discord_bot(discord_guild_ids=[ALLOWED], discord_admin_role_ids=[ROLE])
    await ask(tree, "add", options={"day": "2024-07-16"}, roles=(str(ROLE),))
    assert answered(fake_discord) == "Recorded attack #1 on 16 Jul 2024"
    assert [row.split()[:2] for row in await stored(core)] == [["1", "2024-07-16"]]


async def test_the_same_role_id_in_another_server_writes_nothing_and_is_refused(
    discord_bot: Tree, fake_discord: FakeDiscord
) -> None:
    core, tree = await discord_bot(discord_guild_ids=[ALLOWED], discord_admin_role_ids=[ROLE])
    await ask(
        tree, "add", options={"day": "2024-07-16"}, roles=(str(ROLE),), guild_id=str(STRANGER)
    )
    refusal = fake_discord.callbacks[-1]
    assert refusal["type"] == 4 and refusal["data"]["flags"] == 64  # at once, privately
    assert answered(fake_discord).startswith("pausewatch does not answer in this server")
    assert fake_discord.followups == []
    assert await stored(core) == []


async def test_a_role_named_like_the_old_admin_role_makes_nobody_an_admin(
    discord_bot: Tree, fake_discord: FakeDiscord
) -> None:
    core, tree = await discord_bot(discord_guild_ids=[ALLOWED], discord_admin_role_ids=[ROLE])
    # The member holds other roles (of any name); only the configured id counts.
    await ask(
        tree,
        "add",
        options={"day": "2024-07-16"},
        roles=("8880002", "8880003"),
        permissions=NO_PERMISSION,
    )
    assert "admins may `add`" in answered(fake_discord)
    assert await stored(core) == []


async def test_reads_from_other_servers_and_dms_are_refused_unless_opened(
    discord_bot: Tree, fake_discord: FakeDiscord
) -> None:
    _, closed = await discord_bot(discord_guild_ids=[ALLOWED])
    await ask(closed, "since", guild_id=str(STRANGER))
    assert answered(fake_discord).startswith("pausewatch does not answer in this server")
    await ask(closed, "since", guild=False, channel_type=1)
    assert answered(fake_discord).startswith("pausewatch does not answer in a DM")
    await ask(closed, "since")
    assert answered(fake_discord).startswith("No attacks recorded")

    core, opened = await discord_bot(discord_guild_ids=[ALLOWED], discord_open_reads=True)
    await ask(opened, "since", guild_id=str(STRANGER))
    assert answered(fake_discord).startswith("No attacks recorded")
    await ask(opened, "add", options={"day": "2024-07-16"}, guild_id=str(STRANGER))
    assert answered(fake_discord).startswith(
        "This server is not one of the servers pausewatch serves"
    )
    assert await stored(core) == []


async def test_with_no_server_named_every_server_reads_and_only_named_users_write(
    discord_bot: Tree, fake_discord: FakeDiscord
) -> None:
    core, tree = await discord_bot()
    await ask(tree, "add", options={"day": "2024-07-16"}, guild_id=str(STRANGER))
    assert answered(fake_discord).startswith("No server is a team here yet")
    await ask(tree, "since", guild_id=str(STRANGER))
    assert answered(fake_discord).startswith("No attacks recorded")
    assert await stored(core) == []
    await ask(tree, "add", options={"day": "2024-07-16"}, user="42", guild_id=str(STRANGER))
    assert answered(fake_discord) == "Recorded attack #1 on 16 Jul 2024"


async def test_manage_server_makes_an_admin_unless_the_settings_turn_it_off(
    discord_bot: Tree, fake_discord: FakeDiscord
) -> None:
    core, off = await discord_bot(discord_guild_ids=[ALLOWED], discord_manage_server_admins=False)
    await ask(off, "add", options={"day": "2024-07-15"}, permissions=MANAGE_GUILD)
    assert "admins may `add`" in answered(fake_discord)
    core, on = await discord_bot(discord_guild_ids=[ALLOWED])  # on by default
    await ask(on, "add", options={"day": "2024-07-15"}, permissions=NO_PERMISSION)
    assert "admins may `add`" in answered(fake_discord)
    await ask(on, "add", options={"day": "2024-07-16"}, permissions=MANAGE_GUILD)
    assert answered(fake_discord) == "Recorded attack #1 on 16 Jul 2024"
    assert len(await stored(core)) == 1


async def test_a_source_is_not_added_from_a_server_not_allowed(
    discord_bot: Tree, fake_discord: FakeDiscord
) -> None:
    core, tree = await discord_bot(discord_guild_ids=[ALLOWED], discord_admin_role_ids=[ROLE])
    details = "kind:csv url:https://sheets.example.org/a.csv"
    options = {"action": "add", "name": "feed", "details": details}
    await ask(tree, "source", options=options, roles=(str(ROLE),), guild_id=str(STRANGER))
    assert answered(fake_discord).startswith("pausewatch does not answer in this server")
    assert "feed" not in await sources(core)
    await ask(tree, "source", options=options, roles=(str(ROLE),))  # from the team's server
    assert "feed" in await sources(core)


async def sources(core: Core) -> str:
    listed = await core.handle("source list", OPS)
    cells = [" ".join(map(str, row)) for table in listed.tables for row in table.rows]
    return " ".join([listed.headline, *listed.details, *cells])


async def test_autocomplete_from_a_server_not_allowed_offers_nothing(
    discord_bot: Tree, fake_discord: FakeDiscord
) -> None:
    _, tree = await discord_bot(discord_guild_ids=[ALLOWED])
    payload = interaction_payload("since", {}, user="7", guild_id=str(STRANGER))
    payload["type"] = 4  # APPLICATION_COMMAND_AUTOCOMPLETE
    payload["data"]["options"][0]["options"] = [
        {"name": "series", "type": 3, "value": "", "focused": True}
    ]
    await tree._call(discord.Interaction(data=payload, state=tree.client._connection))
    assert fake_discord.callbacks[-1] == {"type": 8, "data": {"choices": []}}


def test_role_ids_or_manage_server_without_servers_are_refused_at_start() -> None:
    with pytest.raises(ValueError, match="only in the servers named by discord_guild_ids"):
        AccessSettings(discord_admin_role_ids=[ROLE])
    # Manage Server counts by default; only a true written down with no server is refused.
    with pytest.raises(ValueError, match="only in the servers named by discord_guild_ids"):
        AccessSettings(discord_manage_server_admins=True)
    assert AccessSettings().discord_manage_server_admins
    assert not AccessSettings(discord_manage_server_admins=False).discord_manage_server_admins


def test_a_role_by_name_is_refused_with_what_to_write_instead() -> None:
    with pytest.raises(ValueError, match="PAUSEWATCH_DISCORD_ADMIN_ROLE_IDS"):
        AccessSettings(discord_admin_role="pausewatch admin")


SERVERS = st.sampled_from([None, ALLOWED, STRANGER, 1])
CHANGES = [Command(verb="add"), Command(verb="subscribe"), Command(verb="team", topic="series")]
CHANGES += [Command(verb="source", topic="add"), Command(verb="team")]


@given(
    user=st.sampled_from([42, 7]),
    guild=SERVERS,
    roles=st.sets(st.sampled_from([ROLE, 1, 2])),
    manages=st.booleans(),
    allowed=st.sampled_from([[], [ALLOWED], [ALLOWED, 1]]),
    role_ids=st.sampled_from([[], [ROLE]]),
    manage_admins=st.booleans(),
    open_reads=st.booleans(),
)
def test_access_follows_the_rules_as_written(
    user: int,
    guild: int | None,
    roles: set[int],
    manages: bool,
    allowed: list[int],
    role_ids: list[int],
    manage_admins: bool,
    open_reads: bool,
) -> None:
    if not allowed and role_ids:
        return  # refused at start (the test above)
    settings = AccessSettings(
        admins=["42"],
        discord_guild_ids=allowed,
        discord_admin_role_ids=role_ids,
        discord_manage_server_admins=manage_admins and bool(allowed),
        discord_open_reads=open_reads,
    )
    asker = Asker(user, guild, frozenset(roles), manages)
    got = access_of(asker, settings)
    # The rules, read literally from the README.
    trusted_server = guild in allowed
    named = user == 42
    if guild is None:
        assert got.team == (None if named else DM_TEAM)
    else:
        assert got.team == f"discord:{guild}"
    assert got.operator == named
    if allowed and not trusted_server and not open_reads:
        assert (got.answered, got.trusted, got.born_admin) == (False, False, False)
        return
    assert got.answered
    assert got.trusted == trusted_server
    by_role = trusted_server and ROLE in roles and ROLE in role_ids
    by_permission = trusted_server and manages and manage_admins
    assert got.born_admin == (by_role or by_permission)
    # The roles a team's named admin roles are matched against: in the team's server alone.
    assert got.role_ids == (tuple(sorted(map(str, roles))) if trusted_server else ())
    # A change is refused outside a team's servers, to all but the operators.
    for command in CHANGES:
        refused = refused_here(asker, settings, command) is not None
        assert refused == (not trusted_server and not named)
    for asked in (Command(verb="since"), Command(verb="timezone"), Command(verb="quiet")):
        assert refused_here(asker, settings, asked) is None


def test_no_combination_writes_from_a_stranger_server_but_a_named_user() -> None:
    settings = AccessSettings(
        admins=["42"],
        discord_guild_ids=[ALLOWED],
        discord_admin_role_ids=[ROLE],
        discord_manage_server_admins=True,
        discord_open_reads=True,
    )
    for user, roles, manages in product([7, 8], [frozenset(), frozenset({ROLE})], [False, True]):
        for guild in (STRANGER, None):
            got = access_of(Asker(user, guild, roles, manages), settings)
            assert not got.born_admin and not got.trusted and got.role_ids == ()
            assert refused_here(Asker(user, guild, roles, manages), settings, Command("add"))


TOKEN = "MTAwMA.fake-token-for-tests.abcdefghijklmnop"


async def synced_at_start(database, core_settings: Any, fake: FakeDiscord, clock: Clock) -> None:
    core = Core(database=database, settings=core_settings, clock=clock)
    settings = DiscordSettings(discord_token=SecretStr(TOKEN), discord_api_url=fake.api_url)
    platform = DiscordPlatform(core, settings)
    await platform.connect()  # logs in; discord.py runs setup_hook, which syncs
    await platform.client.close()


async def test_commands_are_synced_to_the_allowed_servers_alone(
    database, database_url: str, clock: Clock, fake_discord: FakeDiscord
) -> None:
    settings = make_settings(database_url, discord_guild_ids=[ALLOWED, 1])
    await synced_at_start(database, settings, fake_discord, clock)
    synced = {guild: [c["name"] for c in commands] for guild, commands in fake_discord.synced}
    # Each server gets the commands; the global set is emptied (an earlier start's, gone).
    assert synced == {GUILD_ID: ["incidents"], "1": ["incidents"], "": []}


async def test_a_bot_that_answers_everywhere_says_so_at_start(
    database,
    database_url: str,
    clock: Clock,
    fake_discord: FakeDiscord,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await synced_at_start(database, make_settings(database_url), fake_discord, clock)
    assert [(guild, [c["name"] for c in cs]) for guild, cs in fake_discord.synced] == [
        ("", ["incidents"])
    ]
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("every server that adds it" in m and "Public Bot" in m for m in warned)
