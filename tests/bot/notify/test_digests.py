"""Weekly digests: what they say, their chart, and that each week is posted once.

The tests of when and how often digests go out, and of their words alone, run as an install
without the charts extra (conftest.py's without_charts): a digest's chart and map take about
0.3 s of CPU to draw, and test_the_week_of_the_july_attack and tests/bot/notify/test_maps.py
look at them.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.app import scheduled_jobs
from bot.commands.context import console_caller
from bot.commands.core import Core
from bot.commands.imports import import_file
from bot.commands.scheduled import post_digests
from bot.domain.filters import Filters
from bot.notify.delivery import Delivery, Outgoing, Progress
from bot.notify.digest_runs import cron_run
from bot.notify.digests import build_digest, covered_week, queue_digests
from bot.notify.scheduler import catch_up
from bot.settings import SAMPLE_DATA
from storage.catalog import series_by_name
from storage.database import open_database
from storage.models import OutboxMessage
from tests.bot.commands.test_core import ask
from tests.conftest import Clock, make_settings

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def sample_core(core: Core) -> Core:
    await import_file(
        core.context, SAMPLE_DATA, file_format=None, series=None, caller=console_caller()
    )
    return core


async def caught_up(core: Core) -> int:
    """Catch up as a start does, with the jobs the wiring gives the schedule."""
    return await catch_up(core.settings, scheduled_jobs(core), core.clock)


async def digest_of(core: Core, run_day: date):
    async with core.database.read() as session:
        series = await series_by_name(session, "attacks")
        return await build_digest(session, core.settings, series, Filters(), run_day)


def test_a_monday_run_reports_the_week_before() -> None:
    assert covered_week(date(2024, 7, 22)) == (date(2024, 7, 15), date(2024, 7, 21))


async def test_the_week_of_the_july_attack(core: Core) -> None:
    reply = await digest_of(await sample_core(core), date(2024, 7, 22))
    assert reply.headline == "Weekly digest, attacks: 1 attack this week (15 – 21 Jul 2024)"
    assert reply.details[0].startswith("• #4, 16 Jul 2024, Ain al-Assad, Iraq, drone ×2")
    assert (
        "6 days since the last attack (16 Jul 2024). The current pause is 7 days. It is shorter "
        "than the 86-day record (22 Apr → 16 Jul 2024). (A pause counts both its end days: one "
        "day more than the days since.)" in reply.details
    )
    assert "This week: 1. At least 4 attacks since 17 Oct 2023." in reply.details
    chart, drawn_map = reply.attachments  # the map: tests/bot/notify/test_maps.py
    assert chart.content.startswith(PNG_SIGNATURE) and len(chart.content) > 5_000
    assert drawn_map.filename.startswith("map-")


@pytest.mark.usefixtures("without_charts")
async def test_a_quiet_week_still_gets_its_digest(core: Core) -> None:
    reply = await digest_of(await sample_core(core), date(2024, 9, 2))
    assert reply.headline == (
        "Weekly digest, attacks: No attacks this week (26 Aug – 1 Sep 2024); "
        "the pause is now 49 days, 37 short of the record"
    )
    assert "This week: 0. At least 4 attacks since 17 Oct 2023." in reply.details


@pytest.mark.usefixtures("without_charts")
async def test_a_running_pause_past_the_record_says_so(core: Core) -> None:
    reply = await digest_of(await sample_core(core), date(2024, 12, 2))
    assert reply.headline.endswith("the pause is now 140 days, a new record")
    assert any(
        "It is a new record: the longest since tracking began on 17 Oct 2023; the previous "
        "record was 86 days (22 Apr → 16 Jul 2024)." in line
        for line in reply.details
    )


async def test_the_chart_command_answers_with_a_png(core: Core) -> None:
    await sample_core(core)
    reply = await core.handle("chart as-of 2024-07-22", console_caller())
    assert reply.headline == "Attacks per week, 52 weeks to 22 Jul 2024"
    assert reply.attachments[0].filename == "attacks-2024-07-22.png"
    assert reply.attachments[0].content.startswith(PNG_SIGNATURE)


async def queued_digests(core: Core) -> list[OutboxMessage]:
    async with core.database.read() as session:
        query = select(OutboxMessage).where(OutboxMessage.kind == "digest")
        return list(await session.scalars(query))


@pytest.mark.usefixtures("without_charts")
async def test_each_week_is_queued_once_per_channel(core: Core, clock: Clock) -> None:
    await sample_core(core)
    await ask(core, "subscribe digest")
    await ask(core, "subscribe digest country:Iraq")
    run_day = date(2024, 7, 22)
    # Two schedulers (or a restart and a late start) run the same week at once, then again.
    results = await asyncio.gather(
        queue_digests(core.database, core.settings, run_day, clock.now),
        queue_digests(core.database, core.settings, run_day, clock.now),
    )
    again = await queue_digests(core.database, core.settings, run_day, clock.now)
    assert sum(results) == 2 and again == 0
    messages = await queued_digests(core)
    assert sorted(m.key for m in messages) == [
        "digest:1:2024-07-22",
        "digest:2:2024-07-22",
    ]
    next_week = await queue_digests(core.database, core.settings, run_day + timedelta(7), clock.now)
    assert next_week == 2


def test_a_missed_run_is_found_within_the_grace_period() -> None:
    cron = "0 9 * * mon"
    baghdad = ZoneInfo("Asia/Baghdad")

    def missed(now: datetime, grace: timedelta) -> datetime | None:
        run = cron_run(cron, baghdad, now, grace)
        return None if run is None else run.at

    due = datetime(2024, 7, 22, 9, 0, tzinfo=baghdad)  # Monday 09:00 in Baghdad
    assert missed(datetime(2024, 7, 22, 10, 0, tzinfo=baghdad), timedelta(hours=24)) == due
    assert missed(datetime(2024, 7, 22, 8, 59, tzinfo=baghdad), timedelta(hours=24)) is None
    late = datetime(2024, 7, 23, 12, 0, tzinfo=baghdad)  # 27 hours late
    assert missed(late, timedelta(hours=24)) is None
    assert missed(late, timedelta(hours=48)) == due
    # 06:00 UTC is 09:00 in Baghdad: the zone, not UTC, decides.
    assert missed(datetime(2024, 7, 22, 6, 30, tzinfo=UTC), timedelta(hours=1)) == due


@pytest.mark.usefixtures("without_charts")
async def test_a_run_due_before_the_subscription_was_made_is_not_posted(
    core: Core, clock: Clock
) -> None:
    clock.now = datetime(2024, 7, 22, 9, 30, tzinfo=UTC)  # half an hour after Monday's run
    await ask(core, "subscribe digest")
    assert await post_digests(core.context, clock.now) == 0
    assert await post_digests(core.context, datetime(2024, 7, 29, 9, 0, tzinfo=UTC)) == 1


@pytest.mark.usefixtures("without_charts")
async def test_a_restart_within_the_grace_period_posts_the_missed_digest(
    database, database_url: str
) -> None:
    clock = Clock(datetime(2024, 7, 20, 12, 0, tzinfo=UTC))  # subscribed on the Saturday
    core = Core(database=database, settings=make_settings(database_url), clock=clock)
    await core.prepare()
    await sample_core(core)
    await ask(core, "subscribe digest")
    clock.now = datetime(2024, 7, 22, 15, 0, tzinfo=UTC)  # Monday afternoon: 09:00 was missed
    assert await caught_up(core) == 1
    assert await caught_up(core) == 0  # a second restart posts nothing more
    [message] = await queued_digests(core)
    assert message.key == "digest:1:2024-07-22"
    clock.now += timedelta(days=2)  # Wednesday: too late for this week
    assert await caught_up(core) == 0


@pytest.mark.usefixtures("without_charts")
async def test_two_replicas_post_each_digest_once(
    core: Core, database_url: str, clock: Clock
) -> None:
    """Two bots on one database (own engines, own schedulers and delivery loops)."""
    clock.now = datetime(2024, 7, 21, 12, 0, tzinfo=UTC)  # subscribed before the run
    await sample_core(core)
    await ask(core, "subscribe digest")
    await ask(core, "subscribe digest us-strikes")
    clock.now = datetime(2024, 7, 22, 9, 0, tzinfo=UTC)
    other_database = open_database(database_url)
    try:
        other = Core(database=other_database, settings=core.settings, clock=clock)
        monday = datetime(2024, 7, 22, 9, 0, tzinfo=UTC)
        await asyncio.gather(
            post_digests(core.context, monday), post_digests(other.context, monday)
        )
        platforms = [Recorder(), Recorder()]
        loops = [
            Delivery(core.database, [platforms[0]], clock=clock, batch=1),
            Delivery(other_database, [platforms[1]], clock=clock, batch=1),
        ]
        await asyncio.gather(*(loop.drain() for loop in loops))
    finally:
        await other_database.dispose()
    posted = [headline for p in platforms for headline in p.headlines]
    assert sorted(posted) == [
        "Weekly digest, attacks: 1 attack this week (15 – 21 Jul 2024)",
        "Weekly digest, us-strikes: No strikes this week (15 – 21 Jul 2024); "
        "the pause is now 167 days, a new record",
    ]


class Recorder:
    """A stand-in platform that records the headlines it is sent."""

    platform = "console"

    def __init__(self) -> None:
        self.headlines: list[str] = []

    async def send(self, message: Outgoing, progress: Progress) -> None:
        reply = message.reply
        self.headlines.append(reply.headline)


@pytest.mark.usefixtures("without_charts")
async def test_a_digest_of_a_pause_equal_to_the_record_says_so(core: Core) -> None:
    for day in ("2024-01-01", "2024-01-10"):
        await ask(core, f"add {day}")
    # Run on 19 Jan: the running pause, 10 Jan → 19 Jan, is 10 days like the record.
    reply = await digest_of(core, date(2024, 1, 19))
    assert reply.headline.endswith("the pause is now 10 days, equal to the record")
    assert any("It equals the 10-day record (1 Jan → 10 Jan 2024)." in d for d in reply.details)
