"""Review buttons on Slack: posted with the candidate, clicked through a signed block_actions."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select

from bot.commands.command import Command
from bot.commands.core import Caller
from bot.commands.teams import not_a_team_admin
from bot.notify.delivery import Delivery
from bot.slack.sender import SlackSender
from bot.sources.http import HttpFetcher
from storage.models import Incident, OutboxMessage, ReviewCandidate
from tests.bot.slack.signed import FORM, SlackBot, signed_post
from tests.bot.sources.fake_feeds import FakeSheet
from tests.conftest import NOW


def click(action: str, value: str, *, user: str, response: str) -> str:
    """A block_actions request as Slack sends it when a button is clicked."""
    payload = {
        "type": "block_actions",
        "team": {"id": "T-TEAM", "domain": "team"},
        "user": {"id": user, "team_id": "T-TEAM"},
        "api_app_id": "A1",
        "trigger_id": f"T-{response}",
        "container": {"type": "message", "channel_id": "C-REVIEW", "message_ts": "1.000001"},
        "channel": {"id": "C-REVIEW", "name": "review"},
        "message": {"type": "message", "ts": "1.000001", "text": "Review #1"},
        "response_url": "",
        "actions": [
            {
                "type": "button",
                "block_id": "pausewatch_actions",
                "action_id": action,
                "value": value,
                "action_ts": "2.000001",
            }
        ],
    }
    return json.dumps(payload)


async def queue_candidate(bot: SlackBot, sheet: FakeSheet) -> None:
    """Run a reviewed sheet that brings one candidate, with #review subscribed to reviews."""
    core = bot.core
    # The fake sheet is on loopback, which a source reads only when the setting allows it.
    core.settings = core.settings.model_copy(update={"source_allow_hosts": ["127.0.0.1"]})
    core.fetcher = HttpFetcher(core.settings)
    admin = Caller("U-ADMIN", True, platform="slack", channel="C-REVIEW")
    assert not (await core.handle("subscribe reviews", admin)).is_error
    sheet.publish("date,location,external_id\n2024-07-16,Ain al-Assad,S1\n", '"v1"')
    added = await core.handle(f"source add sheet kind:csv url:{sheet.url} reviewed", admin)
    assert not added.is_error, added.headline
    ran = await core.handle("source run sheet", admin)
    assert ran.headline == "Source sheet: read 1, 1 queued for review", ran.headline


@pytest.fixture
async def sheet() -> AsyncIterator[FakeSheet]:
    fake = FakeSheet()
    await fake.start()
    yield fake
    await fake.stop()


async def test_review_round_trip_on_slack(slack_bot: SlackBot, sheet: FakeSheet) -> None:
    bot = slack_bot
    await queue_candidate(bot, sheet)
    client = AsyncWebClient(token="xoxb-test", base_url=bot.fake.api_url)
    delivery = Delivery(bot.core.database, [SlackSender(client)], clock=lambda: NOW)
    await delivery.run_once()
    [posted] = bot.fake.called("chat.postMessage")
    assert posted["channel"] == "C-REVIEW"
    blocks = json.loads(posted["blocks"]) if isinstance(posted["blocks"], str) else posted["blocks"]
    [buttons] = [b for b in blocks if b["type"] == "actions"]
    assert [(e["action_id"], e["value"], e["style"]) for e in buttons["elements"]] == [
        ("review_approve", "1", "primary"),
        ("review_reject", "1", "danger"),
    ]

    async def press(action: str, user: str, name: str) -> int:
        body = json.loads(click(action, "1", user=user, response=name))
        body["response_url"] = bot.fake.response_url(name)
        status, _ = await signed_post(bot.url, urlencode({"payload": json.dumps(body)}), FORM)
        return status

    # A reader's click is refused to them alone; nothing is stored.
    assert await press("review_approve", "U-READER", "r0") == 200
    [refusal] = await bot.answered(1)
    assert refusal["replace_original"] is False
    assert not_a_team_admin("review").headline in refusal["text"]
    assert await bot.incidents() == 0
    # The admin's click stores it, as them, and replaces the message's buttons.
    assert await press("review_approve", "U-ADMIN", "r1") == 200
    answers = await bot.answered(2)
    assert answers[1]["replace_original"] is True
    assert "Review #1 approved by U-ADMIN: recorded as incident #1" in answers[1]["text"]
    assert all(b["type"] != "actions" for b in answers[1]["blocks"])
    # A double click (or a click on a message another admin already decided) stores nothing.
    assert await press("review_approve", "U-ADMIN", "r2") == 200
    assert await press("review_reject", "U-ADMIN", "r3") == 200
    answers = await bot.answered(4)
    assert "Review #1 was already approved by U-ADMIN (incident #1)" in answers[2]["text"]
    assert "was already approved" in answers[3]["text"]
    async with bot.core.database.read() as session:
        rows = list(await session.scalars(select(Incident)))
        candidate = await session.scalar(select(ReviewCandidate))
    assert [(r.external_id, r.recorded_by) for r in rows] == [("S1", "U-ADMIN")]
    assert candidate is not None and candidate.status == "approved"


async def test_a_rejection_on_slack(slack_bot: SlackBot, sheet: FakeSheet) -> None:
    bot = slack_bot
    await queue_candidate(bot, sheet)
    body = json.loads(click("review_reject", "1", user="U-ADMIN", response="r1"))
    body["response_url"] = bot.fake.response_url("r1")
    status, _ = await signed_post(bot.url, urlencode({"payload": json.dumps(body)}), FORM)
    assert status == 200
    [answer] = await bot.answered(1)
    assert "Review #1 rejected by U-ADMIN" in answer["text"]
    assert await bot.incidents() == 0
    reply = await bot.core.execute(Command(verb="review", topic="list"), Caller("U-ADMIN", True))
    assert reply.headline == "No incident is waiting for review"
    async with bot.core.database.read() as session:
        assert await session.scalar(select(OutboxMessage.kind)) == "review"
