"""A small fake of Discord's HTTP API on loopback: it records the messages the bot sends."""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import discord
from aiohttp import web
from discord import app_commands

from bot.commands.core import Core
from bot.discord.sender import DiscordSender
from bot.discord.text import unescape
from bot.notify.delivery import Delivery
from tests.conftest import Clock

USER = {"id": "1000", "username": "pausewatch", "discriminator": "0", "avatar": None, "bot": True}
APPLICATION_ID = "777"
GUILD_ID = "290926798626357999"
CHANNEL_ID = "987654321"
# What a bot that can post has in a channel: View Channel, Send Messages, Embed Links,
# Attach Files, Read Message History.
CAN_POST = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16)
# Every permission bit Discord defines today, as it sends a server owner's.
EVERY_PERMISSION = (1 << 51) - 1
OPTION_TYPES = {bool: 5, int: 4, str: 3}
_INTERACTION_IDS = itertools.count(786008729715212338)
_MESSAGE_IDS = itertools.count(1180000000000000001)
DM_CHANNEL_ID = "1180000000000000000"


def interaction_payload(
    subcommand: str,
    options: dict[str, Any],
    *,
    user: str = "42",
    app_permissions: int = CAN_POST,
    guild: bool = True,
    channel_type: int = 0,
    guild_id: str = GUILD_ID,
    roles: tuple[str, ...] = (),
    permissions: int = EVERY_PERMISSION,
) -> dict[str, Any]:
    """An INTERACTION_CREATE's data as Discord sends it for `/incidents SUBCOMMAND ...`.

    The shape is Discord's documented slash-command example (a guild member, the bot's
    permissions in the channel), with the fields Discord has added since. `roles` are the
    member's role ids and `permissions` theirs in the channel, as Discord computes them.
    """
    person = {
        "id": user,
        "username": "analyst",
        "global_name": "Analyst",
        "avatar": None,
        "discriminator": "0",
        "public_flags": 0,
    }
    payload: dict[str, Any] = {
        "id": str(next(_INTERACTION_IDS)),
        "application_id": APPLICATION_ID,
        "type": 2,
        "token": f"token-{subcommand}-{next(_INTERACTION_IDS)}",
        "version": 1,
        "channel_id": CHANNEL_ID,
        "channel": {"id": CHANNEL_ID, "type": channel_type},
        "app_permissions": str(app_permissions),
        "locale": "en-US",
        "entitlements": [],
        "attachment_size_limit": 10485760,
        "data": {
            "id": "771825006014889984",
            "name": "incidents",
            "type": 1,
            "options": [
                {
                    "name": subcommand,
                    "type": 1,
                    "options": [
                        {"name": k, "type": OPTION_TYPES[type(v)], "value": v}
                        for k, v in options.items()
                    ],
                }
            ],
        },
    }
    if guild:
        # A guild text channel as Discord includes it: with the invoking member's permissions.
        payload["channel"] |= {
            "guild_id": guild_id,
            "name": "ops",
            "position": 3,
            "parent_id": None,
            "topic": None,
            "nsfw": False,
            "flags": 0,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "permissions": "2147483647",
        }
        payload |= {
            "guild_id": guild_id,
            "guild": {"id": guild_id, "locale": "en-US", "features": []},
            "guild_locale": "en-US",
            "context": 0,
            "authorizing_integration_owners": {"0": guild_id},
            "member": {
                "user": person,
                "roles": list(roles),
                "premium_since": None,
                "permissions": str(permissions),
                "pending": False,
                "nick": None,
                "mute": False,
                "deaf": False,
                "flags": 0,
                "joined_at": "2017-03-13T19:19:14.040000+00:00",
            },
        }
    else:
        payload |= {
            "context": 1 if channel_type == 1 else 2,
            "authorizing_integration_owners": {"1": user},
            "user": person,
        }
    return payload


def person(user: str, *, bot: bool = False, name: str = "analyst") -> dict[str, Any]:
    """A user object as Discord sends one: a person, or a bot (`bot` is sent only when true)."""
    found: dict[str, Any] = {
        "id": user,
        "username": name,
        "global_name": None if bot else name.capitalize(),
        "avatar": None,
        "discriminator": "0",
        "public_flags": 0,
    }
    if bot:
        found["bot"] = True
    return found


def _member(roles: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "roles": list(roles),
        "premium_since": None,
        "pending": False,
        "nick": None,
        "mute": False,
        "deaf": False,
        "flags": 0,
        "joined_at": "2017-03-13T19:19:14.040000+00:00",
        "communication_disabled_until": None,
    }


def message_payload(
    content: str,
    *,
    author: dict[str, Any] | None = None,
    mentions: tuple[dict[str, Any], ...] = (),
    guild_id: str | None = GUILD_ID,
    referenced: dict[str, Any] | None = None,
    message_id: str | None = None,
    roles: tuple[str, ...] = (),
) -> dict[str, Any]:
    """A MESSAGE_CREATE's data as Discord sends it: in a server's text channel, or in a DM
    (`guild_id=None`); a reply (type 19) when `referenced` is the message it answers.

    In a server, the author's member object and each mention's come with it.
    """
    author = author if author is not None else person("42")
    in_guild = guild_id is not None
    channel = CHANNEL_ID if in_guild else DM_CHANNEL_ID
    payload: dict[str, Any] = {
        "type": 0,
        "tts": False,
        "timestamp": "2026-11-25T11:59:00.000000+00:00",
        "pinned": False,
        "nonce": str(next(_MESSAGE_IDS)),
        "mentions": [
            {**mentioned, "member": _member()} if in_guild else mentioned for mentioned in mentions
        ],
        "mention_roles": [],
        "mention_everyone": False,
        "id": message_id or str(next(_MESSAGE_IDS)),
        "flags": 0,
        "embeds": [],
        "edited_timestamp": None,
        "content": content,
        "components": [],
        "channel_id": channel,
        "channel_type": 0 if in_guild else 1,
        "author": author,
        "attachments": [],
    }
    if in_guild:
        payload |= {"guild_id": guild_id, "member": _member(roles)}
    if referenced is not None:
        payload |= {
            "type": 19,
            "message_reference": {
                "type": 0,
                "message_id": referenced["id"],
                "channel_id": referenced["channel_id"],
                **({"guild_id": guild_id} if in_guild else {}),
            },
            "referenced_message": referenced,
        }
    return payload


def click_payload(
    message: dict[str, Any], custom_id: str, *, user: str = "42", guild_id: str = GUILD_ID
) -> dict[str, Any]:
    """A button's INTERACTION_CREATE (type 3) as Discord sends it: from a member in a server's
    channel, with the message the button is on, components and all."""
    payload = interaction_payload("", {}, user=user, guild_id=guild_id)
    return payload | {
        "type": 3,
        "token": f"click-{next(_INTERACTION_IDS)}",
        "channel_id": message["channel_id"],
        "message": message,
        "data": {"custom_id": custom_id, "component_type": 2},
    }


def answer(
    body: dict[str, Any] | list[Any], status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """Answer as Discord does: exactly `application/json`, which discord.py checks for."""
    return web.Response(
        body=json.dumps(body).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def title(posted: Posted) -> str:
    """Return a posted embed's title as it reads."""
    return unescape(posted.payload["embeds"][0]["title"])


def text_of(posted: Posted) -> str:
    """Return a posted embed's title and description as they read."""
    embed = posted.payload["embeds"][0]
    return unescape(f"{embed['title']}\n{embed.get('description') or ''}")


@dataclass
class Posted:
    """One message the bot posted: its JSON payload and the files that came with it."""

    channel: str
    payload: dict[str, Any]
    files: dict[str, bytes]


@dataclass
class FakeDiscord:
    """Discord's API as far as pausewatch's sender uses it, with scriptable failures."""

    posted: list[Posted] = field(default_factory=list)
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    followups: list[Posted] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    callback_tokens: list[str] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    script: list[tuple[int, dict[str, Any], dict[str, str]]] = field(default_factory=list)
    followup_script: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    synced: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)
    # The messages the API returned for the posts above, as Discord returns them (ids and all).
    sent: list[dict[str, Any]] = field(default_factory=list)
    # Edits of an interaction's original message (a button's answer), by interaction token.
    edited: list[Posted] = field(default_factory=list)
    seen_nonces: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Edits of posted messages (PATCH /channels/{channel}/messages/{message}): (channel,
    # message id, what the edit sent).
    message_edits: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    base: str = ""
    refuse_login: bool = False
    _ids: itertools.count = field(default_factory=lambda: itertools.count(5000))
    _runner: web.AppRunner | None = None
    _channels: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # The flags of each deferred "thinking…" not yet followed up, by interaction token.
    _thinking: dict[str, int] = field(default_factory=dict)

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/v10"

    def post_requests(self) -> int:
        """Count the messages the bot asked to post (one Discord deduplicated included)."""
        return sum(1 for method, _ in self.requests if method == "POST")

    def returned(self, posted: Posted) -> dict[str, Any]:
        """Return a posted message as Discord returned it (and sends it inside a reply to it)."""
        [sent] = [m for m in self.sent if m.get("nonce") == posted.payload.get("nonce")]
        return sent

    def fail_followup(self, status: int, body: dict[str, Any]) -> None:
        """Answer the next interaction followup this way."""
        self.followup_script.append((status, body))

    def fail(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        """Answer the next message post this way."""
        self.script.append((status, body, headers or {}))

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/api/v10/users/@me", self._me)
        app.router.add_post("/api/v10/channels/{channel}/messages", self._message)
        app.router.add_patch("/api/v10/channels/{channel}/messages/{message}", self._edit_message)
        app.router.add_post("/api/v10/interactions/{id}/{token}/callback", self._callback)
        app.router.add_post("/api/v10/webhooks/{app}/{token}", self._followup)
        app.router.add_delete(
            "/api/v10/webhooks/{app}/{token}/messages/@original", self._delete_original
        )
        app.router.add_patch(
            "/api/v10/webhooks/{app}/{token}/messages/@original", self._edit_original
        )
        app.router.add_get("/api/v10/oauth2/applications/@me", self._application)
        app.router.add_put("/api/v10/applications/{app}/commands", self._sync)
        app.router.add_put("/api/v10/applications/{app}/guilds/{guild}/commands", self._sync)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.base = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _me(self, request: web.Request) -> web.Response:
        self.requests.append(("GET", "/users/@me"))
        if self.refuse_login:
            return answer({"message": "401: Unauthorized", "code": 0}, 401)
        return answer(USER)

    async def _application(self, request: web.Request) -> web.Response:
        return answer(
            {
                "id": "777",
                "name": "pausewatch",
                "description": "",
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "k",
                "flags": 0,
                "icon": None,
                "owner": USER,
            }
        )

    async def _sync(self, request: web.Request) -> web.Response:
        commands = await request.json()
        self.synced.append((request.match_info.get("guild", ""), commands))
        return answer(
            [
                {
                    **command,
                    "id": str(9000 + number),
                    "application_id": request.match_info["app"],
                    "version": "1",
                    "default_member_permissions": None,
                }
                for number, command in enumerate(commands)
            ]
        )

    async def _callback(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.callbacks.append(body)
        self.callback_tokens.append(request.match_info["token"])
        flags = (body.get("data") or {}).get("flags", 0)
        if body["type"] == 5:
            self._thinking[request.match_info["token"]] = flags & 64
        return answer(
            {
                "interaction": {
                    "id": request.match_info["id"],
                    "type": 2,
                    "response_message_loading": body["type"] == 5,
                    "response_message_ephemeral": bool(flags & 64),
                },
                "resource": {"type": body["type"]},
            }
        )

    async def _followup(self, request: web.Request) -> web.Response:
        payload, files = await self._read(request)
        if self.followup_script:
            status, body = self.followup_script.pop(0)
            return answer(body, status)
        token = request.match_info["token"]
        if token in self._thinking:
            # The first followup after a defer replaces "thinking…" and is shown as the defer
            # was, whatever its own flags say (Discord ignores them): record what is shown.
            payload = {**payload, "flags": self._thinking.pop(token)}
        self.followups.append(Posted(token, payload, files))
        return answer(self._message_object("webhook", payload))

    async def _delete_original(self, request: web.Request) -> web.Response:
        """Delete the original response: a followup after it is a new message, as flagged."""
        token = request.match_info["token"]
        self.deleted.append(token)
        self._thinking.pop(token, None)
        return web.Response(status=204)

    async def _edit_original(self, request: web.Request) -> web.Response:
        """Edit the message a button was on (a deferred update's answer)."""
        payload, files = await self._read(request)
        self.edited.append(Posted(request.match_info["token"], payload, files))
        return answer(self._message_object(CHANNEL_ID, payload))

    async def _edit_message(self, request: web.Request) -> web.Response:
        """Edit a message the bot posted; one it never posted (or deleted) is not found."""
        channel, message = request.match_info["channel"], request.match_info["message"]
        payload, _ = await self._read(request)
        if not any(m["id"] == message and m["channel_id"] == channel for m in self.sent):
            return answer({"message": "Unknown Message", "code": 10008}, 404)
        self.message_edits.append((channel, message, payload))
        return answer({**self._message_object(channel, payload), "id": message})

    async def _read(self, request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
        payload: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":
                    payload = json.loads(await part.text())
                else:
                    files[part.filename or part.name or ""] = await part.read()
        else:
            payload = await request.json()
        return payload, files

    def _message_object(self, channel: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": str(next(self._ids)),
            "channel_id": channel if channel.isdigit() else "987654321",
            "author": USER,
            "content": payload.get("content", ""),
            "timestamp": "2026-11-25T12:00:00+00:00",
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": payload.get("embeds", []),
            "pinned": False,
            "type": 0,
            "flags": payload.get("flags", 0),
            "nonce": payload.get("nonce"),
            **_reply_fields(channel, payload),
        }

    async def _message(self, request: web.Request) -> web.Response:
        channel = request.match_info["channel"]
        self.requests.append(("POST", f"/channels/{channel}/messages"))
        if self.script:
            status, body, headers = self.script.pop(0)
            return answer(body, status, headers)
        payload, files = await self._read(request)
        # Discord's enforce_nonce: the same nonce again returns the first message, unposted.
        nonce = payload.get("nonce")
        if payload.get("enforce_nonce") and nonce in self.seen_nonces:
            return answer(self.seen_nonces[nonce])
        self.posted.append(Posted(channel, payload, files))
        message = self._message_object(channel, payload)
        self.sent.append(message)
        if nonce is not None:
            self.seen_nonces[nonce] = message
        return answer(message)


def _reply_fields(channel: str, payload: dict[str, Any]) -> dict[str, Any]:
    """What Discord adds to a message posted as a reply (type 19), and its components."""
    fields: dict[str, Any] = {"components": payload.get("components", [])}
    reference = payload.get("message_reference")
    if reference:
        fields["type"] = 19
        fields["message_reference"] = {
            "type": 0,
            # Discord takes snowflakes as numbers or strings, and sends them back as strings.
            "message_id": str(reference["message_id"]),
            "channel_id": str(reference.get("channel_id") or channel),
            **({"guild_id": str(reference["guild_id"])} if reference.get("guild_id") else {}),
        }
    return fields


async def invoke(
    tree: app_commands.CommandTree,
    subcommand: str,
    user: str = "42",
    *,
    app_permissions: int = CAN_POST,
    **options: Any,
) -> None:
    """Deliver an INTERACTION_CREATE as Discord sends it, and let the tree dispatch it."""
    payload = interaction_payload(subcommand, options, user=user, app_permissions=app_permissions)
    interaction = discord.Interaction(data=payload, state=tree.client._connection)
    await tree._call(interaction)


async def alert_refused_for_good(
    core: Core, tree: app_commands.CommandTree, fake: FakeDiscord, clock: Clock
) -> None:
    """Queue an alert through the commands and have Discord refuse it for good on delivery."""
    await invoke(tree, "subscribe", what="alerts")
    await invoke(tree, "add", day="2024-04-22")
    await invoke(tree, "add", day="2024-07-16")
    fake.fail(403, {"message": "Missing Permissions", "code": 50013})
    await Delivery(core.database, [DiscordSender(tree.client.http)], clock=clock).drain()
