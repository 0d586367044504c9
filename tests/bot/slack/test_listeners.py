"""The Bolt app's listeners: one registration per kind, and the slash command's small helpers."""

from __future__ import annotations

from collections.abc import Sequence

from slack_bolt.request.async_request import AsyncBoltRequest

from bot.commands.core import Core
from bot.commands.recent import RecentKeys
from bot.slack import errors
from bot.slack.app import build_app, web_client
from bot.slack.commands import request_key, split_public
from bot.slack.settings import SlackSettings
from tests.bot.slack.signed import SECRET


async def test_build_app_registers_each_kind_of_listener_once(core: Core, fake_slack) -> None:
    slack = SlackSettings(
        slack_bot_token="xoxb-test", slack_signing_secret=SECRET, slack_api_url=fake_slack.api_url
    )
    app = build_app(core, slack, web_client(slack))
    names = [listener.ack_function.__name__ for listener in app._async_listeners]
    assert names == [
        "on_command",  # commands.py
        "on_series_typed",  # form.py
        "on_add_submitted",  # form.py
        "on_review",  # review.py
        "on_home_opened",  # events.py
        "on_mention",  # messages.py
        "on_message",  # messages.py
        "on_choice",  # messages.py
    ]
    handler = app._async_listener_runner.listener_error_handler
    assert handler.func is errors.on_error  # type: ignore[attr-defined]


def test_a_trailing_public_is_taken_off() -> None:
    assert split_public("since country:Iraq public") == ("since country:Iraq", True)
    assert split_public("since PUBLIC") == ("since", True)
    assert split_public("public since") == ("public since", False)
    assert split_public("") == ("", False)


def test_recent_keys_remember_only_the_latest() -> None:
    recent = RecentKeys(size=2)
    assert recent.first_time("a")
    assert not recent.first_time("a")
    assert recent.first_time("b")
    assert recent.first_time("c")  # "a" is forgotten
    assert recent.first_time("a")
    assert not recent.first_time("c")


def request(signature: str | None) -> AsyncBoltRequest:
    headers: dict[str, str | Sequence[str]] = {"content-type": "application/json"}
    if signature is not None:
        headers["x-slack-signature"] = signature
    return AsyncBoltRequest(body="{}", headers=headers)


def test_a_command_is_keyed_by_its_trigger_then_its_signature() -> None:
    assert request_key({"trigger_id": "T1"}, request("v0=abc")) == "slack:command:T1"
    assert request_key({"trigger_id": ""}, request("v0=abc")) == "slack:signature:v0=abc"
    assert request_key({}, request(None)) is None
    long_key = request_key({"trigger_id": "T" * 300}, request(None))
    assert long_key is not None
    assert len(long_key) == 200
    assert long_key.startswith("slack:command:TTT")
