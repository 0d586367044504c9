"""Start-up shared by the entry points: the clock, the first run, the hint for an empty database."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import settings_clock
from bot.commands.core import Core
from bot.commands.operations import EMPTY_HINT, empty_database_hint
from bot.domain.clock import utc_now
from tests.bot.commands.test_core import ask
from tests.conftest import make_settings


async def test_an_empty_database_says_how_to_load_incidents(core: Core) -> None:
    assert await empty_database_hint(core.context) == EMPTY_HINT
    assert "pausewatch import --sample" in EMPTY_HINT
    await ask(core, "add 2024-07-16")
    assert await empty_database_hint(core.context) is None


def test_the_now_setting_starts_a_clock_that_runs_on(database_url: str) -> None:
    start = datetime(2024, 7, 22, 9, tzinfo=UTC)
    clock = settings_clock(make_settings(database_url, now=start))
    first, second = clock(), clock()
    assert start <= first <= second and (second - start).total_seconds() < 60
    assert settings_clock(make_settings(database_url)) is utc_now
