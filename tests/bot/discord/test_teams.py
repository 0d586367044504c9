"""Teams on Discord through the loopback gateway: two allowed servers, a stranger's, and DMs.

Each server is its own team: its Manage-Server members and the roles its admins name are its
admins there alone, its own series are its alone, and the shared series is written by the
owner team's admins. A stranger's server (answered through open reads) asks and changes
nothing. Every interaction and message goes through discord.py's Client as Discord sends it;
what was stored is read back through the core, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.commands.core import Caller
from bot.commands.teams import not_an_owner
from bot.discord.sender import DiscordSender
from bot.notify.delivery import Delivery
from storage.database import Database
from tests.bot.discord.fake_discord import (
    GUILD_ID,
    USER,
    FakeDiscord,
    interaction_payload,
    message_payload,
    person,
    text_of,
    title,
)
from tests.bot.discord.fake_gateway import Bot, FakeGateway, reply_to, start_bot, until
from tests.conftest import Clock

A, B = GUILD_ID, "81384788765712384"  # the two servers the settings name
STRANGER = "555000555000555000"  # someone else's server, with the bot invited
CHANNELS = {A: "987654321", B: "987654322", STRANGER: "987654323"}
MANAGE_GUILD = (1 << 5) | (1 << 11)  # Manage Server (and Send Messages)
NO_PERMISSION = 1 << 11  # Send Messages only
EVERY_PERMISSION = (1 << 51) - 1  # a server owner's
ROLE = "8880001"  # a role of server A, named an admin role by A's admin
MANAGERS = "8880009"  # a role holding Manage Server, in each server's GUILD_CREATE
VIEW_CHANNEL = 1 << 10
OPERATOR = Caller("42", True, "discord", "terminal")
BOT_ID = int(USER["id"])
SOURCE = "kind:csv url:https://sheets.example.org/a.csv"


@pytest.fixture
async def bot(
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


async def ask(
    gateway: FakeGateway,
    fake: FakeDiscord,
    subcommand: str,
    *,
    guild: str,
    user: str = "7",
    permissions: int = NO_PERMISSION,
    roles: tuple[str, ...] = (),
    global_command: bool = False,
    **options: Any,
) -> str:
    """Send `/incidents SUBCOMMAND` from a member of `guild`; return the answer as it reads.

    The command is the one synced to `guild`, or the global one (`global_command`).
    """
    payload = interaction_payload(
        subcommand, options, user=user, guild_id=guild, roles=roles, permissions=permissions
    )
    channel = CHANNELS[guild]
    payload["channel_id"] = channel
    payload["channel"]["id"] = channel
    if not global_command:
        # Synced to each allowed server: Discord names the command's server.
        payload["data"]["guild_id"] = guild
    await gateway.dispatch("INTERACTION_CREATE", payload)
    token = payload["token"]
    await until(lambda: any(f.channel == token for f in fake.followups))
    return next(text_of(f) for f in fake.followups if f.channel == token)


async def completed(
    gateway: FakeGateway, fake: FakeDiscord, *, guild: str, typed: str
) -> list[str]:
    """Return the series offered while `series:` of /incidents since is typed in `guild`."""
    payload = interaction_payload("since", {}, user="7", guild_id=guild)
    payload["data"]["guild_id"] = guild
    payload["type"] = 4  # APPLICATION_COMMAND_AUTOCOMPLETE
    payload["data"]["options"][0]["options"] = [
        {"name": "series", "type": 3, "value": typed, "focused": True}
    ]
    await gateway.dispatch("INTERACTION_CREATE", payload)
    await until(lambda: payload["token"] in fake.callback_tokens)
    callback = fake.callbacks[fake.callback_tokens.index(payload["token"])]
    assert callback["type"] == 8
    return [choice["value"] for choice in callback["data"]["choices"]]


async def incidents(bot: Bot, series: str | None = None) -> list[str]:
    """The days of the incidents stored in a series (the default one), as the operator sees."""
    reply = await bot.core.handle(f"last 100 {series or ''}", OPERATOR)
    return [str(row[1]) for table in reply.tables for row in table.rows]


async def test_manage_server_makes_an_admin_of_that_server_alone(
    bot: Bot, gateway: FakeGateway, fake_discord: FakeDiscord
) -> None:
    # User 7 manages A, user 8 manages B; each is a member where they lack the permission.
    said = {
        (user, guild): await ask(
            gateway,
            fake_discord,
            "team",
            guild=guild,
            user=user,
            permissions=MANAGE_GUILD if (user, guild) in (("7", A), ("8", B)) else NO_PERMISSION,
        )
        for user in ("7", "8")
        for guild in (A, B)
    }
    assert said["7", A].startswith(f"Team discord:{A}; you are an admin")
    assert said["7", B].startswith(f"Team discord:{B}; you are a member")
    assert said["8", B].startswith(f"Team discord:{B}; you are an admin")
    assert said["8", A].startswith(f"Team discord:{A}; you are a member")
    # What an admin may do in A, the same user without the permission may not do in B.
    refused = await ask(
        gateway, fake_discord, "team", guild=B, action="series", details="add sevens"
    )
    assert refused.startswith("Only this team's admins change it")
    done = await ask(
        gateway,
        fake_discord,
        "add",
        guild=A,
        permissions=MANAGE_GUILD,
        day="2024-07-16",
    )
    assert done.startswith("Recorded attack #1 on 16 Jul 2024")
    assert "sevens" not in await bot.core.series_names()


async def test_a_role_named_in_a_makes_admins_in_a_only(
    bot: Bot, gateway: FakeGateway, fake_discord: FakeDiscord
) -> None:
    named = await ask(
        gateway,
        fake_discord,
        "team",
        guild=A,
        permissions=MANAGE_GUILD,
        action="admin",
        details=f"add <@&{ROLE}>",
    )
    assert named.startswith("Added 1 named admin of this team"), named
    # Its holder, with no permission of their own: an admin in A, by command and by mention.
    holder = {"user": "9", "roles": (ROLE,)}
    said = await ask(gateway, fake_discord, "team", guild=A, **holder)
    assert said.startswith(f"Team discord:{A}; you are an admin")
    added = await ask(gateway, fake_discord, "add", guild=A, day="2024-07-16", **holder)
    assert added.startswith("Recorded attack #1 on 16 Jul 2024")
    write = f"<@{BOT_ID}> add 2024-07-17"
    in_a = message_payload(write, author=person("9"), mentions=(USER,), roles=(ROLE,))
    assert title(await reply_to(gateway, fake_discord, in_a)).startswith("Recorded attack #2")
    # The same role id in B makes nobody an admin there, by command or by mention.
    said = await ask(gateway, fake_discord, "team", guild=B, **holder)
    assert said.startswith(f"Team discord:{B}; you are a member")
    in_b = message_payload(
        "<@1000> add 2024-07-18", author=person("9"), mentions=(USER,), roles=(ROLE,), guild_id=B
    )
    refused = title(await reply_to(gateway, fake_discord, in_b))
    assert "admins may `add`" in refused
    # Nor does a role A's admins did not name, in A.
    other = await ask(gateway, fake_discord, "add", guild=A, day="2024-07-19", roles=("8880002",))
    assert "admins may `add`" in other
    assert await incidents(bot) == ["2024-07-17", "2024-07-16"]


async def test_a_series_of_bs_own_is_bs_alone(
    bot: Bot, gateway: FakeGateway, fake_discord: FakeDiscord
) -> None:
    b_admin = {"guild": B, "permissions": MANAGE_GUILD}
    made = await ask(
        gateway, fake_discord, "team", action="series", details="add outages", **b_admin
    )
    assert made.startswith("Made the series outages, seen and written only by this team")
    added = await ask(gateway, fake_discord, "add", day="2024-07-16", series="outages", **b_admin)
    assert added.startswith("Recorded"), added
    asked = await ask(gateway, fake_discord, "since", series="outages", **b_admin)
    assert "since the last" in asked and "16 Jul 2024" in asked
    # A neither sees it (questions, completion) nor writes it, its admin included.
    a_admin = {"guild": A, "permissions": MANAGE_GUILD}
    unseen = await ask(gateway, fake_discord, "since", series="outages", **a_admin)
    assert unseen.startswith("`outages` is not a series. The series are: attacks, us-strikes.")
    assert "outages" not in await ask(gateway, fake_discord, "team", **a_admin)
    refused = await ask(gateway, fake_discord, "add", day="2024-07-17", series="outages", **a_admin)
    assert refused.startswith("`outages` is not a series. The series are: attacks, us-strikes.")
    assert await completed(gateway, fake_discord, guild=A, typed="out") == []
    assert await completed(gateway, fake_discord, guild=B, typed="out") == ["outages"]
    # A DM belongs to no team: the shared series alone.
    dm = message_payload("since outages", author=person("7"), guild_id=None)
    in_dm = text_of(await reply_to(gateway, fake_discord, dm))
    assert in_dm.startswith("`outages` is not a series (attacks, us-strikes)")
    dm = message_payload("add 2024-07-17", author=person("7"), guild_id=None)
    in_dm = text_of(await reply_to(gateway, fake_discord, dm))
    assert in_dm.startswith("A DM belongs to no team: here pausewatch answers questions")
    # An operator is trusted by their id, in a DM as anywhere: they write every series.
    dm = message_payload("add 2024-07-18 outages", author=person("42"), guild_id=None)
    in_dm = text_of(await reply_to(gateway, fake_discord, dm))
    assert in_dm.startswith("Recorded incident #2 on 18 Jul 2024"), in_dm
    assert await incidents(bot, "outages") == ["2024-07-18", "2024-07-16"]


async def test_only_the_owner_teams_admins_write_the_shared_series(
    bot: Bot, gateway: FakeGateway, fake_discord: FakeDiscord
) -> None:
    refused = await ask(
        gateway, fake_discord, "add", guild=B, permissions=MANAGE_GUILD, day="2024-07-16"
    )
    settings = bot.core.settings
    assert not_an_owner(settings.default_series, settings).replace("`", "") in refused.replace(
        "`", ""
    )
    written = await ask(
        gateway, fake_discord, "add", guild=A, permissions=MANAGE_GUILD, day="2024-07-17"
    )
    assert written.startswith("Recorded attack #1 on 17 Jul 2024")
    # Every team reads it.
    read = await ask(gateway, fake_discord, "since", guild=B)
    assert "17 Jul 2024" in read
    assert await incidents(bot) == ["2024-07-17"]


async def test_a_strangers_server_asks_and_changes_nothing(
    bot: Bot, gateway: FakeGateway, fake_discord: FakeDiscord
) -> None:
    # The commands are synced to A and B alone: in a stranger's server the bot is asked by
    # mention. Its member holds a role with Manage Server there (Discord computes it from the
    # server's roles, sent in GUILD_CREATE) and the role id A's admins named.
    await bot.core.handle("add 2024-07-16", OPERATOR)
    named = await ask(
        gateway,
        fake_discord,
        "team",
        guild=A,
        permissions=MANAGE_GUILD,
        action="admin",
        details=f"add <@&{ROLE}>",
    )
    assert named.startswith("Added 1 named admin")
    await server_created(bot, gateway, STRANGER)
    asked = await mentioned(gateway, fake_discord, "since", guild=STRANGER)
    assert "16 Jul 2024" in asked
    # Asking the channel's zone changes nothing: answered too.
    zone = await mentioned(gateway, fake_discord, "timezone", guild=STRANGER)
    assert zone.startswith("This channel counts its days in UTC"), zone
    changes = [
        "add 2024-07-17",
        "subscribe alerts",
        "team series add mine",
        "team admin add <@9>",
        f"source add feed {SOURCE}",
        "timezone Asia/Baghdad",
    ]
    for change in changes:
        refused = await mentioned(gateway, fake_discord, change, guild=STRANGER)
        assert refused.startswith("This server is not one of the servers pausewatch serves"), (
            change,
            refused,
        )
        assert "whatever roles or permissions a member has here" in refused
    # In A (GUILD_CREATE'd the same way), the Manage Server role alone makes an admin, by
    # mention as by command; the named role alone too.
    await server_created(bot, gateway, A)
    said = await mentioned(gateway, fake_discord, "team", guild=A, user="11", roles=(MANAGERS,))
    assert said.startswith(f"Team discord:{A}; you are an admin")
    said = await mentioned(gateway, fake_discord, "team", guild=A, user="11", roles=())
    assert said.startswith(f"Team discord:{A}; you are a member")
    added = await mentioned(gateway, fake_discord, "add 2024-07-18", guild=A, roles=(MANAGERS,))
    assert added.startswith("Recorded attack #2 on 18 Jul 2024")
    # Nothing of the stranger's was stored.
    assert await incidents(bot) == ["2024-07-18", "2024-07-16"]
    assert "mine" not in await bot.core.series_names()
    sources = await bot.core.handle("source list", OPERATOR)
    assert "feed" not in " ".join([sources.headline, *sources.details])
    stranger_channel = Caller("42", True, "discord", CHANNELS[STRANGER])
    listed = await bot.core.handle("subscriptions", stranger_channel)
    assert listed.headline == "This channel has no subscriptions"


async def test_with_no_server_named_no_server_changes_anything(
    database: Database,
    database_url: str,
    clock: Clock,
    fake_discord: FakeDiscord,
    gateway: FakeGateway,
) -> None:
    # The commands are synced globally; every server asks, and only the operators change.
    running = await start_bot(database, database_url, clock, fake_discord, gateway)
    owner = {"guild": STRANGER, "permissions": EVERY_PERMISSION, "global_command": True}
    try:
        asked = await ask(gateway, fake_discord, "since", **owner)
        refusals = [
            await ask(gateway, fake_discord, "add", day="2024-07-17", **owner),
            await ask(gateway, fake_discord, "subscribe", what="alerts", **owner),
            await ask(gateway, fake_discord, "team", action="series", details="add x", **owner),
            await ask(
                gateway, fake_discord, "source", action="add", name="feed", details=SOURCE, **owner
            ),
        ]
        operator = await ask(gateway, fake_discord, "add", day="2024-07-17", user="42", **owner)
    finally:
        await running.close()
    assert asked.startswith("No attacks recorded")
    for refused in refusals:
        assert refused.startswith("No server is a team here yet"), refused
    assert operator.startswith("Recorded attack #1 on 17 Jul 2024")


async def server_created(bot: Bot, gateway: FakeGateway, guild: str) -> None:
    """Send the GUILD_CREATE of a server where the role MANAGERS has Manage Server."""
    await gateway.dispatch("GUILD_CREATE", guild_payload(guild))
    await until(lambda: bot.platform.client.get_guild(int(guild)) is not None)


def guild_payload(guild: str) -> dict[str, Any]:
    """A GUILD_CREATE's data as Discord sends it to a bot: the server's roles and channel."""

    def role(ident: str, name: str, permissions: int, position: int) -> dict[str, Any]:
        return {
            "id": ident,
            "name": name,
            "permissions": str(permissions),
            "position": position,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }

    return {
        "id": guild,
        "name": f"server {guild}",
        "owner_id": "1",
        "unavailable": False,
        "large": False,
        "member_count": 3,
        "joined_at": "2026-11-01T10:00:00.000000+00:00",
        "roles": [
            role(guild, "@everyone", NO_PERMISSION | VIEW_CHANNEL, 0),
            role(MANAGERS, "pausewatch admin", MANAGE_GUILD, 1),
        ],
        "channels": [
            {
                "id": CHANNELS[guild],
                "type": 0,
                "name": "ops",
                "position": 0,
                "permission_overwrites": [],
                "parent_id": None,
                "nsfw": False,
                "topic": None,
                "last_message_id": None,
                "rate_limit_per_user": 0,
                "flags": 0,
            }
        ],
        "members": [],
        "threads": [],
        "emojis": [],
        "stickers": [],
        "features": [],
        "voice_states": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "premium_tier": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "verification_level": 0,
        "explicit_content_filter": 0,
        "default_message_notifications": 0,
        "afk_timeout": 300,
        "afk_channel_id": None,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "preferred_locale": "en-US",
        "icon": None,
        "splash": None,
        "banner": None,
        "description": None,
    }


async def mentioned(
    gateway: FakeGateway,
    fake: FakeDiscord,
    text: str,
    *,
    guild: str,
    user: str = "7",
    roles: tuple[str, ...] = (MANAGERS, ROLE),
) -> str:
    """Mention the bot with `text` in `guild`'s channel; return its reply as it reads."""
    payload = message_payload(
        f"<@{BOT_ID}> {text}", author=person(user), mentions=(USER,), roles=roles, guild_id=guild
    )
    payload["channel_id"] = CHANNELS[guild]
    return text_of(await reply_to(gateway, fake, payload))


async def test_each_servers_subscriptions_are_its_own(
    bot: Bot, gateway: FakeGateway, fake_discord: FakeDiscord
) -> None:
    a_admin = {"guild": A, "permissions": MANAGE_GUILD}
    b_admin = {"guild": B, "permissions": MANAGE_GUILD}
    subscribed = await ask(gateway, fake_discord, "subscribe", what="alerts", **a_admin)
    assert subscribed.startswith("Subscribed this channel to alerts"), subscribed
    digest = await ask(
        gateway, fake_discord, "subscribe", what="digest", every="monday 08:00", **b_admin
    )
    assert digest.startswith("Subscribed this channel to the weekly digest"), digest
    assert "every monday 08:00" in digest
    in_a = await ask(gateway, fake_discord, "subscriptions", **a_admin)
    in_b = await ask(gateway, fake_discord, "subscriptions", **b_admin)
    assert "alerts" in in_a and "digest" not in in_a
    assert "digest" in in_b and "alerts" not in in_b


async def test_subscribe_every_is_a_digests_schedule(
    bot: Bot, gateway: FakeGateway, fake_discord: FakeDiscord
) -> None:
    a_admin = {"guild": A, "permissions": MANAGE_GUILD}
    wrong_day = await ask(
        gateway, fake_discord, "subscribe", what="digest", every="someday 08:00", **a_admin
    )
    assert "`someday` is not a day of the week" in wrong_day
    alerts = await ask(
        gateway, fake_discord, "subscribe", what="alerts", every="monday 08:00", **a_admin
    )
    assert "Only a digest takes a schedule" in alerts
    listed = await ask(gateway, fake_discord, "subscriptions", **a_admin)
    assert listed.startswith("This channel has no subscriptions")
    daily = await ask(
        gateway, fake_discord, "subscribe", what="digest", every="every day 07:30", **a_admin
    )
    assert daily.startswith("Subscribed this channel to the weekly digest"), daily
    assert "every day 07:30" in daily


async def test_a_failed_delivery_is_told_to_the_operators_alone(
    bot: Bot, gateway: FakeGateway, fake_discord: FakeDiscord, clock: Clock
) -> None:
    # A's alert to its channel is refused for good; the row does not say whose it was yet.
    a_admin = {"guild": A, "permissions": MANAGE_GUILD}
    b_admin = {"guild": B, "permissions": MANAGE_GUILD}
    await ask(gateway, fake_discord, "subscribe", what="alerts", **a_admin)
    await ask(gateway, fake_discord, "add", day="2024-04-22", **a_admin)
    await ask(gateway, fake_discord, "add", day="2024-07-16", **a_admin)
    fake_discord.fail(403, {"message": "Missing Permissions", "code": 50013})
    await Delivery(
        bot.core.database, [DiscordSender(bot.platform.client.http)], clock=clock
    ).drain()
    # B's admin is not told of A's channel, nor (while rows name no team) A's.
    for admin in (b_admin, a_admin):
        assert await answers(gateway, fake_discord, "since", **admin) == 1
    # An operator is, privately, wherever they ask.
    token = await asked(gateway, "since", guild=B, user="42")
    await until(lambda: len([f for f in fake_discord.followups if f.channel == token]) == 2)
    _, notice = [f for f in fake_discord.followups if f.channel == token]
    assert title(notice) == "1 message to Discord could not be posted"
    assert notice.payload["flags"] == 64


async def asked(gateway: FakeGateway, subcommand: str, *, guild: str, user: str = "7") -> str:
    """Send `/incidents SUBCOMMAND` in `guild`; return the interaction's token."""
    payload = interaction_payload(subcommand, {}, user=user, guild_id=guild)
    payload["channel_id"] = payload["channel"]["id"] = CHANNELS[guild]
    payload["data"]["guild_id"] = guild
    await gateway.dispatch("INTERACTION_CREATE", payload)
    return str(payload["token"])


async def answers(gateway: FakeGateway, fake: FakeDiscord, subcommand: str, **how: Any) -> int:
    """Count the followups an interaction got, once it has been answered and a while after."""
    token = await asked(gateway, subcommand, guild=how["guild"], user=how.get("user", "7"))
    await until(lambda: any(f.channel == token for f in fake.followups))
    await asyncio.sleep(0.2)  # a notice would follow the answer at once
    return len([f for f in fake.followups if f.channel == token])
