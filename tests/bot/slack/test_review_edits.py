"""Review messages on Slack are edited (chat.update) when their candidate is decided or changed.

Two channels review the same series: a click in one decides the candidate, and the other's
copy loses its buttons and says who decided what; a newer version from the source edits
the messages posted rather than posting again.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select

from bot.commands.core import Caller
from bot.commands.review_messages import originals_of
from bot.notify.delivery import Delivery, DeliveryError, outgoing
from bot.slack.sender import SlackSender
from bot.sources.http import HttpFetcher
from storage import outbox
from storage.models import OutboxMessage
from tests.bot.slack.signed import FORM, SlackBot, signed_post
from tests.bot.slack.test_review import click
from tests.bot.sources.fake_feeds import FakeSheet
from tests.conftest import NOW, Clock

ROWS = "date,location,external_id\n2024-07-16,Ain al-Assad,S1\n"


@pytest.fixture
async def sheet() -> AsyncIterator[FakeSheet]:
    fake = FakeSheet()
    await fake.start()
    yield fake
    await fake.stop()


def blocks_of(params: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = params["blocks"]
    return json.loads(blocks) if isinstance(blocks, str) else blocks


def buttons(params: dict[str, Any]) -> list[str]:
    found = [b for b in blocks_of(params) if b["type"] == "actions"]
    return [e["action_id"] for block in found for e in block["elements"]]


async def two_channels_reviewing(bot: SlackBot, sheet: FakeSheet) -> Delivery:
    """#C-A and #C-B review a reviewed sheet's one candidate, posted to both."""
    core = bot.core
    core.settings = core.settings.model_copy(update={"source_allow_hosts": ["127.0.0.1"]})
    core.fetcher = HttpFetcher(core.settings)
    for channel in ("C-A", "C-B"):
        admin = Caller("U-ADMIN", True, platform="slack", channel=channel)
        assert not (await core.handle("subscribe reviews", admin)).is_error
    sheet.publish(ROWS, '"v1"')
    admin = Caller("U-ADMIN", True, platform="slack", channel="C-A")
    assert not (
        await core.handle(f"source add sheet kind:csv url:{sheet.url} reviewed", admin)
    ).is_error
    ran = await core.handle("source run sheet", admin)
    assert ran.headline == "Source sheet: read 1, 1 queued for review", ran.headline
    client = AsyncWebClient(token="xoxb-test", base_url=bot.fake.api_url)
    sender = SlackSender(client, originals_of(core.database))
    delivery = Delivery(core.database, [sender], clock=lambda: NOW)
    await delivery.run_once()
    return delivery


async def test_a_decision_in_one_channel_edits_the_other_channels_copy(
    slack_bot: SlackBot, sheet: FakeSheet
) -> None:
    bot = slack_bot
    delivery = await two_channels_reviewing(bot, sheet)
    posted = bot.fake.called("chat.postMessage")
    assert sorted(p["channel"] for p in posted) == ["C-A", "C-B"]
    ts = {m["channel"]: m["ts"] for m in _posted(bot)}
    # Each posted review keeps Slack's ts, to be edited later.
    async with bot.core.database.read() as session:
        rows = list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert {r.channel: r.parts_done for r in rows} == {
        channel: [f"posted:{ts[channel]}", "message"] for channel in ("C-A", "C-B")
    }

    body = json.loads(click("review_approve", "1", user="U-ADMIN", response="r1"))
    body["channel"] = {"id": "C-A", "name": "a"}
    body["response_url"] = bot.fake.response_url("r1")
    status, _ = await signed_post(bot.url, urlencode({"payload": json.dumps(body)}), FORM)
    assert status == 200
    await bot.answered(1)
    assert await delivery.run_once() == 2
    updates = {u["channel"]: u for u in bot.fake.called("chat.update")}
    assert set(updates) == {"C-A", "C-B"}
    for channel, update in updates.items():
        assert update["ts"] == ts[channel]
        assert update["text"].startswith("Review #1 approved by U-ADMIN: recorded as incident #1")
        assert buttons(update) == []
    # Sent once: the next round has nothing to do.
    assert await delivery.run_once() == 0
    assert len(bot.fake.called("chat.update")) == 2


async def test_a_newer_version_edits_the_waiting_messages(
    slack_bot: SlackBot, sheet: FakeSheet
) -> None:
    bot = slack_bot
    delivery = await two_channels_reviewing(bot, sheet)
    sheet.publish(ROWS.replace("Ain al-Assad", "Erbil"), '"v2"')
    admin = Caller("U-ADMIN", True, platform="slack", channel="C-A")
    ran = await bot.core.handle("source run sheet", admin)
    assert "1 already known" in ran.headline, ran.headline
    assert await delivery.run_once() == 2
    assert len(bot.fake.called("chat.postMessage")) == 2  # no second message
    updates = bot.fake.called("chat.update")
    assert sorted(u["channel"] for u in updates) == ["C-A", "C-B"]
    for update in updates:
        assert "Erbil" in update["text"] or "Erbil" in json.dumps(blocks_of(update))
        assert buttons(update) == ["review_approve", "review_reject"]
    # Rejected in chat (no button): both copies say so, without buttons.
    said = await bot.core.handle("review reject 1", admin)
    assert said.headline == "Review #1 rejected by U-ADMIN"
    assert await delivery.run_once() == 2
    last = bot.fake.called("chat.update")[2:]
    assert sorted(u["channel"] for u in last) == ["C-A", "C-B"]
    assert all(u["text"].startswith("Review #1 rejected by U-ADMIN") for u in last)
    assert all(buttons(u) == [] for u in last)


async def test_an_edit_of_a_message_deleted_in_slack_is_done(
    slack_bot: SlackBot, sheet: FakeSheet
) -> None:
    bot = slack_bot
    delivery = await two_channels_reviewing(bot, sheet)
    bot.fake.history["C-B"].clear()  # someone deleted #C-B's copy
    admin = Caller("U-ADMIN", True, platform="slack", channel="C-A")
    assert not (await bot.core.handle("review approve 1", admin)).is_error
    assert await delivery.run_once() == 2
    async with bot.core.database.read() as session:
        edits = list(
            await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "review-edit"))
        )
    assert [(e.channel, e.status) for e in sorted(edits, key=lambda e: e.channel)] == [
        ("C-A", "sent"),
        ("C-B", "sent"),
    ]


def _posted(bot: SlackBot) -> list[dict[str, Any]]:
    """The messages the fake holds, with their channel."""
    return [
        {"channel": channel, "ts": m["ts"]}
        for channel, messages in bot.fake.history.items()
        for m in messages
    ]


async def test_a_decision_before_the_review_is_posted_posts_the_decision(
    slack_bot: SlackBot, sheet: FakeSheet
) -> None:
    bot = slack_bot
    core = bot.core
    core.settings = core.settings.model_copy(update={"source_allow_hosts": ["127.0.0.1"]})
    core.fetcher = HttpFetcher(core.settings)
    admin = Caller("U-ADMIN", True, platform="slack", channel="C-A")
    assert not (await core.handle("subscribe reviews", admin)).is_error
    sheet.publish(ROWS, '"v1"')
    assert not (
        await core.handle(f"source add sheet kind:csv url:{sheet.url} reviewed", admin)
    ).is_error
    await core.handle("source run sheet", admin)
    assert not (await core.handle("review approve 1", admin)).is_error
    client = AsyncWebClient(token="xoxb-test", base_url=bot.fake.api_url)
    delivery = Delivery(
        core.database, [SlackSender(client, originals_of(core.database))], clock=lambda: NOW
    )
    assert await delivery.run_once() == 1  # the review, not yet sent, says what was decided
    [posted] = bot.fake.called("chat.postMessage")
    assert posted["text"].startswith("Review #1 approved by U-ADMIN")
    assert buttons(posted) == []
    assert bot.fake.called("chat.update") == []


async def test_an_edit_slack_refuses_for_now_is_retried(
    slack_bot: SlackBot, sheet: FakeSheet
) -> None:
    bot = slack_bot
    delivery = await two_channels_reviewing(bot, sheet)
    clock = Clock()
    delivery.clock = clock
    admin = Caller("U-ADMIN", True, platform="slack", channel="C-A")
    assert not (await bot.core.handle("review reject 1", admin)).is_error
    bot.fake.fail("chat.update", 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "3"})
    assert await delivery.run_once() == 2
    assert await delivery.run_once() == 0  # the refused one waits its 3 s
    clock.now = NOW + timedelta(seconds=3)
    assert await delivery.run_once() == 1
    updates = bot.fake.called("chat.update")
    assert len(updates) == 3
    assert sorted(u["channel"] for u in updates[1:]) == ["C-A", "C-B"]
    async with bot.core.database.read() as session:
        edits = list(
            await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "review-edit"))
        )
    assert [e.status for e in edits] == ["sent", "sent"]


async def test_a_decision_while_the_review_is_being_posted_edits_it_once_posted(
    slack_bot: SlackBot, sheet: FakeSheet
) -> None:
    bot = slack_bot
    core = bot.core
    core.settings = core.settings.model_copy(update={"source_allow_hosts": ["127.0.0.1"]})
    core.fetcher = HttpFetcher(core.settings)
    admin = Caller("U-ADMIN", True, platform="slack", channel="C-A")
    assert not (await core.handle("subscribe reviews", admin)).is_error
    sheet.publish(ROWS, '"v1"')
    await core.handle(f"source add sheet kind:csv url:{sheet.url} reviewed", admin)
    await core.handle("source run sheet", admin)
    # A sender holds the review (it may be posting the candidate with its buttons).
    async with core.database.write() as session:
        [held] = await outbox.claim(
            session, platforms=["slack"], now=NOW, lease=timedelta(minutes=1), limit=5
        )
    assert not (await core.handle("review approve 1", admin)).is_error
    client = AsyncWebClient(token="xoxb-test", base_url=bot.fake.api_url)
    sender = SlackSender(client, originals_of(core.database))
    # The edit cannot be sent before the review is posted: it waits, and is tried again.
    async with core.database.write() as session:
        [edit] = await outbox.claim(
            session, platforms=["slack"], now=NOW, lease=timedelta(minutes=1), limit=5
        )
    with pytest.raises(DeliveryError, match="not posted yet"):
        await sender.send(outgoing(edit), _no_progress)
    async with core.database.write() as session:
        await outbox.release(session, [held.id, edit.id])
    delivery = Delivery(core.database, [sender], clock=lambda: NOW)
    assert await delivery.run_once() == 2
    assert len(bot.fake.called("chat.postMessage")) == 1
    [update] = bot.fake.called("chat.update")
    assert update["ts"] == bot.fake.history["C-A"][0]["ts"]
    assert update["text"].startswith("Review #1 approved by U-ADMIN")
    assert buttons(update) == []


async def _no_progress(part: str) -> None:
    raise AssertionError(f"nothing is delivered, yet {part} was said")
