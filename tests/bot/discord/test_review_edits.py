"""Review messages on Discord are edited when their candidate is decided or changed.

Two channels review the same series: a click in one decides the candidate, and the other's
copy (edited through PATCH /channels/{channel}/messages/{id}) loses its buttons and says who
decided what; a newer version from the source edits the messages posted.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import discord.http
import pytest
from sqlalchemy import select

from bot.commands.core import Caller, Core
from bot.commands.review_messages import originals_of
from bot.discord.app import PausewatchClient
from bot.discord.sender import DiscordSender
from bot.notify.delivery import Delivery
from bot.sources.http import HttpFetcher
from storage.models import OutboxMessage
from tests.bot.discord.test_review import CHANNEL, Client, FakeDiscordWithEdits, click, settled
from tests.bot.sources.fake_feeds import FakeSheet
from tests.conftest import NOW, Clock, make_settings

OTHER = "123456789"
ROWS = "date,location,external_id\n2024-07-16,Ain al-Assad,S1\n"


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
) -> AsyncIterator[tuple[Core, PausewatchClient, Delivery]]:
    """Two Discord channels reviewing a reviewed sheet's one candidate, posted to both."""
    settings = make_settings(database_url, admins=["42"], source_allow_hosts=["127.0.0.1"])
    core = Core(database=database, settings=settings, clock=clock)
    await core.prepare()
    core.fetcher = HttpFetcher(core.settings)
    for channel in (CHANNEL, OTHER):
        admin = Caller("42", True, platform="discord", channel=channel)
        assert not (await core.handle("subscribe reviews", admin)).is_error
    sheet.publish(ROWS, '"v1"')
    assert not (
        await core.handle(f"source add s kind:csv url:{sheet.url} reviewed", admin)
    ).is_error
    assert (await core.handle("source run s", admin)).headline == (
        "Source s: read 1, 1 queued for review"
    )
    client = Client(core)
    await client.login("test-token")
    sender = DiscordSender(client.http, originals_of(core.database))
    delivery = Delivery(core.database, [sender], clock=lambda: NOW)
    assert await delivery.run_once() == 2
    yield core, client, delivery
    await client.close()


def posted_ids(fake: FakeDiscordWithEdits) -> dict[str, str]:
    return {m["channel_id"]: m["id"] for m in fake.sent}


async def test_a_decision_in_one_channel_edits_the_other_channels_copy(
    bot: tuple[Core, PausewatchClient, Delivery], fake: FakeDiscordWithEdits
) -> None:
    core, client, delivery = bot
    ids = posted_ids(fake)
    assert set(ids) == {CHANNEL, OTHER}
    async with core.database.read() as session:
        rows = list(await session.scalars(select(OutboxMessage)))
    assert {r.channel: r.parts_done for r in rows} == {
        channel: [f"posted:{ids[channel]}", "message"] for channel in (CHANNEL, OTHER)
    }
    [posted] = [p for p in fake.posted if p.channel == CHANNEL]
    click(client, "pausewatch:review:approve:1", "42", posted.payload)
    await settled(core, fake, 1)
    [answer] = fake.edits  # the clicked message, through the interaction
    assert answer["components"] == []
    assert await delivery.run_once() == 2
    edited = {channel: (message, payload) for channel, message, payload in fake.message_edits}
    assert set(edited) == {CHANNEL, OTHER}
    for channel, (message, payload) in edited.items():
        assert message == ids[channel]
        assert payload["components"] == []
        assert payload["embeds"][0]["title"].startswith(
            "Review #1 approved by 42: recorded as incident #1"
        )
    assert await delivery.run_once() == 0  # each edit sent once


async def test_a_newer_version_edits_the_waiting_messages(
    bot: tuple[Core, PausewatchClient, Delivery], fake: FakeDiscordWithEdits, sheet: FakeSheet
) -> None:
    core, _, delivery = bot
    sheet.publish(ROWS.replace("Ain al-Assad", "Erbil"), '"v2"')
    admin = Caller("42", True, platform="discord", channel=OTHER)
    assert "1 already known" in (await core.handle("source run s", admin)).headline
    assert await delivery.run_once() == 2
    assert len(fake.posted) == 2  # edited, not posted again
    ids = posted_ids(fake)
    for channel, message, payload in fake.message_edits:
        assert message == ids[channel]
        assert "Erbil" in str(payload["embeds"][0])
        [row] = payload["components"]
        assert [c["custom_id"] for c in row["components"]] == [
            "pausewatch:review:approve:1",
            "pausewatch:review:reject:1",
        ]
    # Decided in chat: both copies lose their buttons.
    assert (await core.handle("review reject 1", admin)).headline == "Review #1 rejected by 42"
    assert await delivery.run_once() == 2
    last = fake.message_edits[2:]
    assert sorted(channel for channel, _, _ in last) == sorted([CHANNEL, OTHER])
    for _, _, payload in last:
        assert payload["components"] == []
        assert payload["embeds"][0]["title"] == "Review #1 rejected by 42"
