"""Requests as Slack sends them (signed with the app's secret), and the bot that answers them."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp
from sqlalchemy import func, select

from bot.commands.core import Core
from bot.slack.app import build_app, serve_http, web_client
from bot.slack.home import HomeTab
from bot.slack.http import bound_port
from bot.slack.settings import SlackSettings
from storage.models import Incident
from tests.bot.slack.fake_slack import FakeSlack
from tests.conftest import NOW

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
FORM = "application/x-www-form-urlencoded"
# When the requests are signed: the moment the test clock starts at, so that the bot (which
# judges staleness by its own clock) finds them fresh whatever the date.
SIGNED_AT = int(NOW.timestamp())


def signature(body: str | bytes, timestamp: str, secret: str = SECRET) -> str:
    """Sign a body as Slack does: v0=HMAC-SHA256 of `v0:timestamp:body`."""
    raw = body.encode() if isinstance(body, str) else body
    base = b"v0:" + timestamp.encode() + b":" + raw
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


async def post(url: str, body: str | bytes, headers: dict[str, str]) -> tuple[int, str]:
    """POST a body with the given headers; return the status and the answer's text."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=headers) as response,
    ):
        return response.status, await response.text()


async def signed_post(
    url: str,
    body: str | bytes,
    content_type: str,
    *,
    secret: str = SECRET,
    age: int = 0,
    headers: dict[str, str] | None = None,
) -> tuple[int, str]:
    """POST a body signed as Slack signs requests; return the status and the answer's text."""
    timestamp = str(SIGNED_AT - age)
    request_headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature(body, timestamp, secret),
        **(headers or {}),
    }
    return await post(url, body, request_headers)


def command_body(fake: FakeSlack, text: str, *, user: str, trigger: str | None) -> str:
    """Write a slash command's form body as Slack does."""
    fields = {
        "command": "/incidents",
        "text": text,
        "user_id": user,
        "channel_id": "C-OPS",
        "team_id": "T-TEAM",
        "response_url": fake.response_url(trigger or "no-trigger"),
    }
    if trigger is not None:
        fields["trigger_id"] = trigger
    return urlencode(fields)


async def send_command(
    url: str,
    fake: FakeSlack,
    text: str,
    *,
    user: str = "U-READER",
    trigger: str | None = "T1",
    secret: str = SECRET,
    age: int = 0,
    headers: dict[str, str] | None = None,
) -> int:
    """Send a slash-command request as Slack does; return the HTTP status."""
    body = command_body(fake, text, user=user, trigger=trigger)
    status, _ = await signed_post(url, body, FORM, secret=secret, age=age, headers=headers)
    return status


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


def form(**fields: str) -> dict[str, dict[str, Any]]:
    """Fill the add modal as a person would: the day, the series, and some text fields."""
    values: dict[str, dict[str, Any]] = {
        "date": {"value": {"type": "datepicker", "selected_date": fields.pop("date", None)}},
        "series": {
            "series": {
                "type": "external_select",
                "selected_option": {
                    "text": {"type": "plain_text", "text": "x"},
                    "value": fields.pop("series", "attacks"),
                },
            }
        },
    }
    for name, text in fields.items():
        values[name] = {"value": {"type": "plain_text_input", "value": text}}
    return values


def submission_body(
    values: dict[str, dict[str, Any]],
    *,
    user: str = "U-ADMIN",
    metadata: str = '{"channel": "C-OPS", "response_url": null}',
    view_id: str = "V1",
) -> str:
    """Write a view_submission of the add modal as Slack does (a form with `payload=`)."""
    payload = {
        "type": "view_submission",
        "team": {"id": "T-TEAM", "domain": "team"},
        "user": {"id": user, "team_id": "T-TEAM"},
        "api_app_id": "A1",
        "trigger_id": "T-VIEW",
        "view": {
            "id": view_id,
            "type": "modal",
            "callback_id": "pausewatch_add",
            "private_metadata": metadata,
            "hash": "h1",
            "state": {"values": values},
        },
        "response_urls": [],
    }
    return urlencode({"payload": json.dumps(payload)})


async def send_submission(
    url: str, values: dict[str, dict[str, Any]], **options: Any
) -> tuple[int, Any]:
    """Send a signed view_submission of the add modal; return (status, JSON body or None)."""
    status, text = await signed_post(url, submission_body(values, **options), FORM)
    return status, (json.loads(text) if text else None)


async def eventually(condition: Callable[[], object], seconds: float = 10) -> None:
    """Wait until `condition()` holds (the bot answers after its acknowledgement)."""
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the expected answer never came")


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
        await eventually(lambda: len(self.fake.responses) >= count)
        return self.fake.responses

    async def incidents(self) -> int:
        async with self.core.database.read() as session:
            return await session.scalar(select(func.count()).select_from(Incident)) or 0

    async def idle(self) -> None:
        """Wait until no request is being carried out (none holds a database connection)."""
        pool = self.core.database.engine.pool
        await eventually(lambda: pool.checkedout() == 0)  # type: ignore[attr-defined]


@contextlib.asynccontextmanager
async def serving(core: Core, fake: FakeSlack) -> AsyncIterator[SlackBot]:
    """Serve a core in HTTP mode on a free loopback port, talking to `fake`, until the end."""
    slack = SlackSettings(
        slack_bot_token="xoxb-test", slack_signing_secret=SECRET, slack_api_url=fake.api_url
    )
    client = web_client(slack)
    home = HomeTab(core, client)
    runner = await serve_http(build_app(core, slack, client, home), "127.0.0.1", 0)
    try:
        url = f"http://127.0.0.1:{bound_port(runner)}/slack/events"
        yield SlackBot(core, fake, url, slack, home)
    finally:
        await runner.cleanup()
