"""Socket Mode: the bot connects out to (a fake of) Slack and answers over the socket."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs

import pytest
from sqlalchemy import func, select

from bot.commands.core import Core
from bot.platforms import run_platforms
from bot.slack.app import SlackPlatform
from bot.slack.render import CHOICES_BLOCK
from bot.slack.settings import SlackSettings
from storage.models import Incident
from tests.bot.slack.fake_slack import FakeSlack
from tests.bot.slack.signed import eventually
from tests.bot.slack.test_conversation import (
    THREAD,
    TWO_SERIES,
    click_body,
    first_line,
    headline,
    in_thread,
    offered,
    record,
)
from tests.bot.slack.test_messages import direct, envelope, mention, posted
from tests.conftest import Clock, make_settings


def slash_command(
    fake: FakeSlack, envelope_id: str, text: str, trigger: str, **extra: Any
) -> dict[str, Any]:
    """A slash command envelope, as Slack sends it over the socket."""
    return {
        "envelope_id": envelope_id,
        "type": "slash_commands",
        "accepts_response_payload": True,
        "payload": {
            "command": "/incidents",
            "text": text,
            "user_id": "U-ADMIN",
            "channel_id": "C-OPS",
            "team_id": "T-TEAM",
            "trigger_id": trigger,
            "response_url": fake.response_url(trigger),
        },
        **extra,
    }


@pytest.fixture
async def socket_platform(
    database, database_url: str, clock: Clock, fake_slack: FakeSlack
) -> AsyncIterator[SlackPlatform]:
    """Run the bot in Socket Mode against the fake until the test ends."""
    core = Core(
        database=database, settings=make_settings(database_url, admins=["U-ADMIN"]), clock=clock
    )
    await core.prepare()
    slack = SlackSettings(
        slack_bot_token="xoxb-test", slack_app_token="xapp-test", slack_api_url=fake_slack.api_url
    )
    # A short ping interval, so that a dead connection is noticed within the test.
    platform = SlackPlatform(core, slack, socket_ping_seconds=0.2)
    stop = asyncio.Event()
    running = asyncio.create_task(run_platforms(core, [platform], stop))
    try:
        await eventually(lambda: fake_slack.sockets)
        yield platform
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=10)


@pytest.fixture
def socket_bot(socket_platform: SlackPlatform) -> Core:
    """The command core of the bot running in Socket Mode."""
    return socket_platform.core


async def test_readiness_follows_the_socket(
    socket_platform: SlackPlatform, fake_slack: FakeSlack
) -> None:
    await eventually(socket_platform.is_connected)
    # Slack refuses new connections for a while, and the network drops the open one.
    for _ in range(3):
        fake_slack.fail("apps.connections.open", 200, {"ok": False, "error": "internal_error"})
    fake_slack.drop()
    await eventually(lambda: not socket_platform.is_connected())
    # Once Slack gives a connection again, the bot is ready again.
    await eventually(socket_platform.is_connected)
    assert len(fake_slack.called("apps.connections.open")) >= 4


async def test_a_slash_command_over_socket_mode_is_acknowledged_and_answered(
    socket_bot: Core, fake_slack: FakeSlack
) -> None:
    await fake_slack.push(
        slash_command(fake_slack, "E-1", "add 2024-07-16 country:Iraq", "T-SOCKET")
    )
    await eventually(lambda: fake_slack.responses)
    await eventually(lambda: fake_slack.acknowledged)
    assert [a["envelope_id"] for a in fake_slack.acknowledged] == ["E-1"]
    [answer] = fake_slack.responses
    assert answer["blocks"][0]["text"]["text"] == "Recorded attack #1 on 16 Jul 2024"
    assert fake_slack.called("apps.connections.open")


async def test_after_a_disconnect_and_a_dropped_socket_a_command_is_answered_once(
    socket_bot: Core, fake_slack: FakeSlack
) -> None:
    # Slack asks the app to move to a new connection...
    await fake_slack.push({"type": "disconnect", "reason": "refresh_requested"})
    await eventually(lambda: len(fake_slack.sockets) == 2)
    # ...then the network drops the new one without a word.
    fake_slack.drop()
    await eventually(lambda: len(fake_slack.sockets) == 3)
    assert len(fake_slack.called("apps.connections.open")) == 3
    # The command arrives, and Slack sends it again (as it does when an ack seems lost).
    envelope = slash_command(fake_slack, "E-2", "add 2024-07-16 country:Iraq", "T-AGAIN")
    await fake_slack.push(envelope)
    await eventually(lambda: fake_slack.responses)
    await fake_slack.push({**envelope, "retry_attempt": 1, "retry_reason": "timeout"})
    await eventually(lambda: len(fake_slack.acknowledged) == 2)
    # A later command is answered after them: any doubled answer would be there by now.
    await fake_slack.push(slash_command(fake_slack, "E-3", "since as-of 2024-07-20", "T-LATER"))
    await eventually(lambda: len(fake_slack.responses) >= 2)
    assert [r["name"] for r in fake_slack.responses] == ["T-AGAIN", "T-LATER"]
    assert fake_slack.responses[1]["text"].startswith("4 days since the last attack")
    async with socket_bot.database.read() as session:
        assert await session.scalar(select(func.count()).select_from(Incident)) == 1


async def test_a_mention_over_socket_mode_is_answered_in_a_thread(
    socket_platform: SlackPlatform, fake_slack: FakeSlack
) -> None:
    payload = envelope(mention("since"), "Ev-S1")
    socket_envelope = {
        "envelope_id": "E-EV",
        "type": "events_api",
        "accepts_response_payload": False,
        "payload": payload,
    }
    await fake_slack.push(socket_envelope)
    [message] = await posted(fake_slack, 1)
    assert message["channel"] == "C-OPS" and message["thread_ts"] == "1720000100.000100"
    await eventually(lambda: fake_slack.acknowledged)
    # Slack sends it again over the socket: it is not answered again.
    await fake_slack.push({**socket_envelope, "retry_attempt": 1, "retry_reason": "timeout"})
    await eventually(lambda: len(fake_slack.acknowledged) == 2)
    await fake_slack.push(
        {**socket_envelope, "envelope_id": "E-EV2", "payload": envelope(direct("since"), "Ev-S2")}
    )
    await posted(fake_slack, 2)
    assert [m["channel"] for m in fake_slack.called("chat.postMessage")] == ["C-OPS", "D-READER"]


def events_api(envelope_id: str, payload: dict[str, Any]) -> dict[str, Any]:
    """An Events API request as Slack sends it over the socket."""
    return {
        "envelope_id": envelope_id,
        "type": "events_api",
        "accepts_response_payload": False,
        "payload": payload,
    }


async def test_a_follow_up_and_a_choice_over_socket_mode_stay_in_the_thread(
    socket_platform: SlackPlatform, fake_slack: FakeSlack
) -> None:
    await record(socket_platform.core, *TWO_SERIES)
    question = mention("since attacks or strikes", ts=THREAD)
    await fake_slack.push(events_api("E-Q1", envelope(question, "Ev-SQ1")))
    await posted(fake_slack, 1)
    clicked = offered(fake_slack, THREAD)
    [buttons] = [b for b in clicked["blocks"] if b.get("block_id") == CHOICES_BLOCK]
    [button] = [b for b in buttons["elements"] if "us-strikes" in b["text"]["text"]]
    # The click comes over the socket as an interactive envelope, its payload the JSON itself.
    payload = json.loads(
        parse_qs(click_body(clicked, button, user="U-READER", at="2.1"))["payload"][0]
    )
    await fake_slack.push(
        {
            "envelope_id": "E-C1",
            "type": "interactive",
            "accepts_response_payload": False,
            "payload": payload,
        }
    )
    await posted(fake_slack, 2)
    follow_up = mention("and in Syria?", ts="1720001400.000100", thread_ts=THREAD)
    await fake_slack.push(events_api("E-Q2", envelope(follow_up, "Ev-SQ2")))
    await posted(fake_slack, 3)
    [_, strikes, syria] = in_thread(fake_slack, THREAD)
    assert first_line(strikes) == await headline(socket_platform.core, "since us-strikes")
    expected = await headline(socket_platform.core, "since us-strikes country:Syria")
    assert first_line(syria) == expected
    await eventually(lambda: len(fake_slack.acknowledged) == 3)
    acknowledged = [a["envelope_id"] for a in fake_slack.acknowledged]
    assert sorted(acknowledged) == ["E-C1", "E-Q1", "E-Q2"]
