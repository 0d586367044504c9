"""The add form over signed HTTP: opened by `/incidents add`, checked, recorded once, answered."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.commands.core import Core
from bot.commands.teams import not_a_team_admin
from bot.settings import SeriesSettings
from bot.slack.app import build_app, serve_http, web_client
from bot.slack.home import HomeTab
from bot.slack.http import bound_port
from bot.slack.settings import SlackSettings
from tests.bot.slack.fake_slack import FakeSlack
from tests.bot.slack.signed import (
    FORM,
    SECRET,
    SlackBot,
    eventually,
    form,
    send_submission,
    signed_post,
    submission_body,
)
from tests.conftest import Clock, make_settings

FROM_A_COMMAND = json.dumps({"channel": "C-OPS", "response_url": None})


def from_command(fake: FakeSlack, name: str = "form") -> str:
    """The private_metadata of a form opened by a slash command, with its response URL."""
    return json.dumps({"channel": "C-OPS", "response_url": fake.response_url(name)})


async def opened_form(bot: SlackBot, trigger: str = "T-MODAL") -> dict:
    assert await bot.command("add", user="U-ADMIN", trigger=trigger) == 200
    await eventually(lambda: bot.fake.called("views.open"))
    return bot.fake.called("views.open")[-1]


async def test_add_alone_opens_the_form_for_admins_only(slack_bot: SlackBot) -> None:
    opened = await opened_form(slack_bot)
    assert opened["trigger_id"] == "T-MODAL"
    view = opened["view"]
    assert view["callback_id"] == "pausewatch_add"
    assert [b["block_id"] for b in view["blocks"]][:3] == ["date", "series", "time"]
    # The form remembers where it was opened, and how to answer there.
    assert json.loads(view["private_metadata"]) == {
        "channel": "C-OPS",
        "response_url": slack_bot.fake.response_url("T-MODAL"),
    }
    assert await slack_bot.command("add", user="U-READER", trigger="T-2") == 200
    [refusal] = await slack_bot.answered(1)
    assert not_a_team_admin("add").headline in refusal["text"]
    assert len(slack_bot.fake.called("views.open")) == 1


async def test_the_form_shows_errors_field_by_field_and_stores_nothing(
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


async def test_the_confirmation_goes_through_the_commands_response_url(
    slack_bot: SlackBot,
) -> None:
    # In a DM, or a channel the app is not in, Slack refuses chat.postEphemeral; the
    # response URL of the command that opened the form works anywhere.
    slack_bot.fake.fail("chat.postEphemeral", 200, {"ok": False, "error": "channel_not_found"})
    values = form(date="2024-07-16", location="Ain al-Assad", country="Iraq", quantity="2")
    status, answer = await send_submission(
        slack_bot.url, values, metadata=from_command(slack_bot.fake)
    )
    assert status == 200 and answer in (None, {})  # the form closes
    [told] = await slack_bot.answered(1)
    assert told["name"] == "form"
    assert told["response_type"] == "ephemeral"
    assert told["text"].startswith("Recorded attack #1 on 16 Jul 2024")
    assert slack_bot.fake.called("chat.postEphemeral") == []
    assert await slack_bot.incidents() == 1


async def test_without_a_response_url_the_form_itself_shows_the_answer(
    slack_bot: SlackBot,
) -> None:
    status, answer = await send_submission(
        slack_bot.url, form(date="2024-07-16", country="Iraq"), metadata=FROM_A_COMMAND
    )
    assert status == 200
    assert answer["response_action"] == "update"
    texts = [block["text"]["text"] for block in answer["view"]["blocks"]]
    assert texts[0] == "Recorded attack #1 on 16 Jul 2024"
    assert await slack_bot.incidents() == 1
    # A form opened before private_metadata was JSON held the bare channel id.
    status, answer = await send_submission(
        slack_bot.url, form(date="2024-07-17"), metadata="C-OPS", view_id="V-OLD"
    )
    assert answer["response_action"] == "update"
    assert await slack_bot.incidents() == 2


async def test_a_replayed_form_stores_one_incident_and_confirms_once(
    slack_bot: SlackBot,
) -> None:
    body = submission_body(form(date="2024-07-16"), metadata=from_command(slack_bot.fake))
    for _ in range(3):  # the same signed request, as a replay within the five minutes
        status, _ = await signed_post(slack_bot.url, body, FORM)
        assert status == 200
    await slack_bot.answered(1)
    # A later, different request is answered after the replays: they are all done by then.
    await send_submission(
        slack_bot.url,
        form(date="2024-07-17"),
        metadata=from_command(slack_bot.fake, "second"),
        view_id="V2",
    )
    await slack_bot.answered(2)
    # A replay waits for the first to commit before it finds the request done: let it end.
    await slack_bot.idle()
    assert [a["name"] for a in slack_bot.fake.responses] == ["form", "second"]
    assert await slack_bot.incidents() == 2


async def test_a_replayed_form_answered_in_the_form_stores_one_incident(
    slack_bot: SlackBot,
) -> None:
    # Without a response URL the answer comes with the HTTP response, after the write:
    # each replay is finished when its response arrives.
    body = submission_body(form(date="2024-07-16"), metadata=FROM_A_COMMAND)
    answers = []
    for _ in range(3):
        status, text = await signed_post(slack_bot.url, body, FORM)
        assert status == 200
        answers.append(json.loads(text) if text else None)
    assert answers[0]["response_action"] == "update"
    assert answers[1:] == [None, None]  # the form just closes: it was answered the first time
    assert await slack_bot.incidents() == 1


async def test_a_reader_submitting_the_form_is_refused(slack_bot: SlackBot) -> None:
    status, answer = await send_submission(
        slack_bot.url, form(date="2024-07-17"), user="U-READER", metadata=FROM_A_COMMAND
    )
    assert status == 200
    assert not_a_team_admin("add").headline in answer["view"]["blocks"][0]["text"]["text"]
    assert await slack_bot.incidents() == 0


MANY_SERIES = {f"series-{number:03d}": SeriesSettings() for number in range(120)}


@pytest.fixture
async def many_series_bot(
    database, database_url: str, clock: Clock, fake_slack: FakeSlack
) -> AsyncIterator[SlackBot]:
    settings = make_settings(
        database_url, admins=["U-ADMIN"], series=MANY_SERIES, default_series="series-000"
    )
    core = Core(database=database, settings=settings, clock=clock)
    await core.prepare()
    slack = SlackSettings(
        slack_bot_token="xoxb-test", slack_signing_secret=SECRET, slack_api_url=fake_slack.api_url
    )
    client = web_client(slack)
    home = HomeTab(core, client)
    runner = await serve_http(build_app(core, slack, client, home), "127.0.0.1", 0)
    try:
        url = f"http://127.0.0.1:{bound_port(runner)}/slack/events"
        yield SlackBot(core, fake_slack, url, slack, home)
    finally:
        await runner.cleanup()


async def typed(bot: SlackBot, value: str) -> list[str]:
    """Send Slack's block_suggestion for the series menu; return the options' values."""
    payload: dict[str, Any] = {
        "type": "block_suggestion",
        "user": {"id": "U-ADMIN", "team_id": "T-TEAM"},
        "team": {"id": "T-TEAM", "domain": "team"},
        "api_app_id": "A1",
        "block_id": "series",
        "action_id": "series",
        "value": value,
        "view": {"id": "V1", "type": "modal", "callback_id": "pausewatch_add"},
    }
    status, text = await signed_post(bot.url, urlencode({"payload": json.dumps(payload)}), FORM)
    assert status == 200
    return [option["value"] for option in json.loads(text)["options"]]


async def test_the_series_menu_serves_any_number_of_series_as_the_admin_types(
    many_series_bot: SlackBot,
) -> None:
    bot = many_series_bot
    view = (await opened_form(bot))["view"]
    [menu] = [b["element"] for b in view["blocks"] if b["block_id"] == "series"]
    # No list of options in the form (Slack refuses more than 100): Slack asks as one types.
    assert menu["type"] == "external_select" and "options" not in menu
    assert menu["initial_option"]["value"] == "series-000"
    everything = await typed(bot, "")
    assert len(everything) == 100 and everything[0] == "series-000"
    assert await typed(bot, "SERIES-11") == [f"series-11{n}" for n in range(10)]
    assert await typed(bot, "nothing like it") == []
    status, answer = await send_submission(
        bot.url, form(date="2024-07-16", series="series-119"), metadata=FROM_A_COMMAND
    )
    assert status == 200
    assert answer["view"]["blocks"][0]["text"]["text"] == "Recorded incident #1 on 16 Jul 2024"
