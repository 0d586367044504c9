"""Stopping the schedule while a job runs: no error, no traceback, the work left to the next start."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import scheduled_jobs
from bot.commands import sources
from bot.commands.core import Caller, Core
from bot.commands.fetching import Fetched, SourceSpec
from bot.notify import digests
from bot.notify.scheduler import JOB_ID, SOURCES_JOB_ID, Schedule, catch_up, start_scheduler
from storage.models import OutboxMessage
from tests.bot.commands.test_core import ADMIN
from tests.conftest import Clock

MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # half an hour after the digest's run


def troubles(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Return the records a stop must not leave: errors, and anything with a traceback."""
    return [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


def run_now(scheduler: Schedule, job_id: str) -> None:
    """Have the scheduler start a job at once, as its trigger would."""
    scheduler.modify_job(job_id, next_run_time=datetime.now(UTC))


async def pending_keys(core: Core) -> list[str]:
    async with core.database.read() as session:
        query = select(OutboxMessage.key).where(OutboxMessage.status == "pending")
        return list(await session.scalars(query.order_by(OutboxMessage.key)))


@pytest.mark.usefixtures("without_charts")
async def test_a_stop_during_a_digest_run_is_quiet_and_the_next_start_queues_the_rest(
    core: Core, clock: Clock, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock.now = MONDAY - timedelta(hours=1)  # subscribed before the run, stopped after it
    for channel in ("one", "two"):
        await core.handle("subscribe digest", Caller(ADMIN.user, True, "console", channel))
    clock.now = MONDAY
    real = digests.build_digest
    entered, never = asyncio.Event(), asyncio.Event()
    built: list[int] = []

    async def second_one_hangs(*args: Any, **options: Any) -> Any:
        built.append(1)
        if len(built) == 2:
            entered.set()
            await never.wait()  # inside the run's read transaction
        return await real(*args, **options)

    monkeypatch.setattr(digests, "build_digest", second_one_hangs)
    caplog.set_level(logging.DEBUG)
    scheduler = start_scheduler(core.settings, scheduled_jobs(core), clock)
    run_now(scheduler, JOB_ID)
    await asyncio.wait_for(entered.wait(), timeout=10)
    await scheduler.stop()
    assert troubles(caplog) == []
    assert "stopped with the bot" in caplog.text
    [first] = await pending_keys(core)  # queued before the stop, for the delivery loop
    # The next start makes up the run (within the grace period): the second digest only.
    monkeypatch.setattr(digests, "build_digest", real)
    assert await catch_up(core.settings, scheduled_jobs(core), core.clock) == 1
    assert sorted(await pending_keys(core)) == sorted([first, first.replace(":1:", ":2:")])


class HeldFetcher:
    """A fetcher that holds its first fetch until cancelled, then says nothing changed."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.fetched: list[str] = []

    async def fetch(self, spec: SourceSpec) -> Fetched:
        self.fetched.append(spec.name)
        if len(self.fetched) == 1:
            self.entered.set()
            await asyncio.Event().wait()
        return Fetched(unchanged=True)


async def test_a_stop_during_a_source_run_is_quiet_and_gives_its_slot_back(
    core: Core, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    fetcher = HeldFetcher()
    core.fetcher = fetcher
    added = await core.handle(
        "source add sheet kind:csv url:https://feeds.example.org/sheet.csv", ADMIN
    )
    assert not added.is_error, added.headline
    caplog.set_level(logging.DEBUG)
    scheduler = start_scheduler(core.settings, scheduled_jobs(core), clock)
    run_now(scheduler, SOURCES_JOB_ID)
    await asyncio.wait_for(fetcher.entered.wait(), timeout=10)
    await scheduler.stop()
    assert troubles(caplog) == []
    # The next start, in the same slot, runs the source again: the slot was given back.
    [report] = await sources.run_due(core.context)
    assert report.ok and fetcher.fetched == ["sheet", "sheet"]
    assert await sources.run_due(core.context) == []  # and claimed once more


async def test_a_stop_with_no_job_under_way_is_quiet_and_may_be_repeated(
    core: Core, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    scheduler = start_scheduler(core.settings, scheduled_jobs(core), clock)
    await scheduler.stop()
    await scheduler.stop()
    assert not scheduler.running and scheduler.under_way == set()
    assert troubles(caplog) == []
