"""Alerts and digests to Slack through a fake Web API on loopback: each posted exactly once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands.core import Caller, Core
from bot.notify.delivery import Delivery, outgoing
from bot.notify.digests import queue_digests
from bot.slack.sender import METADATA_EVENT, SlackSender
from storage import outbox
from tests.bot.commands.test_core import ask
from tests.bot.notify.database_clock import DatabaseClock
from tests.bot.notify.test_delivery import alert_queued, the_message
from tests.bot.slack.fake_slack import FakeSlack
from tests.conftest import Clock

OPS = Caller("U-ADMIN", True, "slack", "C-OPS")


def slack_delivery(core: Core, fake: FakeSlack, clock: Clock) -> Delivery:
    client = AsyncWebClient(token="xoxb-test", base_url=fake.api_url)
    return Delivery(core.database, [SlackSender(client)], clock=clock)


async def alert_for_ops(core: Core) -> None:
    await alert_queued(core, OPS)


async def test_an_alert_is_posted_with_blocks_and_its_outbox_id(
    core: Core, fake_slack: FakeSlack, clock: Clock
) -> None:
    await alert_for_ops(core)
    await slack_delivery(core, fake_slack, clock).run_once()
    [posted] = fake_slack.called("chat.postMessage")
    assert posted["channel"] == "C-OPS"
    assert posted["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "New attack on 16 Jul 2024 ends an 86-day pause"},
    }
    assert "It ends an 86-day pause (22 Apr → 16 Jul 2024)" in posted["blocks"][1]["text"]["text"]
    assert posted["text"].startswith("New attack on 16 Jul 2024 ends an 86-day pause")
    message = await the_message(core)
    assert posted["metadata"] == {
        "event_type": METADATA_EVENT,
        "event_payload": {"outbox_id": message.id},
    }
    assert message.status == "sent"


async def test_a_429_then_a_500_then_success_posts_once(
    core: Core, fake_slack: FakeSlack, clock: Clock
) -> None:
    await alert_for_ops(core)
    fake_slack.fail(
        "chat.postMessage", 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "3"}
    )
    fake_slack.fail("chat.postMessage", 500, {"ok": False, "error": "internal_error"})
    delivery = slack_delivery(core, fake_slack, clock)
    await delivery.run_once()
    message = await the_message(core)
    assert message.next_attempt_at == clock.now + timedelta(seconds=3)  # Retry-After honoured
    clock.now += timedelta(seconds=3)
    await delivery.run_once()
    clock.now += timedelta(seconds=4)
    await delivery.run_once()
    clock.now += timedelta(hours=1)
    await delivery.run_once()
    assert len(fake_slack.history["C-OPS"]) == 1  # posted once, on the third try
    assert (await the_message(core)).status == "sent"


async def test_a_crash_between_posting_and_marking_does_not_post_twice(
    core: Core, fake_slack: FakeSlack, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await alert_for_ops(core)
    client = AsyncWebClient(token="xoxb-test", base_url=fake_slack.api_url)
    async with core.database.write() as session:
        [claimed] = await outbox.claim(
            session, platforms=["slack"], now=clock.now, lease=timedelta(minutes=2), limit=1
        )
    # The first process posts, then dies before it can mark the message sent.

    async def died(part: str) -> None:
        pass

    await SlackSender(client).send(outgoing(claimed), died)
    # Its claim runs out (on the database's clock, which leases read); a restarted bot takes over.
    DatabaseClock(monkeypatch).ahead = timedelta(minutes=3)
    clock.now += timedelta(minutes=3)
    await slack_delivery(core, fake_slack, clock).run_once()
    assert len(fake_slack.called("chat.postMessage")) == 1
    assert fake_slack.called("conversations.history")[0]["channel"] == "C-OPS"
    assert (await the_message(core)).status == "sent"


async def test_a_missing_channel_is_kept_as_failed_with_the_reason(
    core: Core, fake_slack: FakeSlack, clock: Clock
) -> None:
    await alert_for_ops(core)
    fake_slack.fail("chat.postMessage", 200, {"ok": False, "error": "not_in_channel"})
    delivery = slack_delivery(core, fake_slack, clock)
    await delivery.run_once()
    clock.now += timedelta(days=1)
    await delivery.run_once()
    message = await the_message(core)
    assert message.status == "failed"
    assert (
        message.last_error
        == "Slack refused: not_in_channel (invite the app to the channel (/invite @pausewatch))"
    )
    assert len(fake_slack.called("chat.postMessage")) == 1


async def test_a_digest_is_posted_with_its_chart_uploaded(
    core: Core, fake_slack: FakeSlack, clock: Clock
) -> None:
    await ask(core, "add 2024-04-22")
    await ask(core, "add 2024-07-16")
    await core.handle("subscribe digest", OPS)
    assert await queue_digests(core.database, core.settings, date(2024, 7, 22), clock.now) == 1
    await slack_delivery(core, fake_slack, clock).run_once()
    [posted] = fake_slack.called("chat.postMessage")
    assert posted["text"].startswith(
        "Weekly digest, attacks: 1 attack this week (15 – 21 Jul 2024)"
    )
    # The chart, then the map of the chart's weeks, each uploaded once.
    assert [u["filename"] for u in fake_slack.called("files.getUploadURLExternal")] == [
        "attacks-2024-07-22.png",
        "map-2023-07-31-attacks-2024-07-22.png",
    ]
    assert len(fake_slack.uploads) == 2
    assert all(b"\x89PNG" in content[:200] for content in fake_slack.uploads.values())
    completed = fake_slack.called("files.completeUploadExternal")
    assert [c["channel_id"] for c in completed] == ["C-OPS", "C-OPS"]


async def test_a_revoked_token_is_reported_and_the_alert_kept(
    core: Core, fake_slack: FakeSlack, clock: Clock
) -> None:
    await alert_for_ops(core)
    fake_slack.fail("chat.postMessage", 200, {"ok": False, "error": "token_revoked"})
    await slack_delivery(core, fake_slack, clock).run_once()
    message = await the_message(core)
    assert (message.status, message.last_error) == (
        "failed",
        "Slack refused: token_revoked (check the app's token and scopes)",
    )


async def digest_queued(core: Core) -> None:
    await ask(core, "add 2024-04-22")
    await ask(core, "add 2024-07-16")
    await core.handle("subscribe digest", OPS)
    assert await queue_digests(core.database, core.settings, date(2024, 7, 22), core.clock()) == 1


async def deliver_until_done(delivery: Delivery, clock: Clock, core: Core) -> None:
    """Run the loop as the bot would, moving the clock past each retry's wait."""
    for _ in range(5):
        await delivery.run_once()
        if (await the_message(core)).status != "pending":
            return
        clock.now += timedelta(minutes=20)


@pytest.mark.parametrize(
    ("method", "status", "headers"),
    [
        ("files.getUploadURLExternal", 500, {}),
        ("files.completeUploadExternal", 429, {"Retry-After": "7"}),
    ],
)
async def test_a_digests_chart_is_uploaded_after_its_upload_failed_once(
    core: Core,
    fake_slack: FakeSlack,
    clock: Clock,
    method: str,
    status: int,
    headers: dict[str, str],
) -> None:
    await digest_queued(core)
    fake_slack.fail(method, status, {"ok": False, "error": "internal_error"}, headers)
    delivery = slack_delivery(core, fake_slack, clock)
    await delivery.run_once()
    message = await the_message(core)
    # The text was posted and recorded before the chart failed.
    assert (message.status, message.parts_done) == ("pending", ["message"])
    if status == 429:
        assert message.next_attempt_at == clock.now + timedelta(seconds=7)
    await deliver_until_done(delivery, clock, core)
    assert (await the_message(core)).status == "sent"
    assert len(fake_slack.called("chat.postMessage")) == 1
    # The chart once (its failed try not repeated twice), then the map.
    assert fake_slack.shared_files("C-OPS") == [
        "attacks-2024-07-22.png",
        "map-2023-07-31-attacks-2024-07-22.png",
    ]
    assert len([m for m in fake_slack.history["C-OPS"] if m.get("metadata")]) == 1


async def test_the_already_posted_lookup_follows_the_history_cursor(
    core: Core, fake_slack: FakeSlack, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await alert_for_ops(core)
    client = AsyncWebClient(token="xoxb-test", base_url=fake_slack.api_url)
    async with core.database.write() as session:
        [claimed] = await outbox.claim(
            session, platforms=["slack"], now=clock.now, lease=timedelta(minutes=2), limit=1
        )

    async def died(part: str) -> None:
        pass

    await SlackSender(client).send(outgoing(claimed), died)  # posted; the process dies
    # People talk in the channel afterwards: the message is now on the third page.
    for number in range(5):
        fake_slack.history["C-OPS"].insert(0, {"ts": f"1720000001.{number:06d}", "text": "hi"})
    fake_slack.history_page_size = 2
    DatabaseClock(monkeypatch).ahead = timedelta(minutes=3)  # the claim runs out
    clock.now += timedelta(minutes=3)
    await slack_delivery(core, fake_slack, clock).run_once()
    assert len(fake_slack.called("chat.postMessage")) == 1
    cursors = [call.get("cursor") for call in fake_slack.called("conversations.history")]
    assert cursors == [None, "2", "4"]
    assert (await the_message(core)).status == "sent"


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("msg_blocks_too_long", "the message is too long for Slack"),
        ("invalid_metadata_format", "the message's metadata was refused"),
        ("restricted_action", "the workspace does not let the app post there"),
        ("invalid_arguments", "Slack refused the request's arguments"),
        ("channel_is_archived", "the channel is archived"),
    ],
)
async def test_an_error_no_retry_can_mend_fails_at_once_with_the_reason(
    core: Core, fake_slack: FakeSlack, clock: Clock, code: str, reason: str
) -> None:
    await alert_for_ops(core)
    fake_slack.fail("chat.postMessage", 200, {"ok": False, "error": code})
    await slack_delivery(core, fake_slack, clock).run_once()
    message = await the_message(core)
    assert message.status == "failed" and message.attempts == 1
    assert message.last_error.startswith(f"Slack refused: {code} ({reason}")
