"""The endpoint in front of Bolt: nothing from an unverified request is used or answered."""

from __future__ import annotations

import asyncio
import json
import logging
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.commands.core import Core, Outcome
from bot.slack.app import build_app, web_client
from bot.slack.http import add_slack_routes, bound_port, serve
from tests.bot.slack.signed import (
    FORM,
    SECRET,
    SIGNED_AT,
    SlackBot,
    command_body,
    eventually,
    post,
    signature,
    signed_post,
)

ENDPOINT_LOG = "bot.slack.http"


def refusals(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == ENDPOINT_LOG]


@pytest.mark.parametrize(
    "timestamp",
    ["abc", "", "1.5", " 1720000000", "１７２００００００", "²", "99999999999999999999", "-1"],
)
async def test_a_timestamp_that_is_not_a_plain_number_is_refused_and_nothing_answered(
    slack_bot: SlackBot, caplog: pytest.LogCaptureFixture, timestamp: str
) -> None:
    # The body names a response URL: a sender's choice, never to be called.
    body = command_body(slack_bot.fake, "add 2024-07-16", user="U-ADMIN", trigger="T1")
    headers = {
        "Content-Type": FORM,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": "v0=" + "0" * 64,
    }
    status, _ = await post(slack_bot.url, body, headers)
    assert status == 401
    # The refusal is made before anything runs: nothing can be pending after the answer.
    assert slack_bot.fake.responses == [] and slack_bot.fake.calls == []
    assert await slack_bot.incidents() == 0
    [line] = refusals(caplog)
    assert line.exc_info is None and "timestamp" in line.getMessage()


@pytest.mark.parametrize("age", [6 * 60, -6 * 60])
async def test_a_stale_or_future_signature_is_refused(
    slack_bot: SlackBot, caplog: pytest.LogCaptureFixture, age: int
) -> None:
    assert await slack_bot.command("add 2024-07-16", user="U-ADMIN", age=age) == 401
    assert slack_bot.fake.responses == [] and await slack_bot.incidents() == 0
    [line] = refusals(caplog)
    assert "more than five minutes off" in line.getMessage()


CLICK = {
    "type": "block_actions",
    "user": {"id": "U-READER"},
    "container": {"type": "message", "channel_id": "C-OPS", "message_ts": "1.2"},
    "actions": [{"type": "button", "action_id": "pausewatch_choice_1", "value": "1"}],
}
MALFORMED = [
    (b"\xff\xfe\x00binary", "application/octet-stream"),
    (b"[]", "application/json"),
    (b"null", "application/json"),
    (b"{not json", "application/json"),
    (b"payload=not+json", FORM),
    (b"payload=%5B%5D", FORM),
    (b"payload=" + b"%5B" * 100_000, FORM),  # nested too deep for the JSON reader
    (b"[" * 100_000, "application/json"),
    (b"just=a&form=without&a=command", FORM),
    (urlencode({"payload": json.dumps({"type": "view_submission", "view": 5})}).encode(), FORM),
    # A choice clicked on a message whose blocks are not a list of objects, or too many.
    *(
        (urlencode({"payload": json.dumps(click)}).encode(), FORM)
        for click in (
            {**CLICK, "message": {"ts": "1.2", "blocks": "x"}},
            {**CLICK, "message": {"ts": "1.2", "blocks": [{"type": "section"}, 5]}},
            {**CLICK, "message": {"ts": "1.2", "blocks": [{}] * 51}},
            {**CLICK, "message": {"ts": 1.2}},
        )
    ),
]


@pytest.mark.parametrize(("body", "content_type"), MALFORMED)
async def test_malformed_bodies_get_401_unsigned_and_400_signed(
    slack_bot: SlackBot, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str
) -> None:
    forged = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(SIGNED_AT),
        "X-Slack-Signature": "v0=" + "ab" * 32,
    }
    assert (await post(slack_bot.url, body, forged))[0] == 401
    status, _ = await signed_post(slack_bot.url, body, content_type)
    assert status == 400
    first, second = refusals(caplog)
    assert "signature does not match" in first.getMessage()
    assert "malformed body" in second.getMessage()
    assert first.exc_info is None and second.exc_info is None
    assert slack_bot.fake.calls == [] and slack_bot.fake.responses == []


async def test_slacks_url_verification_is_answered_only_when_signed(slack_bot: SlackBot) -> None:
    challenge = json.dumps({"type": "url_verification", "challenge": "3eZbrw1a", "token": "t"})
    status, text = await signed_post(slack_bot.url, challenge, "application/json")
    assert (status, json.loads(text)) == (200, {"challenge": "3eZbrw1a"})
    forged = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": "1"}
    assert (await post(slack_bot.url, challenge, forged))[0] == 401


async def test_app_rate_limited_is_acknowledged_and_logged(
    slack_bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    event = {
        "token": "t",
        "type": "app_rate_limited",
        "team_id": "T-TEAM",
        "minute_rate_limited": 1518467820,
        "api_app_id": "A1",
    }
    status, _ = await signed_post(slack_bot.url, json.dumps(event), "application/json")
    assert status == 200
    assert any("rate limited in minute 1518467820" in r.getMessage() for r in refusals(caplog))


async def test_an_event_the_app_does_not_handle_is_acknowledged(slack_bot: SlackBot) -> None:
    envelope = {"type": "event_callback", "event": {"type": "member_joined_channel"}}
    status, _ = await signed_post(slack_bot.url, json.dumps(envelope), "application/json")
    assert status == 200
    assert slack_bot.fake.calls == []


async def test_a_command_holding_the_word_payload_is_answered(slack_bot: SlackBot) -> None:
    # Bolt reads any form body containing "payload" as an interaction; ours reads the field.
    assert await slack_bot.command("add 2024-07-16 notes:payload", user="U-ADMIN") == 200
    [answer] = await slack_bot.answered(1)
    assert answer["text"].startswith("Recorded attack #1 on 16 Jul 2024")


async def test_the_slack_route_sits_beside_other_routes_of_any_application(
    core: Core, fake_slack
) -> None:
    from bot.slack.settings import SlackSettings

    slack = SlackSettings(
        slack_bot_token="xoxb-test", slack_signing_secret=SECRET, slack_api_url=fake_slack.api_url
    )
    web_app = web.Application()

    async def health(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    web_app.router.add_get("/healthz", health)
    add_slack_routes(web_app, build_app(core, slack, web_client(slack)))
    runner = await serve(web_app, "127.0.0.1", 0)
    try:
        base = f"http://127.0.0.1:{bound_port(runner)}"
        async with aiohttp.ClientSession() as session, session.get(f"{base}/healthz") as answer:
            assert (answer.status, await answer.text()) == (200, "ok")
        body = command_body(fake_slack, "since", user="U-1", trigger="T-1")
        status, _ = await signed_post(f"{base}/slack/events", body, FORM)
        assert status == 200
        await eventually(lambda: fake_slack.responses)
    finally:
        await runner.cleanup()


async def test_bolt_itself_refuses_what_it_cannot_verify_and_the_error_handler_stays_quiet(
    core: Core, fake_slack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.slack.settings import SlackSettings

    slack = SlackSettings(
        slack_bot_token="xoxb-test", slack_signing_secret=SECRET, slack_api_url=fake_slack.api_url
    )
    app = build_app(core, slack, web_client(slack))

    async def broken(*args: object, **kwargs: object) -> Outcome:
        raise RuntimeError("a bug")

    monkeypatch.setattr(core, "handle_once", broken)

    def request(name: str, *, age: int | None, secret: str = SECRET) -> AsyncBoltRequest:
        body = json.dumps(
            {
                "command": "/incidents",
                "text": "since",
                "user_id": "U-1",
                "channel_id": "C-1",
                "trigger_id": name,
                "response_url": fake_slack.response_url(name),
            }
        )
        headers = {"content-type": "application/json"}
        if age is not None:
            timestamp = str(SIGNED_AT - age)
            headers["x-slack-request-timestamp"] = timestamp
            headers["x-slack-signature"] = signature(body, timestamp, secret)
        return AsyncBoltRequest(body=body, headers=headers)

    # Handed straight to Bolt, bypassing the endpoint: Bolt's own verification, on the bot's
    # clock (SIGNED_AT, whatever today's date), refuses all but the signed and fresh one.
    # Bolt waits its ack timeout for a request whose handler fails: 3 s unless shortened.
    for listener in app._async_listeners:
        listener.ack_timeout = 0.2  # type: ignore[assignment]
    responses = await asyncio.gather(
        app.async_dispatch(request("unsigned", age=None)),
        app.async_dispatch(request("stale", age=5 * 60 + 1)),
        app.async_dispatch(request("future", age=-(5 * 60 + 1))),
        app.async_dispatch(request("forged", age=0, secret="another-secret")),
        app.async_dispatch(request("signed", age=5 * 60)),
    )
    assert [response.status for response in responses[:4]] == [401] * 4
    await eventually(lambda: fake_slack.responses)
    await asyncio.sleep(0.2)
    [answer] = fake_slack.responses
    assert answer["name"] == "signed"
    assert answer["text"].startswith("Something went wrong (error ")


def test_signature_helper_matches_slacks_documented_example() -> None:
    # The example of Slack's "Verifying requests from Slack" page.
    body = (
        "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
        "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect"
        "&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554"
        "%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
    )
    assert (
        signature(body, "1531420618", "8f742231b10e8888abcd99yyyzzz85a5")
        == "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
    )


async def test_slacks_ssl_check_is_answered_when_signed(slack_bot: SlackBot) -> None:
    status, _ = await signed_post(slack_bot.url, "ssl_check=1&token=t", FORM)
    assert status == 200
    assert slack_bot.fake.calls == []
