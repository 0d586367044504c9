"""The Slack app in HTTP mode over real HTTP on loopback: signed requests in, Web API calls out."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.commands.core import Caller, Core
from bot.notify.delivery import Delivery
from bot.settings import PROJECT_DIR
from bot.slack.app import bound_port, build_app, serve_http, web_client
from bot.slack.home import HomeTab
from bot.slack.sender import SlackSender
from bot.slack.settings import SlackSettings
from storage.models import Incident
from tests.bot.slack.fake_slack import FakeSlack
from tests.conftest import Clock, make_settings

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
FORM = "application/x-www-form-urlencoded"


async def signed_post(
    url: str,
    body: str,
    content_type: str,
    *,
    secret: str = SECRET,
    age: int = 0,
    headers: dict[str, str] | None = None,
) -> tuple[int, str]:
    """POST a body signed as Slack signs requests; return the status and the answer's text."""
    timestamp = str(int(time.time()) - age)
    signature = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256)
    request_headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": f"v0={signature.hexdigest()}",
        **(headers or {}),
    }
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=request_headers) as response,
    ):
        return response.status, await response.text()


async def send_command(
    url: str,
    fake: FakeSlack,
    text: str,
    *,
    user: str = "U-READER",
    trigger: str = "T1",
    secret: str = SECRET,
    age: int = 0,
    headers: dict[str, str] | None = None,
) -> int:
    """Send a slash-command request as Slack does; return the HTTP status."""
    body = urlencode(
        {
            "command": "/incidents",
            "text": text,
            "user_id": user,
            "channel_id": "C-OPS",
            "team_id": "T-TEAM",
            "trigger_id": trigger,
            "response_url": fake.response_url(trigger),
        }
    )
    status, _ = await signed_post(url, body, FORM, secret=secret, age=age, headers=headers)
    return status


@dataclass
class SlackBot:
    """The bot serving HTTP mode, and the fake Slack it talks to."""

    core: Core
    fake: FakeSlack
    url: str
    slack: SlackSettings
    home: HomeTab

    async def command(self, text: str, **options: Any) -> int:
        """Send a signed slash-command request to the bot; return the HTTP status."""
        return await send_command(self.url, self.fake, text, **options)

    async def answered(self, count: int) -> list[dict]:
        """Wait until Slack's response_url has had `count` answers; return them."""
        for _ in range(250):
            if len(self.fake.responses) >= count:
                break
            await asyncio.sleep(0.02)
        return self.fake.responses

    async def incidents(self) -> int:
        async with self.core.database.read() as session:
            return await session.scalar(select(func.count()).select_from(Incident)) or 0


@pytest.fixture
async def slack_bot(
    database, database_url: str, clock: Clock, fake_slack: FakeSlack
) -> AsyncIterator[SlackBot]:
    core = Core(
        database=database, settings=make_settings(database_url, admins=["U-ADMIN"]), clock=clock
    )
    await core.prepare()
    slack = SlackSettings(
        slack_bot_token="xoxb-test",
        slack_signing_secret=SECRET,
        slack_api_url=fake_slack.api_url,
    )
    client = web_client(slack)
    home = HomeTab(core, client)
    runner = await serve_http(build_app(core, slack, client, home), "127.0.0.1", 0)
    try:
        url = f"http://127.0.0.1:{bound_port(runner)}/slack/events"
        yield SlackBot(core, fake_slack, url, slack, home)
    finally:
        await runner.cleanup()


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
    assert "Only admins may `add`" in refused["blocks"][0]["text"]["text"]
    assert await slack_bot.incidents() == 1


async def test_forged_and_stale_requests_are_rejected_and_change_nothing(
    slack_bot: SlackBot,
) -> None:
    assert await slack_bot.command("add 2024-07-16", user="U-ADMIN", secret="not-the-secret") == 401
    assert await slack_bot.command("add 2024-07-16", user="U-ADMIN", age=6 * 60) == 401
    await asyncio.sleep(0.2)
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


async def send_event(url: str, event: dict[str, Any], event_id: str = "Ev1") -> int:
    """Send an Events API request as Slack does; return the HTTP status."""
    envelope = {
        "type": "event_callback",
        "team_id": "T-TEAM",
        "api_app_id": "A1",
        "event": event,
        "event_id": event_id,
    }
    status, _ = await signed_post(url, json.dumps(envelope), "application/json")
    return status


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


def test_the_manifest_names_the_command_and_the_scopes_the_app_uses() -> None:
    manifest = (PROJECT_DIR / "config" / "slack-manifest.yml").read_text(encoding="utf-8")
    assert f"- command: {make_settings('sqlite+aiosqlite:///x.db').slack_command}\n" in manifest
    bot_scopes = manifest.split("    bot:\n", 1)[1].split("settings:", 1)[0]
    scopes = re.findall(r"^      - ([a-z:_.]+)$", bot_scopes, flags=re.M)
    assert scopes == ["commands", "chat:write", "files:write", "channels:history", "groups:history"]
    assert "app_home_opened" in manifest and "home_tab_enabled: true" in manifest


async def send_submission(url: str, values: dict[str, dict[str, Any]], user: str = "U-ADMIN"):
    """Send a signed view_submission of the add modal; return (status, JSON body or None)."""
    payload = {
        "type": "view_submission",
        "team": {"id": "T-TEAM"},
        "user": {"id": user},
        "api_app_id": "A1",
        "view": {
            "id": "V1",
            "type": "modal",
            "callback_id": "pausewatch_add",
            "private_metadata": "C-OPS",
            "state": {"values": values},
        },
    }
    body = urlencode({"payload": json.dumps(payload)})
    status, text = await signed_post(url, body, FORM)
    return status, (json.loads(text) if text else None)


def form(**fields: str) -> dict[str, dict[str, Any]]:
    """Fill the add modal as a person would: the day, the series, and some text fields."""
    values: dict[str, dict[str, Any]] = {
        "date": {"value": {"type": "datepicker", "selected_date": fields.pop("date", None)}},
        "series": {
            "value": {
                "type": "static_select",
                "selected_option": {"value": fields.pop("series", "attacks")},
            }
        },
    }
    for name, text in fields.items():
        values[name] = {"value": {"type": "plain_text_input", "value": text}}
    return values


async def test_add_alone_opens_the_modal_for_admins_only(slack_bot: SlackBot) -> None:
    assert await slack_bot.command("add", user="U-ADMIN", trigger="T-MODAL") == 200
    for _ in range(250):
        if slack_bot.fake.called("views.open"):
            break
        await asyncio.sleep(0.02)
    [opened] = slack_bot.fake.called("views.open")
    assert opened["trigger_id"] == "T-MODAL"
    assert opened["view"]["callback_id"] == "pausewatch_add"
    assert [b["block_id"] for b in opened["view"]["blocks"]][:3] == ["date", "series", "time"]
    assert await slack_bot.command("add", user="U-READER", trigger="T-2") == 200
    [refusal] = await slack_bot.answered(1)
    assert "Only admins may `add`" in refusal["text"]
    assert len(slack_bot.fake.called("views.open")) == 1


async def test_the_modal_shows_errors_field_by_field_and_stores_nothing(
    slack_bot: SlackBot,
) -> None:
    status, answer = await send_submission(
        slack_bot.url, form(date="2099-01-01", killed="two", time="25:00", country="Iraq")
    )
    assert status == 200
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"date", "killed", "time"}
    assert "in the future" in answer["errors"]["date"]
    assert "not a whole number" in answer["errors"]["killed"]
    assert await slack_bot.incidents() == 0


async def test_a_valid_modal_records_the_incident(slack_bot: SlackBot) -> None:
    status, answer = await send_submission(
        slack_bot.url,
        form(date="2024-07-16", location="Ain al-Assad", country="Iraq", quantity="2"),
    )
    assert status == 200 and answer in (None, {})
    for _ in range(250):
        if slack_bot.fake.called("chat.postEphemeral"):
            break
        await asyncio.sleep(0.02)
    [told] = slack_bot.fake.called("chat.postEphemeral")
    assert (told["channel"], told["user"]) == ("C-OPS", "U-ADMIN")
    assert told["text"].startswith("Recorded attack #1 on 16 Jul 2024")
    assert await slack_bot.incidents() == 1
    refused_status, _ = await send_submission(
        slack_bot.url, form(date="2024-07-17"), user="U-READER"
    )
    assert refused_status == 200
    await asyncio.sleep(0.2)
    assert await slack_bot.incidents() == 1


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
