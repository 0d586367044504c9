"""The Slack app in HTTP mode over real HTTP on loopback: signed requests in, Web API calls out."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from bot.commands.core import Caller
from bot.commands.teams import not_a_team_admin
from bot.notify.delivery import Delivery
from bot.settings import PROJECT_DIR
from bot.slack.app import web_client
from bot.slack.sender import SlackSender
from tests.bot.slack.fake_slack import FakeSlack
from tests.bot.slack.signed import (
    FORM,
    SIGNED_AT,
    SlackBot,
    command_body,
    post,
    send_event,
    signature,
    signed_post,
)
from tests.conftest import Clock, make_settings


async def test_a_question_is_acknowledged_and_answered_privately(slack_bot: SlackBot) -> None:
    await slack_bot.core.handle("add 2024-04-22", Caller("U-ADMIN", True, "slack", "C-OPS"))
    assert await slack_bot.command("since as-of 2024-07-15") == 200
    [answer] = await slack_bot.answered(1)
    assert answer["response_type"] == "ephemeral"
    assert answer["blocks"][0]["text"]["text"] == "84 days since the last attack"
    assert answer["text"].startswith("84 days since the last attack")


async def test_an_admin_adds_publicly_and_a_reader_is_refused(slack_bot: SlackBot) -> None:
    assert await slack_bot.command("add 2024-07-16 country:Iraq public", user="U-ADMIN") == 200
    [added] = await slack_bot.answered(1)
    assert added["response_type"] == "in_channel"
    assert added["blocks"][0]["text"]["text"] == "Recorded attack #1 on 16 Jul 2024"
    assert await slack_bot.command("add 2024-07-17", user="U-READER", trigger="T2") == 200
    refused = (await slack_bot.answered(2))[1]
    assert refused["response_type"] == "ephemeral"
    assert not_a_team_admin("add").headline in refused["blocks"][0]["text"]["text"]
    assert await slack_bot.incidents() == 1


async def test_forged_and_stale_requests_are_rejected_and_change_nothing(
    slack_bot: SlackBot,
) -> None:
    assert await slack_bot.command("add 2024-07-16", user="U-ADMIN", secret="not-the-secret") == 401
    assert await slack_bot.command("add 2024-07-16", user="U-ADMIN", age=6 * 60) == 401
    # Refused before anything runs: nothing can be on its way when the 401 arrives.
    assert slack_bot.fake.responses == []
    assert await slack_bot.incidents() == 0


async def test_a_retried_add_is_recorded_once(slack_bot: SlackBot) -> None:
    assert await slack_bot.command("add 2024-07-16", user="U-ADMIN", trigger="T9") == 200
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert (
        await slack_bot.command("add 2024-07-16", user="U-ADMIN", trigger="T9", headers=retry)
        == 200
    )
    await slack_bot.answered(1)
    await asyncio.sleep(0.2)
    assert await slack_bot.incidents() == 1
    assert len(slack_bot.fake.responses) == 1


async def test_adds_without_a_trigger_id_are_each_stored_and_a_replay_is_not(
    slack_bot: SlackBot,
) -> None:
    # Without a trigger id a command is known by its signature: two commands (signed at
    # different moments) are two; the same signed request sent again is one.
    body = command_body(slack_bot.fake, "add 2024-07-16", user="U-ADMIN", trigger=None)
    for age in (0, 5):
        timestamp = str(SIGNED_AT - age)
        headers = {
            "Content-Type": FORM,
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature(body, timestamp),
        }
        for _ in range(2 if age else 1):
            assert (await post(slack_bot.url, body, headers))[0] == 200
    # Each is answered after its acknowledgement, so in either order; the replay not at all.
    added = sorted(a["text"].split(" on ")[0] for a in await slack_bot.answered(2))
    assert added == ["Recorded attack #1", "Recorded attack #2"]
    # A question sent after both answers is answered next: a doubled add would come first.
    later = command_body(slack_bot.fake, "since as-of 2024-07-20", user="U-ADMIN", trigger=None)
    assert (await signed_post(slack_bot.url, later, FORM))[0] == 200
    answers = await slack_bot.answered(3)
    assert answers[2]["text"].startswith("4 days since the last attack")
    assert await slack_bot.incidents() == 2


async def test_help_on_slack_shows_the_text_syntax(slack_bot: SlackBot) -> None:
    assert await slack_bot.command("help") == 200
    [answer] = await slack_bot.answered(1)
    assert "• since [SERIES] [FILTERS] [as-of DATE]" in answer["blocks"][1]["text"]["text"]


async def test_a_channel_subscribed_by_command_gets_the_alert(
    slack_bot: SlackBot, clock: Clock
) -> None:
    commands = ["subscribe alerts", "add 2024-04-22", "add 2024-07-16"]
    for number, text in enumerate(commands, start=1):
        # Each is answered after its acknowledgement: wait, as a person would, to keep order.
        assert await slack_bot.command(text, user="U-ADMIN", trigger=f"T{number}") == 200
        await slack_bot.answered(number)
    delivery = Delivery(
        slack_bot.core.database, [SlackSender(web_client(slack_bot.slack))], clock=clock
    )
    await delivery.drain()
    [posted] = slack_bot.fake.called("chat.postMessage")
    assert posted["channel"] == "C-OPS"
    assert posted["text"].startswith("New attack on 16 Jul 2024 ends an 86-day pause")


async def published(fake: FakeSlack, count: int) -> list[dict[str, Any]]:
    for _ in range(250):
        if len(fake.called("views.publish")) >= count:
            break
        await asyncio.sleep(0.02)
    return fake.called("views.publish")


async def test_the_home_tab_shows_each_series_and_follows_new_incidents(
    slack_bot: SlackBot,
) -> None:
    admin = Caller("U-ADMIN", True, "slack", "C-OPS")
    await slack_bot.core.handle("add 2026-11-20 country:Iraq", admin)
    event = {"type": "app_home_opened", "user": "U-READER", "tab": "home", "channel": "D1"}
    assert await send_event(slack_bot.url, event) == 200
    [first] = await published(slack_bot.fake, 1)
    assert first["user_id"] == "U-READER"
    texts = [block.get("text", {}).get("text", "") for block in first["view"]["blocks"]]
    assert "attacks" in texts and "us-strikes" in texts
    assert "*5 days since the last attack*" in texts
    # A new incident refreshes the tab of everyone who opened it.
    slack_bot.core.notify = slack_bot.home.refresh_soon
    await slack_bot.core.handle("add 2026-11-24 country:Iraq", admin)
    second = (await published(slack_bot.fake, 2))[1]
    texts = [block.get("text", {}).get("text", "") for block in second["view"]["blocks"]]
    assert "*1 day since the last attack*" in texts


SCOPES = [
    "commands",
    "chat:write",
    "app_mentions:read",
    "im:history",
    "files:write",
    "channels:history",
    "groups:history",
    "channels:read",
    "groups:read",
    "im:read",
    "mpim:read",
    "users:read",
]


def manifest(name: str) -> str:
    return (PROJECT_DIR / "config" / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["slack-manifest.yml", "slack-manifest-socket-mode.yml"])
def test_the_manifests_name_the_command_and_the_scopes_the_app_uses(name: str) -> None:
    text = manifest(name)
    assert f"- command: {make_settings('sqlite+aiosqlite:///x.db').slack_command}\n" in text
    bot_scopes = text.split("    bot:\n", 1)[1].split("settings:", 1)[0]
    assert re.findall(r"^      - ([a-z:_.]+)$", bot_scopes, flags=re.M) == SCOPES
    assert "app_home_opened" in text and "home_tab_enabled: true" in text
    assert "      - app_mention\n      - message.im\n" in text
    assert "messages_tab_enabled: true" in text


def test_the_socket_mode_manifest_needs_no_edits() -> None:
    http, socket = manifest("slack-manifest.yml"), manifest("slack-manifest-socket-mode.yml")
    assert re.findall(r"url: (\S+)", http) == ["https://YOUR-HOST/slack/events"] * 3
    assert "url:" not in socket and "YOUR-HOST" not in socket
    assert "socket_mode_enabled: true" in socket and "socket_mode_enabled: false" in http


async def test_the_chart_command_posts_the_chart_to_the_channel(slack_bot: SlackBot) -> None:
    assert await slack_bot.command("chart as-of 2024-07-22", trigger="T-CHART") == 200
    for _ in range(250):
        if slack_bot.fake.called("files.completeUploadExternal"):
            break
        await asyncio.sleep(0.02)
    [answer] = await slack_bot.answered(1)
    assert answer["blocks"][0]["text"]["text"] == "Attacks per week, 52 weeks to 22 Jul 2024"
    [completed] = slack_bot.fake.called("files.completeUploadExternal")
    assert completed["channel_id"] == "C-OPS"
    [content] = slack_bot.fake.uploads.values()
    assert b"PNG" in content[:200]
