"""A fake of Discord's gateway on loopback: the websocket discord.py's Client connects to.

It speaks the gateway's JSON protocol as Discord does: HELLO on connect, HEARTBEAT_ACK for
each heartbeat, READY for an IDENTIFY, RESUMED (replaying what was missed) for a RESUME; a
test sends dispatches (INTERACTION_CREATE) and makes the connection fail as Discord's do.
`start_bot` runs the bot on it (and on the fake HTTP API) as `pausewatch run` does.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from pydantic import SecretStr

from bot.commands.core import Core
from bot.discord.app import DiscordPlatform
from bot.discord.settings import DiscordSettings
from storage.database import Database
from tests.bot.discord.fake_discord import APPLICATION_ID, USER, FakeDiscord, Posted
from tests.conftest import Clock, make_settings

HELLO, HEARTBEAT, HEARTBEAT_ACK, IDENTIFY, RESUME = 10, 1, 11, 2, 6
DISPATCH, INVALID_SESSION = 0, 9
WAIT = 10.0
TOKEN = "MTAwMA.fake-token-for-tests.abcdefghijklmnop"


@dataclass
class FakeGateway:
    """One gateway: what the client sent (identify, resume), and the connection now open."""

    url: str = ""
    opened: list[str] = field(default_factory=list)  # "identify" or "resume", per connection
    resumes: list[dict[str, Any]] = field(default_factory=list)
    identified: list[dict[str, Any]] = field(default_factory=list)  # each IDENTIFY's data
    sequence: int = 0
    _socket: web.WebSocketResponse | None = None
    _ready: asyncio.Condition = field(default_factory=asyncio.Condition)
    _sent: list[dict[str, Any]] = field(default_factory=list)
    _runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/", self._connection)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"ws://127.0.0.1:{self._runner.addresses[0][1]}/"

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def sessions(self, count: int) -> None:
        """Wait until `count` connections have identified or resumed."""
        async with self._ready:
            await asyncio.wait_for(self._ready.wait_for(lambda: len(self.opened) >= count), 10)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send an event on the open connection, numbered as Discord numbers them."""
        self.sequence += 1
        message = {"op": DISPATCH, "t": event, "s": self.sequence, "d": data}
        self._sent.append(message)
        assert self._socket is not None
        await self._socket.send_str(json.dumps(message))

    async def invalidate_session(self) -> None:
        """Say the session cannot be resumed: the client identifies again and gets a new READY."""
        assert self._socket is not None
        await self._socket.send_str(json.dumps({"op": INVALID_SESSION, "d": False}))

    async def drop(self, code: int = 4000) -> None:
        """Close the connection as Discord does when it fails (4000: resumable)."""
        assert self._socket is not None
        await self._socket.close(code=code)

    def _ready_event(self) -> dict[str, Any]:
        return {
            "v": 10,
            "user": USER,
            "guilds": [],
            "session_id": f"session-{len(self.opened)}",
            "resume_gateway_url": self.url,
            "shard": [0, 1],
            "application": {"id": APPLICATION_ID, "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "geo_ordered_rtc_regions": ["eu-west"],
            "guild_join_requests": [],
            "user_settings": {},
            "_trace": ['["gateway-prd-fake",{"micros":1}]'],
        }

    async def _connection(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._socket = socket
        await socket.send_str(json.dumps({"op": HELLO, "d": {"heartbeat_interval": 41250}}))
        async for message in socket:
            payload = json.loads(message.data)
            op = payload.get("op")
            if op == HEARTBEAT:
                await socket.send_str(json.dumps({"op": HEARTBEAT_ACK}))
            elif op == IDENTIFY:
                self.identified.append(payload["d"])
                await self._opened("identify")
                self.sequence = 0
                await self.dispatch("READY", self._ready_event())
            elif op == RESUME:
                self.resumes.append(payload["d"])
                await self._opened("resume")
                # Discord replays what the client missed since its sequence, then RESUMED.
                for missed in self._sent:
                    if missed["s"] > (payload["d"]["seq"] or 0):
                        await socket.send_str(json.dumps(missed))
                await self.dispatch("RESUMED", {"_trace": ["fake"]})
        return socket

    async def _opened(self, how: str) -> None:
        async with self._ready:
            self.opened.append(how)
            self._ready.notify_all()


async def until(condition: Callable[[], Any]) -> None:
    """Wait until `condition()` holds (what the fakes recorded, which signal nothing), or fail."""
    async with asyncio.timeout(WAIT):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


async def _identify_at_once(shard_id: int | None, *, initial: bool = False) -> None:
    pass


@dataclass
class Bot:
    """One running bot process: its core, its platform, and how to stop it."""

    core: Core
    platform: DiscordPlatform
    stop: asyncio.Event
    serving: asyncio.Task[None]

    async def close(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.serving, 10)


async def start_bot(
    database: Database,
    database_url: str,
    clock: Clock,
    fake: FakeDiscord,
    gateway: FakeGateway,
    **settings: Any,
) -> Bot:
    """Start the bot as `pausewatch run` does, on the fakes, and wait until it is connected."""
    core = Core(
        database=database,
        settings=make_settings(database_url, admins=["42"], **settings),
        clock=clock,
    )
    await core.prepare()
    platform = DiscordPlatform(
        core, DiscordSettings(discord_token=SecretStr(TOKEN), discord_api_url=fake.api_url)
    )
    # on_ready waits for GUILD_CREATEs this long after READY; there are none here.
    platform.client._connection.guild_ready_timeout = 0.05
    # discord.py waits 5 s before identifying again, for the real gateway's rate limit.
    platform.client.before_identify_hook = _identify_at_once  # type: ignore[method-assign]
    await platform.connect()
    stop = asyncio.Event()
    serving = asyncio.create_task(platform.serve(stop))
    await until(platform.is_connected)
    return Bot(core, platform, stop, serving)


async def reply_to(gateway: FakeGateway, fake: FakeDiscord, payload: dict[str, Any]) -> Posted:
    """Send a MESSAGE_CREATE and return the bot's reply to it, as the fake API recorded it."""
    before = len(fake.posted)
    await gateway.dispatch("MESSAGE_CREATE", payload)
    await until(lambda: len(fake.posted) > before)
    answer = fake.posted[before]
    # discord.py writes the snowflake as a number, which Discord takes as it takes a string.
    assert str(answer.payload["message_reference"]["message_id"]) == payload["id"]
    return answer
