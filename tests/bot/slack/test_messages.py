"""Mentions of the app and direct messages to it: answered in a thread of the message, once."""

from __future__ import annotations

import json
from typing import Any

from bot.commands.core import Caller, Core
from bot.slack.messages import question_text
from bot.slack.render import fallback_text
from tests.bot.slack.fake_slack import FakeSlack
from tests.bot.slack.signed import SlackBot, eventually, signed_post

BOT_USER = "U-BOT"


def envelope(event: dict[str, Any], event_id: str) -> dict[str, Any]:
    """An Events API request as Slack sends it (the shape of bolt-python's own tests)."""
    return {
        "token": "verification-token",
        "team_id": "T-TEAM",
        "api_app_id": "A1",
        "event": {"event_ts": event.get("ts"), **event},
        "type": "event_callback",
        "event_id": event_id,
        "event_time": 1720000100,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": "T-TEAM",
                "user_id": BOT_USER,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": "1-app_mention-T-TEAM-C-OPS",
    }


def mention(text: str, ts: str = "1720000100.000100", **extra: Any) -> dict[str, Any]:
    return {
        "client_msg_id": "m1",
        "type": "app_mention",
        "text": f"<@{BOT_USER}> {text}",
        "user": "U-READER",
        "ts": ts,
        "team": "T-TEAM",
        "channel": "C-OPS",
        **extra,
    }


def direct(text: str, ts: str = "1720000200.000200", **extra: Any) -> dict[str, Any]:
    return {
        "client_msg_id": "m2",
        "type": "message",
        "text": text,
        "user": "U-READER",
        "ts": ts,
        "team": "T-TEAM",
        "channel": "D-READER",
        "channel_type": "im",
        **extra,
    }


async def send(bot: SlackBot, event: dict[str, Any], event_id: str, **options: Any) -> int:
    body = json.dumps(envelope(event, event_id))
    status, _ = await signed_post(bot.url, body, "application/json", **options)
    return status


async def posted(fake: FakeSlack, count: int) -> list[dict[str, Any]]:
    await eventually(lambda: len(fake.called("chat.postMessage")) >= count)
    return fake.called("chat.postMessage")


async def expected(core: Core, text: str, channel: str, user: str = "U-READER") -> str:
    """What the core answers to `text` asked as the first question of a thread of its own."""
    caller = Caller(user=user, is_admin=False, platform="slack", channel=channel)
    outcome = await core.ask(text, caller, thread=f"test:{channel}:{text}")
    return fallback_text(outcome.reply)


def test_the_mention_is_taken_off_the_question() -> None:
    assert question_text(f"<@{BOT_USER}> pause iraq", BOT_USER) == "pause iraq"
    assert question_text(f"<@{BOT_USER}|pausewatch>, since", BOT_USER) == "since"
    assert question_text(f"hey <@{BOT_USER}> since", BOT_USER) == "hey since"
    assert question_text("since &amp; more", None) == "since & more"


async def test_a_mention_is_answered_in_a_thread_of_the_message(slack_bot: SlackBot) -> None:
    question = "how many days since the last attack?"
    assert await send(slack_bot, mention(question), "Ev-M1") == 200
    [message] = await posted(slack_bot.fake, 1)
    assert message["channel"] == "C-OPS" and message["thread_ts"] == "1720000100.000100"
    assert message["text"] == await expected(slack_bot.core, question, "C-OPS")
    assert message["blocks"]


async def test_a_mention_inside_a_thread_is_answered_in_that_thread(slack_bot: SlackBot) -> None:
    event = mention("since", ts="1720000300.000300", thread_ts="1720000000.000001")
    assert await send(slack_bot, event, "Ev-M2") == 200
    [message] = await posted(slack_bot.fake, 1)
    assert message["thread_ts"] == "1720000000.000001"


async def test_a_direct_message_is_answered_in_a_thread(slack_bot: SlackBot) -> None:
    assert await send(slack_bot, direct("pause iraq"), "Ev-D1") == 200
    [message] = await posted(slack_bot.fake, 1)
    assert message["channel"] == "D-READER" and message["thread_ts"] == "1720000200.000200"
    assert message["text"] == await expected(slack_bot.core, "pause iraq", "D-READER")


async def test_writes_stay_admin_only(slack_bot: SlackBot) -> None:
    assert await send(slack_bot, mention("add 2024-07-16 country:Iraq"), "Ev-W1") == 200
    [refusal] = await posted(slack_bot.fake, 1)
    assert await slack_bot.incidents() == 0
    event = mention("add 2024-07-16 country:Iraq", ts="1720000400.000400", user="U-ADMIN")
    assert await send(slack_bot, event, "Ev-W2") == 200
    [_, recorded] = await posted(slack_bot.fake, 2)
    assert recorded["text"] != refusal["text"]
    assert await slack_bot.incidents() == 1


async def test_an_event_sent_again_is_answered_once(slack_bot: SlackBot) -> None:
    assert await send(slack_bot, mention("since"), "Ev-R1") == 200
    await posted(slack_bot.fake, 1)
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert await send(slack_bot, mention("since"), "Ev-R1", headers=retry) == 200
    # A later message is answered after the retry: a doubled answer would be there by now.
    assert await send(slack_bot, direct("since"), "Ev-R2") == 200
    await posted(slack_bot.fake, 2)
    await slack_bot.idle()
    channels = [m["channel"] for m in slack_bot.fake.called("chat.postMessage")]
    assert channels == ["C-OPS", "D-READER"]


async def test_messages_from_bots_and_edits_are_left_alone(slack_bot: SlackBot) -> None:
    own = direct("since", ts="1.1", user=BOT_USER, bot_id="B-SELF")
    other = direct("since", ts="1.2", subtype="bot_message", bot_id="B-OTHER", username="x")
    changed = direct("since", ts="1.3", subtype="message_changed")
    mentioned_by_a_bot = mention("since", ts="1.4", bot_id="B-OTHER")
    for number, event in enumerate([own, other, changed, mentioned_by_a_bot]):
        assert await send(slack_bot, event, f"Ev-B{number}") == 200
    assert await send(slack_bot, direct("since", ts="1.5"), "Ev-B9") == 200
    await posted(slack_bot.fake, 1)
    await slack_bot.idle()
    [message] = slack_bot.fake.called("chat.postMessage")
    assert message["thread_ts"] == "1.5"


async def test_a_forged_event_is_refused_and_not_answered(slack_bot: SlackBot) -> None:
    assert await send(slack_bot, mention("since"), "Ev-F1", secret="not-the-secret") == 401
    assert await send(slack_bot, mention("since"), "Ev-F2", age=10 * 60) == 401
    await slack_bot.idle()
    assert slack_bot.fake.calls == []
