"""Scheduled runs: each source once per interval, whatever the replicas, from the bot's scheduler."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.app import scheduled_jobs
from bot.commands import sources
from bot.notify.scheduler import SOURCES_JOB_ID, start_scheduler
from storage.database import open_database
from tests.bot.commands.test_core import ask
from tests.bot.sources.conftest import source_core
from tests.bot.sources.fake_feeds import FakeAcled, FakeSheet
from tests.conftest import Clock

SHEET = "date,location,external_id\n2024-07-16,Ain al-Assad,S1\n"


def test_slots_are_offset_per_source_and_last_an_interval() -> None:
    from tests.conftest import NOW

    slot = sources.slot_of("sheet", 60, NOW)
    assert sources.slot_of("sheet", 60, NOW + timedelta(minutes=60)) == slot + 1
    later = NOW + timedelta(minutes=1)
    starts = {
        sources.slot_of(f"s{n}", 60, NOW) != sources.slot_of(f"s{n}", 60, later) for n in range(200)
    }
    assert starts == {True, False}  # some sources' slots turn in this minute, most not


def test_the_next_run_is_now_until_the_slot_is_claimed_then_the_next_slot() -> None:
    from tests.conftest import NOW

    slot = sources.slot_of("sheet", 60, NOW)
    assert sources.next_run("sheet", 60, None, NOW) == NOW
    assert sources.next_run("sheet", 60, slot - 1, NOW) == NOW
    upcoming = sources.next_run("sheet", 60, slot, NOW)
    assert NOW < upcoming <= NOW + timedelta(minutes=60)
    assert sources.slot_of("sheet", 60, upcoming) == slot + 1
    assert sources.slot_of("sheet", 60, upcoming - timedelta(seconds=1)) == slot
    # A replica whose clock is ahead claimed the next slot too: the run after that one.
    assert sources.next_run("sheet", 60, slot + 1, NOW) == upcoming + timedelta(minutes=60)
    # Slots of 6 h are offset by the name too, and last 6 h.
    six = sources.next_run("sheet", 360, sources.slot_of("sheet", 360, NOW), NOW)
    assert NOW < six <= NOW + timedelta(hours=6)
    assert sources.slot_of("sheet", 360, six) == sources.slot_of("sheet", 360, NOW) + 1


async def test_two_replicas_run_a_source_once_per_interval(
    database, database_url: str, clock: Clock, fake_acled: FakeAcled, fake_sheet: FakeSheet
) -> None:
    # Start a second into one of the source's slots, so that a minute later is the same slot.
    while sources.slot_of("sheet", 60, clock.now - timedelta(seconds=1)) == sources.slot_of(
        "sheet", 60, clock.now
    ):
        clock.now += timedelta(seconds=1)
    clock.now += timedelta(seconds=1)
    first = source_core(database, database_url, clock, fake_acled)
    await first.prepare()
    fake_sheet.publish(SHEET, '"v1"')
    await ask(first, f"source add sheet kind:csv url:{fake_sheet.url} every:1h")
    other = open_database(database_url)
    try:
        second = source_core(other, database_url, clock, fake_acled)
        one, two = await asyncio.gather(
            sources.run_due(first.context), sources.run_due(second.context)
        )
        assert sorted([len(one), len(two)]) == [0, 1]
        assert len(fake_sheet.requests) == 1
        # Later in the same slot, nothing runs; in the next one, one replica runs it again.
        clock.now += timedelta(minutes=1)
        assert await sources.run_due(first.context) == []
        assert await sources.run_due(second.context) == []
        clock.now += timedelta(hours=1)
        one, two = await asyncio.gather(
            sources.run_due(first.context), sources.run_due(second.context)
        )
        assert sorted([len(one), len(two)]) == [0, 1]
        [report] = one or two
        assert report.message == "unchanged since the last run (the server said 304)"
    finally:
        await other.dispose()
    assert len(fake_sheet.requests) == 2
    assert fake_sheet.requests[1]["If-None-Match"] == '"v1"'


async def test_the_scheduler_has_the_source_job_with_jitter(feeds_core) -> None:
    scheduler = start_scheduler(feeds_core.settings, scheduled_jobs(feeds_core))
    try:
        job = scheduler.get_job(SOURCES_JOB_ID)
        assert job is not None
        assert job.trigger.interval == timedelta(seconds=60)
        assert job.trigger.jitter == 30
        assert job.misfire_grace_time == 60 and job.max_instances == 1
    finally:
        scheduler.shutdown(wait=False)
