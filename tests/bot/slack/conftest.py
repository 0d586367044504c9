"""Fixtures for the Slack adapter: the fake Web API on a free loopback port, and the bot."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.commands.core import Core
from bot.slack.app import build_app, serve_http, web_client
from bot.slack.home import HomeTab
from bot.slack.http import bound_port
from bot.slack.settings import SlackSettings
from tests.bot.slack.fake_slack import FakeSlack
from tests.bot.slack.signed import SECRET, SlackBot
from tests.conftest import Clock, make_settings


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """Start the fake Slack Web API and stop it after the test."""
    fake = FakeSlack()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def slack_bot(
    database, database_url: str, clock: Clock, fake_slack: FakeSlack
) -> AsyncIterator[SlackBot]:
    """Serve the bot in HTTP mode on a free loopback port, talking to the fake Slack."""
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
    runner = await serve_http(build_app(core, slack, client, home), SECRET, "127.0.0.1", 0)
    try:
        url = f"http://127.0.0.1:{bound_port(runner)}/slack/events"
        yield SlackBot(core, fake_slack, url, slack, home)
    finally:
        await runner.cleanup()
