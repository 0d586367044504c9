"""Review buttons on Discord: posted as components, clicked through discord.py's own dispatch."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from typing import Any

import discord.http
import pytest
from aiohttp import web
from sqlalchemy import select

from bot.commands.core import Caller, Core
from bot.discord.app import PausewatchClient
from bot.discord.sender import DiscordSender
from bot.notify.delivery import Delivery
from bot.sources.http import HttpFetcher
from storage.models import Incident
from tests.bot.discord.fake_discord import USER, FakeDiscord, answer
from tests.bot.sources.fake_feeds import FakeSheet
from tests.conftest import NOW, Clock, make_settings

IDS = itertools.count(9000)
CHANNEL = "987654321"


class FakeDiscordWithEdits(FakeDiscord):
    """The fake, also taking the edit of an interaction's original message."""

    edits: list[dict[str, Any]]

    async def start(self) -> None:
        self.edits = []
        app = web.Application()
        app.router.add_get("/api/v10/users/@me", self._me)
        app.router.add_post("/api/v10/channels/{channel}/messages", self._message)
        app.router.add_patch("/api/v10/channels/{channel}/messages/{message}", self._edit_message)
        app.router.add_post("/api/v10/interactions/{id}/{token}/callback", self._callback)
        app.router.add_post("/api/v10/webhooks/{app}/{token}", self._followup)
        app.router.add_patch("/api/v10/webhooks/{app}/{token}/messages/@original", self._edit)
        app.router.add_get("/api/v10/oauth2/applications/@me", self._application)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.base = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def _edit(self, request: web.Request) -> web.Response:
        payload, _ = await self._read(request)
        self.edits.append(payload)
        return answer(self._message_object(CHANNEL, payload))


class Client(PausewatchClient):
    """The bot's client, without syncing its commands at login (the fake has no such route)."""

    async def setup_hook(self) -> None:
        pass


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscordWithEdits]:
    found = FakeDiscordWithEdits()
    await found.start()
    monkeypatch.setattr(discord.http.Route, "BASE", found.api_url)
    yield found
    await found.stop()


@pytest.fixture
async def sheet() -> AsyncIterator[FakeSheet]:
    found = FakeSheet()
    await found.start()
    yield found
    await found.stop()


@pytest.fixture
async def bot(
    database, database_url: str, clock: Clock, fake: FakeDiscordWithEdits, sheet: FakeSheet
) -> AsyncIterator[tuple[Core, PausewatchClient]]:
    # The fake sheet is on loopback, which a source reads only when the setting allows it.
    settings = make_settings(database_url, admins=["42"], source_allow_hosts=["127.0.0.1"])
    core = Core(database=database, settings=settings, clock=clock)
    await core.prepare()
    core.fetcher = HttpFetcher(core.settings)
    admin = Caller("42", True, platform="discord", channel=CHANNEL)
    assert not (await core.handle("subscribe reviews", admin)).is_error
    sheet.publish("date,location,external_id\n2024-07-16,Ain al-Assad,S1\n", '"v1"')
    assert not (
        await core.handle(f"source add s kind:csv url:{sheet.url} reviewed", admin)
    ).is_error
    ran = await core.handle("source run s", admin)
    assert ran.headline == "Source s: read 1, 1 queued for review"
    client = Client(core)
    await client.login("test-token")
    yield core, client
    await client.close()


def click(client: PausewatchClient, custom_id: str, user: str, posted: dict[str, Any]) -> None:
    """Deliver a button's INTERACTION_CREATE as the gateway does, through discord.py's state.

    Discord sends the message the button is on, components and all.
    """
    payload = {
        "id": str(next(IDS)),
        "application_id": "777",
        "type": 3,
        "token": f"click-{next(IDS)}",
        "version": 1,
        "channel_id": CHANNEL,
        "channel": {"id": CHANNEL, "type": 0, "guild_id": "1", "name": "review", "position": 0},
        "app_permissions": "0",
        "locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {},
        "attachment_size_limit": 10485760,
        "user": {"id": user, "username": "analyst", "discriminator": "0", "avatar": None},
        "message": {
            "id": "5000",
            "channel_id": CHANNEL,
            "author": USER,
            "content": "",
            "timestamp": "2026-11-25T12:00:00+00:00",
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
            "components": posted["components"],
        },
        "data": {"custom_id": custom_id, "component_type": 2},
    }
    client._connection.parse_interaction_create(payload)  # type: ignore[arg-type]


async def settled(core: Core, fake: FakeDiscordWithEdits, callbacks: int) -> None:
    import asyncio

    for _ in range(500):
        if (
            len(fake.callbacks) >= callbacks
            and (len(fake.edits) + len(fake.followups)) >= callbacks
        ):
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{len(fake.callbacks)} callbacks, {fake.edits}, {fake.followups}")


async def test_review_round_trip_on_discord(
    bot: tuple[Core, PausewatchClient], fake: FakeDiscordWithEdits
) -> None:
    core, client = bot
    await Delivery(core.database, [DiscordSender(client.http)], clock=lambda: NOW).run_once()
    [posted] = fake.posted
    [row] = posted.payload["components"]
    buttons = [(c["custom_id"], c["label"], c["style"]) for c in row["components"]]
    assert buttons == [
        ("pausewatch:review:approve:1", "Approve", 3),
        ("pausewatch:review:reject:1", "Reject", 4),
    ]
    # A reader's click: deferred, refused to them alone, nothing stored.
    click(client, "pausewatch:review:approve:1", "7", posted.payload)
    await settled(core, fake, 1)
    assert fake.callbacks[0]["type"] == 6  # deferred within the three seconds
    [refusal] = fake.followups
    assert refusal.payload["flags"] & 64
    # The click comes with no server (as from a DM): only questions are answered there.
    assert refusal.payload["embeds"][0]["title"].startswith("A DM belongs to no team")
    # The admin's click stores it as them and takes the buttons away.
    click(client, "pausewatch:review:approve:1", "42", posted.payload)
    await settled(core, fake, 2)
    [edit] = fake.edits
    assert edit["components"] == []
    assert edit["embeds"][0]["title"].startswith(
        "Review #1 approved by 42: recorded as incident #1"
    )
    # A double click (a stale message on another screen) stores nothing more.
    click(client, "pausewatch:review:approve:1", "42", posted.payload)
    click(client, "pausewatch:review:reject:1", "42", posted.payload)
    await settled(core, fake, 4)
    assert [e["embeds"][0]["title"] for e in fake.edits[1:]] == [
        "Review #1 was already approved by 42 (incident #1)"
    ] * 2
    async with core.database.read() as session:
        rows = list(await session.scalars(select(Incident)))
    assert [(r.external_id, r.recorded_by) for r in rows] == [("S1", "42")]


async def test_a_rejection_on_discord(
    bot: tuple[Core, PausewatchClient], fake: FakeDiscordWithEdits
) -> None:
    core, client = bot
    await Delivery(core.database, [DiscordSender(client.http)], clock=lambda: NOW).run_once()
    [posted] = fake.posted
    click(client, "pausewatch:review:reject:1", "42", posted.payload)
    await settled(core, fake, 1)
    [edit] = fake.edits
    assert edit["embeds"][0]["title"] == "Review #1 rejected by 42"
    async with core.database.read() as session:
        assert list(await session.scalars(select(Incident))) == []
    group = client.tree.get_command("incidents")
    assert isinstance(group, discord.app_commands.Group)
    assert {"source", "review"} <= {c.name for c in group.commands}
