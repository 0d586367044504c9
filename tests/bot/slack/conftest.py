"""Fixtures for the Slack adapter: the fake Web API on a free loopback port, and the bot."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.commands.core import Core
from tests.bot.slack.fake_slack import FakeSlack
from tests.bot.slack.signed import SlackBot, serving
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
    async with serving(core, fake_slack) as bot:
        yield bot
