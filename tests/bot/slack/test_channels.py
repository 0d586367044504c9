"""Subscribing where the app cannot post is refused with how to invite it; failures are shown."""

from __future__ import annotations

import pytest

from bot.commands.core import Caller
from bot.commands.teams import not_a_team_admin
from bot.notify.delivery import Delivery
from bot.slack.app import web_client
from bot.slack.sender import SlackSender
from tests.bot.notify.test_delivery import alert_queued
from tests.bot.slack.signed import SlackBot, eventually, send_event
from tests.conftest import Clock

OPS = Caller("U-ADMIN", True, "slack", "C-OPS")


async def subscriptions(bot: SlackBot) -> str:
    return (await bot.core.handle("subscriptions", OPS)).headline


@pytest.mark.parametrize(
    ("channel", "said"),
    [
        ({"error": "channel_not_found"}, "pausewatch cannot see <#C-OPS>"),
        ({"id": "C-OPS", "is_member": False}, "pausewatch is not a member of <#C-OPS>"),
        ({"id": "C-OPS", "is_member": True, "is_archived": True}, "<#C-OPS> is archived"),
    ],
)
async def test_subscribing_where_the_app_cannot_post_is_refused(
    slack_bot: SlackBot, channel: dict, said: str
) -> None:
    slack_bot.fake.channels["C-OPS"] = channel
    assert await slack_bot.command("subscribe alerts", user="U-ADMIN") == 200
    [answer] = await slack_bot.answered(1)
    text = answer["blocks"][0]["text"]["text"] + "\n" + answer["text"]
    assert said in text
    if "archived" not in said:
        assert "`/invite @pausewatch`" in answer["text"]
    assert slack_bot.fake.called("conversations.info") == [{"channel": "C-OPS"}]
    assert await subscriptions(slack_bot) == "This channel has no subscriptions"


async def test_subscribing_where_the_app_is_a_member_goes_ahead(slack_bot: SlackBot) -> None:
    slack_bot.fake.channels["C-OPS"] = {"id": "C-OPS", "is_member": True}
    assert await slack_bot.command("subscribe digest", user="U-ADMIN") == 200
    [answer] = await slack_bot.answered(1)
    assert answer["text"].startswith("Subscribed this channel to the weekly digest")
    # Unsubscribing needs no check; a reader's subscribe is refused before any check.
    assert await slack_bot.command("unsubscribe digest", user="U-ADMIN", trigger="T2") == 200
    await slack_bot.answered(2)
    assert await slack_bot.command("subscribe alerts", user="U-READER", trigger="T3") == 200
    answers = await slack_bot.answered(3)
    assert not_a_team_admin("subscribe").headline in answers[2]["text"]
    assert len(slack_bot.fake.called("conversations.info")) == 1


async def test_when_slack_cannot_tell_the_subscription_goes_ahead(slack_bot: SlackBot) -> None:
    slack_bot.fake.fail("conversations.info", 200, {"ok": False, "error": "missing_scope"})
    assert await slack_bot.command("subscribe alerts", user="U-ADMIN") == 200
    [answer] = await slack_bot.answered(1)
    assert answer["text"].startswith("Subscribed this channel to alerts")


async def test_a_failed_delivery_is_shown_on_the_admins_home_tab(
    slack_bot: SlackBot, clock: Clock
) -> None:
    await alert_queued(slack_bot.core, OPS)
    slack_bot.fake.fail("chat.postMessage", 200, {"ok": False, "error": "not_in_channel"})
    client = web_client(slack_bot.slack)
    await Delivery(slack_bot.core.database, [SlackSender(client)], clock=clock).run_once()
    for user in ("U-ADMIN", "U-READER"):
        event = {"type": "app_home_opened", "user": user, "tab": "home", "channel": "D1"}
        assert await send_event(slack_bot.url, event, event_id=f"Ev-{user}") == 200
    await eventually(lambda: len(slack_bot.fake.called("views.publish")) == 2)
    views = {call["user_id"]: call["view"] for call in slack_bot.fake.called("views.publish")}
    admin_blocks = views["U-ADMIN"]["blocks"]
    assert admin_blocks[0]["text"]["text"] == "Not delivered"
    failure = admin_blocks[1]["text"]["text"]
    assert "alert of 25 Nov 2026 to <#C-OPS>: Slack refused: not_in_channel" in failure
    assert "`pausewatch outbox retry ID`" in failure
    reader_texts = [b.get("text", {}).get("text") for b in views["U-READER"]["blocks"]]
    assert "Not delivered" not in reader_texts
