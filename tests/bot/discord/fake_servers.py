"""Two allowed servers, a stranger's and DMs on the loopback gateway: ids, and how to ask.

A and B are the servers the settings name (A owns the shared series); STRANGER is someone
else's server with the bot invited. Each server has its own channel, and a role MANAGERS
holding Manage Server in the GUILD_CREATE that `server_created` sends.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bot.commands.core import Caller
from tests.bot.discord.fake_discord import (
    GUILD_ID,
    USER,
    FakeDiscord,
    interaction_payload,
    message_payload,
    person,
    text_of,
)
from tests.bot.discord.fake_gateway import Bot, FakeGateway, reply_to, until

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


async def asked(
    gateway: FakeGateway,
    subcommand: str,
    *,
    guild: str,
    user: str = "7",
    permissions: int = NO_PERMISSION,
    roles: tuple[str, ...] = (),
    global_command: bool = False,
    **options: Any,
) -> str:
    """Send `/incidents SUBCOMMAND` from a member of `guild`; return the interaction's token.

    The command is the one synced to `guild`, or the global one (`global_command`).
    """
    payload = interaction_payload(
        subcommand, options, user=user, guild_id=guild, roles=roles, permissions=permissions
    )
    payload["channel_id"] = payload["channel"]["id"] = CHANNELS[guild]
    if not global_command:
        # Synced to each allowed server: Discord names the command's server.
        payload["data"]["guild_id"] = guild
    await gateway.dispatch("INTERACTION_CREATE", payload)
    return str(payload["token"])


async def ask(gateway: FakeGateway, fake: FakeDiscord, subcommand: str, **how: Any) -> str:
    """Send `/incidents SUBCOMMAND` (see asked); return the answer as it reads."""
    token = await asked(gateway, subcommand, **how)
    await until(lambda: any(f.channel == token for f in fake.followups))
    return next(text_of(f) for f in fake.followups if f.channel == token)


async def answers(gateway: FakeGateway, fake: FakeDiscord, subcommand: str, **how: Any) -> int:
    """Count the followups an interaction got, once it has been answered and a while after."""
    token = await asked(gateway, subcommand, **how)
    await until(lambda: any(f.channel == token for f in fake.followups))
    await asyncio.sleep(0.2)  # a notice would follow the answer at once
    return len([f for f in fake.followups if f.channel == token])


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
