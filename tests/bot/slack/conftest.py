"""Fixtures for the Slack adapter: the fake Web API on a free loopback port."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.bot.slack.fake_slack import FakeSlack


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """Start the fake Slack Web API and stop it after the test."""
    fake = FakeSlack()
    await fake.start()
    yield fake
    await fake.stop()
