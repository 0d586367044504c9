"""Fixtures for sources: the fake feeds on loopback, a core that reads them over HTTP, and for
the guard's tests a fence on the event loop and servers that count their connections."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.commands.core import Core
from bot.sources.http import HttpFetcher
from tests.bot.sources.fake_feeds import PASSWORD, USERNAME, FakeAcled, FakeSheet, FakeTime
from tests.bot.sources.fake_network import Counting, Fence
from tests.conftest import Clock, make_settings


@pytest.fixture
async def fake_acled() -> AsyncIterator[FakeAcled]:
    fake = FakeAcled()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def fake_sheet() -> AsyncIterator[FakeSheet]:
    fake = FakeSheet()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


def source_core(
    database,
    database_url: str,
    clock: Clock,
    fake_acled: FakeAcled,
    time: FakeTime | None = None,
    **overrides: object,
) -> Core:
    """A core whose sources are read by the real HTTP fetcher, pointed at the fakes.

    Its retries wait in `time` (a new FakeTime if none): no test really sleeps.
    """
    options: dict[str, object] = {
        "admins": ["U-admin"],
        "acled_username": USERNAME,
        "acled_password": PASSWORD,
        "acled_api_url": fake_acled.base,
        "acled_page_size": 2,
        "source_timeout_seconds": 1.0,
        # The fakes listen on loopback, which a source may read only when allowed.
        "source_allow_hosts": ["127.0.0.1"],
    }
    options.update(overrides)
    settings = make_settings(database_url, **options)
    core = Core(database=database, settings=settings, clock=clock)
    core.fetcher = HttpFetcher(settings, waiter=(time or FakeTime()).waiter())
    return core


@pytest.fixture
async def feeds_core(
    database, database_url: str, clock: Clock, fake_acled: FakeAcled, fake_time: FakeTime
) -> Core:
    core = source_core(database, database_url, clock, fake_acled, fake_time)
    await core.prepare()
    return core


@pytest.fixture
async def fence(monkeypatch: pytest.MonkeyPatch) -> Fence:
    """Record every connection the test's loop makes, and stop any beyond loopback."""
    return Fence().install(monkeypatch)


@pytest.fixture
async def target() -> AsyncIterator[Counting]:
    """A server on 127.0.0.1 that counts its connections: what must not be read."""
    server = await Counting().start()
    yield server
    await server.stop()


@pytest.fixture
async def target6() -> AsyncIterator[Counting]:
    """The same on ::1."""
    server = await Counting(host="::1").start()
    yield server
    await server.stop()
