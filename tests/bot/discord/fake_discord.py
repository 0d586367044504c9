"""A small fake of Discord's HTTP API on loopback: it records the messages the bot sends."""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

USER = {"id": "1000", "username": "pausewatch", "discriminator": "0", "avatar": None, "bot": True}


def answer(
    body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """Answer as Discord does: exactly `application/json`, which discord.py checks for."""
    return web.Response(
        body=json.dumps(body).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


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
    requests: list[tuple[str, str]] = field(default_factory=list)
    script: list[tuple[int, dict[str, Any], dict[str, str]]] = field(default_factory=list)
    seen_nonces: dict[str, dict[str, Any]] = field(default_factory=dict)
    base: str = ""
    refuse_login: bool = False
    _ids: itertools.count = field(default_factory=lambda: itertools.count(5000))
    _runner: web.AppRunner | None = None
    _channels: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/v10"

    def fail(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        """Answer the next message post this way."""
        self.script.append((status, body, headers or {}))

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/api/v10/users/@me", self._me)
        app.router.add_post("/api/v10/channels/{channel}/messages", self._message)
        app.router.add_post("/api/v10/interactions/{id}/{token}/callback", self._callback)
        app.router.add_post("/api/v10/webhooks/{app}/{token}", self._followup)
        app.router.add_get("/api/v10/oauth2/applications/@me", self._application)
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

    async def _callback(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.callbacks.append(body)
        flags = (body.get("data") or {}).get("flags", 0)
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
        self.followups.append(Posted(request.match_info["token"], payload, files))
        return answer(self._message_object("webhook", payload))

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
        if nonce is not None:
            self.seen_nonces[nonce] = message
        return answer(message)
