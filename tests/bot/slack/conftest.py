"""Fixtures for the Slack adapter: the fake Web API on a free loopback port, and the bot (one
workspace, or many installed through the OAuth flow)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from bot.cli.running import _slack_platform
from bot.commands.core import Core
from bot.slack.http import bound_port, serve
from bot.slack.settings import SlackSettings
from storage.database import Database
from tests.bot.slack.fake_slack import FakeSlack
from tests.bot.slack.signed import SECRET, SlackBot, eventually, serving
from tests.bot.slack.workspaces import OWNER, PEOPLE, Teams
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


@pytest.fixture
async def teams(
    database: Database, database_url: str, clock: Clock, fake_slack: FakeSlack
) -> AsyncIterator[Teams]:
    """Serve many workspaces as `pausewatch run` wires them (bot/cli/running.py), TA the owner."""
    settings = make_settings(database_url, owner_teams=[f"slack:{OWNER}"])
    core = Core(database=database, settings=settings, clock=clock)
    await core.prepare()
    slack = SlackSettings(
        slack_client_id="1111.2222",
        slack_client_secret="client-secret",  # type: ignore[arg-type]
        slack_signing_secret=SECRET,  # type: ignore[arg-type]
        slack_api_url=fake_slack.api_url,
    )
    fake_slack.users.update(PEOPLE)
    platform = _slack_platform(core, slack)
    web_app = web.Application()
    platform.add_routes(web_app)
    runner = await serve(web_app, "127.0.0.1", 0)
    try:
        base = f"http://127.0.0.1:{bound_port(runner)}"
        yield Teams(core, fake_slack, base, platform, clock)
        pool = database.engine.pool
        await eventually(lambda: pool.checkedout() == 0)  # type: ignore[attr-defined]
    finally:
        await runner.cleanup()
