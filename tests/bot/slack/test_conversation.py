"""A Slack thread is a conversation: follow-ups, choices clicked, one answer across replicas."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import date
from typing import Any
from urllib.parse import urlencode

from bot.commands.core import Caller, Core
from bot.slack.render import CHOICES_BLOCK, fallback_text
from storage.database import open_database
from tests.bot.slack.fake_slack import FakeSlack
from tests.bot.slack.signed import FORM, SlackBot, eventually, serving, signed_post
from tests.bot.slack.test_messages import BOT_USER, direct, mention, posted, send
from tests.conftest import NOW, Clock, make_settings

ADMIN = Caller("U-ADMIN", True, platform="slack", channel="C-OPS")
# The last attack in Iraq 24 days before NOW, in Syria 55 days before, and a later one in
# Jordan, so that neither is the last attack of all.
INCIDENTS = (
    "add 2026-11-01 country:Iraq",
    "add 2026-10-01 country:Syria",
    "add 2026-11-20 country:Jordan",
)
# An attack and a U.S. strike: a question naming both series is asked back, which was meant.
TWO_SERIES = (
    "add 2026-11-01 country:Iraq",
    "add 2026-10-01 us-strikes country:Syria",
)
THREAD = "1720001000.000100"
RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


@contextlib.asynccontextmanager
async def replica(database_url: str, clock: Clock) -> AsyncIterator[SlackBot]:
    """Run one more pausewatch on the same database: its own engine, core, app and Slack fake."""
    database = open_database(database_url)
    fake = FakeSlack()
    await fake.start()
    try:
        core = Core(
            database=database,
            settings=make_settings(database_url, admins=["U-ADMIN"]),
            clock=clock,
        )
        await core.prepare()
        async with serving(core, fake) as bot:
            yield bot
            await bot.idle()
    finally:
        await fake.stop()
        await database.dispose()


async def record(core: Core, *lines: str) -> None:
    for line in lines:
        reply = await core.handle(line, ADMIN)
        assert not reply.is_error, reply.headline


async def headline(core: Core, text: str) -> str:
    """The first line of what the core answers to an explicit command, outside any thread."""
    caller = Caller("U-READER", False, platform="slack", channel="C-OPS")
    return fallback_text(await core.handle(text, caller)).split("\n", 1)[0]


def in_thread(fake: FakeSlack, thread: str) -> list[dict[str, Any]]:
    return [m for m in fake.called("chat.postMessage") if m.get("thread_ts") == thread]


def first_line(message: dict[str, Any]) -> str:
    return str(message["text"]).split("\n", 1)[0]


async def test_a_follow_up_in_the_thread_changes_one_part_of_the_question(
    slack_bot: SlackBot,
) -> None:
    await record(slack_bot.core, *INCIDENTS)
    assert await send(slack_bot, mention("since country:Iraq", ts=THREAD), "Ev-C1") == 200
    [iraq] = await posted(slack_bot.fake, 1)
    assert first_line(iraq) == await headline(slack_bot.core, "since country:Iraq")
    # Another thread in the channel asks something else in between.
    assert await send(slack_bot, mention("pauses", ts="1720001005.000100"), "Ev-C2") == 200
    await posted(slack_bot.fake, 2)
    follow_up = mention("and in Syria?", ts="1720001010.000100", thread_ts=THREAD)
    assert await send(slack_bot, follow_up, "Ev-C3") == 200
    await posted(slack_bot.fake, 3)
    [_, syria] = in_thread(slack_bot.fake, THREAD)
    expected = await headline(slack_bot.core, "since country:Syria")
    assert expected.startswith(f"{(NOW.date() - date(2026, 10, 1)).days} days since")
    assert first_line(syria) == expected


async def test_a_follow_up_in_a_direct_messages_thread(slack_bot: SlackBot) -> None:
    await record(slack_bot.core, *INCIDENTS)
    assert await send(slack_bot, direct("since country:Iraq", ts=THREAD), "Ev-D1") == 200
    await posted(slack_bot.fake, 1)
    follow_up = direct("and in Syria?", ts="1720001010.000100", thread_ts=THREAD)
    assert await send(slack_bot, follow_up, "Ev-D2") == 200
    await posted(slack_bot.fake, 2)
    [iraq, syria] = in_thread(slack_bot.fake, THREAD)
    assert iraq["channel"] == syria["channel"] == "D-READER"
    assert first_line(syria) == await headline(slack_bot.core, "since country:Syria")


async def test_a_follow_up_after_a_restart(database_url: str, clock: Clock) -> None:
    async with replica(database_url, clock) as before:
        await record(before.core, *INCIDENTS)
        assert await send(before, mention("since country:Iraq", ts=THREAD), "Ev-A1") == 200
        await posted(before.fake, 1)
    # A new process on the same database: nothing of the thread is left in memory.
    async with replica(database_url, clock) as after:
        follow_up = mention("and in Syria?", ts="1720001010.000100", thread_ts=THREAD)
        assert await send(after, follow_up, "Ev-A2") == 200
        [syria] = await posted(after.fake, 1)
        assert syria["thread_ts"] == THREAD
        assert first_line(syria) == await headline(after.core, "since country:Syria")


async def wait_for_both(first: SlackBot, second: SlackBot, marker: int) -> None:
    """Send each replica a later message and wait for its answer and for it to be idle.

    Each replica answers its marker after the events sent to it before: a doubled answer
    would be there by then.
    """
    for number, bot in enumerate((first, second)):
        ts = f"17200020{marker}{number}.000100"
        assert await send(bot, direct("help", ts=ts), f"Ev-MARK-{marker}{number}") == 200
        await eventually(lambda bot=bot, ts=ts: in_thread(bot.fake, ts))
    await first.idle()
    await second.idle()


async def test_an_event_retried_to_another_replica_is_answered_once(
    database_url: str, clock: Clock
) -> None:
    async with replica(database_url, clock) as one, replica(database_url, clock) as two:
        # Slack sends the event to one replica, whose acknowledgement seems late, and again
        # to the other while the first is still answering.
        event = mention("since", ts=THREAD)
        statuses = await asyncio.gather(
            send(one, event, "Ev-T1"), send(two, event, "Ev-T1", headers=RETRY)
        )
        assert statuses == [200, 200]
        await wait_for_both(one, two, 1)
        answers = in_thread(one.fake, THREAD) + in_thread(two.fake, THREAD)
        assert len(answers) == 1
        # And again once the first has answered: the other replica posts nothing.
        later = mention("pause", ts="1720001100.000100")
        assert await send(one, later, "Ev-T2") == 200
        await eventually(lambda: in_thread(one.fake, "1720001100.000100"))
        assert await send(two, later, "Ev-T2", headers=RETRY) == 200
        await wait_for_both(one, two, 2)
        assert in_thread(two.fake, "1720001100.000100") == []
        assert len(in_thread(one.fake, "1720001100.000100")) == 1


def click_body(clicked: dict[str, Any], button: dict[str, Any], *, user: str, at: str) -> str:
    """A block_actions request as Slack sends it for a button of a message in a thread.

    The shape of bolt-python's tests (tests/scenario_tests_async/test_block_actions_respond.py),
    with the thread Slack names for a message that is a reply in one.
    """
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": "reader", "name": "reader", "team_id": "T-TEAM"},
        "api_app_id": "A1",
        "token": "verification-token",
        "container": {
            "type": "message",
            "message_ts": clicked["ts"],
            "channel_id": "C-OPS",
            "is_ephemeral": False,
            "thread_ts": clicked["thread_ts"],
        },
        "trigger_id": f"4916855695380.{at}",
        "team": {"id": "T-TEAM", "domain": "team"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": "C-OPS", "name": "ops"},
        "message": {
            "bot_id": "B-SELF",
            "type": "message",
            "text": clicked["text"],
            "user": BOT_USER,
            "ts": clicked["ts"],
            "thread_ts": clicked["thread_ts"],
            "parent_user_id": "U-READER",
            "app_id": "A1",
            "blocks": clicked["blocks"],
            "team": "T-TEAM",
        },
        "state": {"values": {}},
        "response_url": "https://hooks.slack.com/actions/T-TEAM/1/abc",
        "actions": [
            {
                "action_id": button["action_id"],
                "block_id": CHOICES_BLOCK,
                "text": button["text"],
                "value": button["value"],
                "type": "button",
                "action_ts": at,
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})


def offered(fake: FakeSlack, thread: str) -> dict[str, Any]:
    """The ask-back message in the thread, as Slack keeps it (with its ts and blocks)."""
    [asked] = in_thread(fake, thread)
    blocks = asked["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    [kept] = [m for m in fake.history["C-OPS"] if m["text"] == asked["text"]]
    return {"ts": kept["ts"], "thread_ts": thread, "text": asked["text"], "blocks": blocks}


async def test_a_choice_clicked_is_answered_in_the_thread(slack_bot: SlackBot) -> None:
    await record(slack_bot.core, *TWO_SERIES)
    question = mention("since attacks or strikes", ts=THREAD)
    assert await send(slack_bot, question, "Ev-K1") == 200
    await posted(slack_bot.fake, 1)
    clicked = offered(slack_bot.fake, THREAD)
    [buttons] = [b for b in clicked["blocks"] if b.get("block_id") == CHOICES_BLOCK]
    labels = [button["text"]["text"] for button in buttons["elements"]]
    [button] = [b for b in buttons["elements"] if "us-strikes" in b["text"]["text"]]
    assert len(labels) >= 2, labels
    # Each button is one of the numbered readings the message lists.
    for number, label in enumerate(labels, start=1):
        assert f"{number}. " in clicked["text"] and label.rstrip("…") in clicked["text"]
    body = click_body(clicked, button, user="U-READER", at="1720001200.000001")
    status, _ = await signed_post(slack_bot.url, body, FORM)
    assert status == 200
    await posted(slack_bot.fake, 2)
    [_, answer] = in_thread(slack_bot.fake, THREAD)
    assert answer["channel"] == "C-OPS"
    expected = await headline(slack_bot.core, "since us-strikes")
    assert expected.startswith(f"{(NOW.date() - date(2026, 10, 1)).days} days since")
    assert first_line(answer) == expected
    # The offer's buttons give way to the reading picked, so that none is clicked again.
    await eventually(lambda: slack_bot.fake.called("chat.update"))
    [closed] = slack_bot.fake.called("chat.update")
    assert closed["channel"] == "C-OPS" and closed["ts"] == clicked["ts"]
    assert closed["text"] == clicked["text"]
    closed_blocks = closed["blocks"]
    assert [b for b in closed_blocks if b["type"] == "actions"] == []
    assert closed_blocks[:-1] == [b for b in clicked["blocks"] if b["type"] != "actions"]
    [who, what] = closed_blocks[-1]["elements"]
    assert who["text"] == f"<@U-READER> chose {button['value']}:"
    assert what == {"type": "plain_text", "text": button["text"]["text"]}
    # Clicked again before the buttons went (a double click, someone else, the other
    # button): the reading is picked already, and nothing more is answered.
    for other in buttons["elements"]:
        again = click_body(clicked, other, user="U-OTHER", at=f"17200012{other['value']}.01")
        assert (await signed_post(slack_bot.url, again, FORM))[0] == 200
    assert await send(slack_bot, direct("help", ts="1720001300.000100"), "Ev-K2") == 200
    await posted(slack_bot.fake, 3)
    await slack_bot.idle()
    assert len(in_thread(slack_bot.fake, THREAD)) == 2
    # The thread goes on from the reading picked: a follow-up changes one part of it.
    follow_up = mention("and in Syria?", ts="1720001400.000100", thread_ts=THREAD)
    assert await send(slack_bot, follow_up, "Ev-K3") == 200
    await posted(slack_bot.fake, 4)
    [*_, syria] = in_thread(slack_bot.fake, THREAD)
    assert first_line(syria) == await headline(slack_bot.core, "since us-strikes country:Syria")
