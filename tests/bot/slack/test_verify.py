"""Request verification in HTTP mode: Bolt's own, on the bot's clock, and the guard before it."""

from __future__ import annotations

import asyncio
import json

import pytest
from slack_bolt.async_app import AsyncApp
from slack_bolt.middleware.async_builtins import AsyncRequestVerification

from bot.commands.core import Core
from bot.slack.app import build_app, web_client
from bot.slack.settings import SlackSettings
from bot.slack.verify import bolt_verifier
from tests.bot.slack.signed import (
    FORM,
    SECRET,
    SIGNED_AT,
    SlackBot,
    command_body,
    post,
    signature,
    signed_post,
)
from tests.bot.slack.test_messages import envelope, posted
from tests.bot.slack.test_messages import mention as mention_event

ENDPOINT_LOG = "bot.slack.http"
FIVE_MINUTES = 5 * 60


def refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == ENDPOINT_LOG]


def mention(event_id: str) -> str:
    return json.dumps(envelope(mention_event("since"), event_id))


async def test_the_app_verifies_with_bolts_own_middleware_on_the_bots_clock(
    core: Core, fake_slack
) -> None:
    slack = SlackSettings(
        slack_bot_token="xoxb-test", slack_signing_secret=SECRET, slack_api_url=fake_slack.api_url
    )
    app = build_app(core, slack, web_client(slack))
    [verification] = [
        m for m in app._async_middleware_list if isinstance(m, AsyncRequestVerification)
    ]
    verifier = bolt_verifier(app)
    assert verification.verifier is verifier
    assert verifier.signing_secret == SECRET
    assert verifier.clock.now() == core.clock().timestamp() == SIGNED_AT


def test_an_app_without_bolts_verification_is_not_served() -> None:
    app = AsyncApp(
        token="xoxb-test",
        signing_secret=SECRET,
        request_verification_enabled=False,
    )
    with pytest.raises(ValueError, match="request verification is off"):
        bolt_verifier(app)


@pytest.mark.parametrize("age", [FIVE_MINUTES + 1, -(FIVE_MINUTES + 1)])
async def test_a_request_signed_five_minutes_and_a_second_away_is_refused(
    slack_bot: SlackBot, caplog: pytest.LogCaptureFixture, age: int
) -> None:
    # Signed with the right secret over the very bytes sent: only its age is wrong.
    assert await slack_bot.command("add 2024-07-16", user="U-ADMIN", age=age) == 401
    assert slack_bot.fake.responses == [] and await slack_bot.incidents() == 0
    assert refusals(caplog) == [
        "refused a request from 127.0.0.1: the timestamp is more than five minutes off"
    ]


@pytest.mark.parametrize("age", [FIVE_MINUTES, -FIVE_MINUTES])
async def test_a_request_signed_five_minutes_away_is_still_taken(
    slack_bot: SlackBot, age: int
) -> None:
    assert await slack_bot.command("add 2024-07-16", user="U-ADMIN", age=age) == 200
    [answer] = await slack_bot.answered(1)
    assert answer["text"].startswith("Recorded attack #1")


async def test_a_retried_event_is_verified_as_any_other(
    slack_bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    body = mention("Ev-RETRY")
    forged = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": str(SIGNED_AT),
        "X-Slack-Signature": signature(body, str(SIGNED_AT), "another-secret"),
        **retry,
    }
    assert (await post(slack_bot.url, body, forged))[0] == 401
    unsigned = {"Content-Type": "application/json", **retry}
    assert (await post(slack_bot.url, body, unsigned))[0] == 401
    stale = FIVE_MINUTES + 1
    assert (await signed_post(slack_bot.url, body, "application/json", age=stale, headers=retry))[
        0
    ] == 401
    await asyncio.sleep(0.2)
    assert slack_bot.fake.calls == []
    assert [line.split(": ", 1)[1] for line in refusals(caplog)] == [
        "the signature does not match",
        "the timestamp is not a whole number of seconds",
        "the timestamp is more than five minutes off",
    ]
    # Signed, the same retry is answered (in the mention's thread).
    assert (await signed_post(slack_bot.url, body, "application/json", headers=retry))[0] == 200
    [answer] = await posted(slack_bot.fake, 1)
    assert answer["channel"] == "C-OPS"


@pytest.mark.parametrize(
    "altered",
    [
        lambda body: body.replace("add+2024-07-16", "add+2024-07-17"),
        lambda body: body.replace("U-READER", "U-ADMIN"),
        lambda body: body + "&text=delete+1",
        lambda body: body[:-1],
    ],
)
async def test_a_body_altered_after_it_was_signed_is_refused(
    slack_bot: SlackBot, caplog: pytest.LogCaptureFixture, altered
) -> None:
    body = command_body(slack_bot.fake, "add 2024-07-16", user="U-READER", trigger="T1")
    timestamp = str(SIGNED_AT)
    headers = {
        "Content-Type": FORM,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature(body, timestamp),
    }
    changed = altered(body)
    assert changed != body
    assert (await post(slack_bot.url, changed, headers))[0] == 401
    assert refusals(caplog)[-1].endswith("the signature does not match")
    assert slack_bot.fake.responses == [] and await slack_bot.incidents() == 0


async def test_a_huge_forged_body_is_refused_unread(
    slack_bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    # 900 kB of JSON nested far too deep to read: read, it would be refused as malformed
    # (400); refused for its signature (401), it was never read.
    body = b'{"payload": ' + b"[" * 900_000
    forged = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": str(SIGNED_AT),
        "X-Slack-Signature": "v0=" + "ab" * 32,
    }
    assert (await post(slack_bot.url, body, forged))[0] == 401
    status, _ = await signed_post(slack_bot.url, body, "application/json")
    assert status == 400
    forged_line, signed_line = refusals(caplog)
    assert forged_line.endswith("the signature does not match")
    assert "malformed body" in signed_line
