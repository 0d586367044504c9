"""Each digest on its own schedule, in its channel's zone: once a run, across the 2026 clock changes.

Channels in Europe/London, America/New_York and Asia/Baghdad (which keeps +03:00) subscribe to
daily digests at 01:30 and 02:30 local: times that do not happen on the spring change days
(London 29 Mar 01:30, New York 8 Mar 02:30) and happen twice on the autumn ones (London
25 Oct 01:30, New York 1 Nov 01:30). Two replicas (two Database objects on one database)
check which digests are due at each expected instant and the second before it, both at once,
and at every hour around each change, taking turns. The expected instants are found here by brute force with
zoneinfo: the first minute whose wall clock reaches the time on the day.

The tests that build digests run as an install without the charts extra (conftest.py's
without_charts): their words and keys are checked, their charts are
tests/bot/notify/test_digests.py's and test_maps.py's. The run across the changes builds each
of its ~60 digests twice (both replicas race): drawing their 240 charts and maps took 40 s.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.app import scheduled_jobs
from bot.commands.core import Caller, Core
from bot.commands.scheduled import post_digests
from bot.domain.replies import reply_from_data
from bot.domain.wording import day_text
from bot.notify.delivery import Delivery
from bot.notify.digest_runs import cron_run, cron_schedule
from bot.notify.scheduler import catch_up
from storage.database import Database, open_database
from storage.models import OutboxMessage, Subscription
from tests.bot.commands.test_core import ask
from tests.bot.notify.test_digests import Recorder
from tests.conftest import Clock, make_settings

CHANGES = (date(2026, 3, 8), date(2026, 3, 29), date(2026, 10, 25), date(2026, 11, 1))
# channel: (zone, [(filters, local time)]); a channel's second subscription needs other filters.
CHANNELS = {
    "C-london": ("Europe/London", [("", time(1, 30)), ("country:Iraq", time(2, 30))]),
    "C-newyork": ("America/New_York", [("", time(1, 30)), ("country:Iraq", time(2, 30))]),
    "C-baghdad": ("Asia/Baghdad", [("", time(1, 30))]),
}


def admin(channel: str) -> Caller:
    return Caller(user="U-admin", is_admin=True, platform="console", channel=channel)


def first_minute_reaching(day: date, at: time, zone: ZoneInfo) -> datetime:
    """Return the first minute (UTC) whose wall clock in `zone` reads `at` on `day` or later."""
    wanted = datetime.combine(day, at)
    moment = datetime.combine(day - timedelta(days=1), time(0), tzinfo=UTC)
    while moment.astimezone(zone).replace(tzinfo=None) < wanted:
        moment += timedelta(minutes=1)
    return moment


@pytest.fixture
async def replicas(database: Database, database_url: str) -> AsyncIterator[tuple[Core, Core]]:
    """Two bots on one database, each with its own engine, on one clock; the default zone UTC."""
    clock = Clock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    # Grace 0: a run is due for the shortest window only, so none is made up late here.
    settings = make_settings(database_url, timezone="UTC", digest_grace_hours=0)
    first = Core(database=database, settings=settings, clock=clock)
    await first.prepare()
    other_database = open_database(database_url)
    try:
        yield first, Core(database=other_database, settings=settings, clock=clock)
    finally:
        await other_database.dispose()


async def digests(core: Core) -> list[OutboxMessage]:
    async with core.database.read() as session:
        query = select(OutboxMessage).where(OutboxMessage.kind == "digest")
        return list(await session.scalars(query.order_by(OutboxMessage.id)))


async def subscription_ids(core: Core) -> dict[tuple[str, str], int]:
    """Return each subscription's id by (channel, filters)."""
    async with core.database.read() as session:
        rows = await session.scalars(select(Subscription))
        return {(s.channel, s.filters_key): s.id for s in rows}


async def test_each_digest_fires_once_across_the_2026_clock_changes_on_two_replicas(
    replicas: tuple[Core, Core], without_charts: None
) -> None:
    core, other = replicas
    clock = core.clock
    assert isinstance(clock, Clock)
    for channel, (zone, subscribed) in CHANNELS.items():
        await ask(core, f"timezone {zone}", admin(channel))
        for filters, at in subscribed:
            words = " ".join(w for w in ("subscribe digest", filters, f"every day {at:%H:%M}") if w)
            said = await ask(core, words, admin(channel))
            assert "covers the day before" in said and f"{zone} time" in said
    ids = await subscription_ids(core)
    expected: dict[str, datetime] = {}  # outbox key: the instant it is due
    moments: set[datetime] = set()
    for change in CHANGES:
        start = datetime.combine(change - timedelta(days=2), time(12), tzinfo=UTC)
        end = datetime.combine(change + timedelta(days=1), time(12), tzinfo=UTC)
        moments |= {start + timedelta(hours=n) for n in range(24 * 3 + 1)}
        for channel, (zone, subscribed) in CHANNELS.items():
            for filters, at in subscribed:
                for offset in range(-3, 4):
                    day = change + timedelta(days=offset)
                    due = first_minute_reaching(day, at, ZoneInfo(zone))
                    if start <= due <= end:
                        key = f"digest:{ids[(channel, filters.lower())]}:{day.isoformat()}"
                        expected[key] = due
                        moments |= {due, due - timedelta(seconds=1)}
    queued = 0
    due = set(expected.values()) | {m - timedelta(seconds=1) for m in expected.values()}
    for number, moment in enumerate(sorted(moments)):
        clock.now = moment
        if moment in due:
            # At a run's instant (and the second before) both replicas race for it.
            counts = await asyncio.gather(
                post_digests(core.context, moment), post_digests(other.context, moment)
            )
        else:
            # On the hours between, the replicas take turns: each checks what the other queued.
            replica = (core, other)[number % 2]
            counts = [await post_digests(replica.context, moment)]
        queued += sum(counts)
    found = await digests(core)
    assert queued == len(found) == len(expected)
    assert {m.key: m.created_at for m in found} == expected
    # Every change day has its run in every zone, London's and New York's at the first moment
    # after the gap or at the first of the two 01:30s.
    for change in CHANGES:
        for channel, (_, subscribed) in CHANNELS.items():
            for filters, _ in subscribed:
                key = f"digest:{ids[(channel, filters.lower())]}:{change.isoformat()}"
                assert key in expected
    london = ids[("C-london", "")]
    assert expected[f"digest:{london}:2026-03-29"] == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert expected[f"digest:{london}:2026-10-25"] == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    new_york = ids[("C-newyork", "country:iraq")]
    assert expected[f"digest:{new_york}:2026-03-08"] == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    # A daily digest covers the day before its local run day, in its channel's zone.
    for message in found:
        run_day = date.fromisoformat(message.key.rsplit(":", 1)[1])
        reply = reply_from_data(message.payload["reply"])
        assert reply.headline.startswith("Daily digest, attacks: No attacks ")
        assert f" yesterday ({day_text(run_day - timedelta(days=1))})" in reply.headline
    # Two delivery loops, one on each replica, post each once.
    platforms = [Recorder(), Recorder()]
    loops = [
        Delivery(core.database, [platforms[0]], clock=clock, batch=1),
        Delivery(other.database, [platforms[1]], clock=clock, batch=1),
    ]
    await asyncio.gather(*(loop.drain() for loop in loops))
    assert sum(len(p.headlines) for p in platforms) == len(expected)


@pytest.mark.usefixtures("without_charts")
async def test_a_digest_without_a_schedule_follows_the_bots_cron_in_its_channels_zone(
    replicas: tuple[Core, Core],
) -> None:
    core, _ = replicas
    clock = core.clock
    assert isinstance(clock, Clock)
    await ask(core, "timezone Asia/Baghdad", admin("C-baghdad"))
    said = await ask(core, "subscribe digest", admin("C-baghdad"))
    assert "on the bot's schedule (`0 9 * * mon`), Asia/Baghdad time" in said
    assert "covers the week before" in said
    listed = await ask(core, "subscriptions", admin("C-baghdad"))
    assert "• digest: attacks, on the bot's schedule" in listed
    assert "Time zone: Asia/Baghdad (this channel's own)" in listed
    due = datetime(2026, 3, 30, 9, 0, tzinfo=ZoneInfo("Asia/Baghdad"))  # Monday 09:00 there
    clock.now = due - timedelta(seconds=1)
    assert await post_digests(core.context, clock.now) == 0
    clock.now = due
    assert await post_digests(core.context, clock.now) == 1
    [message] = await digests(core)
    assert message.key.endswith(":2026-03-30")
    headline = reply_from_data(message.payload["reply"]).headline
    assert headline.endswith("this week (23 – 29 Mar 2026), and none recorded yet")


async def test_a_new_schedule_replaces_the_old_and_says_so(replicas: tuple[Core, Core]) -> None:
    core, _ = replicas
    await ask(core, "timezone America/New_York", admin("C-1"))
    await ask(core, "subscribe digest every monday 08:00", admin("C-1"))
    said = await ask(core, "subscribe digest every day 07:30", admin("C-1"))
    assert "is now posted every day 07:30" in said
    assert "It was posted every monday 08:00." in said
    assert "covers the day before" in said
    again = await ask(core, "subscribe digest every day 07:30", admin("C-1"))
    assert "already gets" in again
    # A subscribe without a schedule keeps the one it has (the settings file's do the same).
    assert "every day 07:30" in await ask(core, "subscribe digest", admin("C-1"))
    listed = await ask(core, "subscriptions", admin("C-1"))
    assert "• digest: attacks, every day 07:30" in listed
    async with core.database.read() as session:
        [schedule] = list(await session.scalars(select(Subscription.schedule)))
    assert schedule == "every day 07:30"


@pytest.mark.usefixtures("without_charts")
async def test_a_restart_within_the_grace_period_posts_a_missed_digest_once(
    database: Database, database_url: str
) -> None:
    new_york = ZoneInfo("America/New_York")
    clock = Clock(datetime(2026, 11, 1, 12, 0, tzinfo=new_york))
    settings = make_settings(database_url, timezone="UTC", digest_grace_hours=6)
    core = Core(database=database, settings=settings, clock=clock)
    await core.prepare()
    await ask(core, "timezone America/New_York", admin("C-1"))
    await ask(core, "subscribe digest every day 07:30", admin("C-1"))
    # Down from before 07:30 until 10:00 on 2 Nov, the day after the clocks went back.
    clock.now = datetime(2026, 11, 2, 10, 0, tzinfo=new_york)
    assert await catch_up(core.settings, scheduled_jobs(core), core.clock) == 1
    assert await catch_up(core.settings, scheduled_jobs(core), core.clock) == 0
    [message] = await digests(core)
    assert message.key.endswith(":2026-11-02")
    assert "yesterday (1 Nov 2026)" in reply_from_data(message.payload["reply"]).headline
    # The next day's run, 6 h 30 min late: past the grace period, not made up.
    clock.now = datetime(2026, 11, 3, 14, 0, tzinfo=new_york)
    assert await catch_up(core.settings, scheduled_jobs(core), core.clock) == 0
    assert len(await digests(core)) == 1


def test_the_bots_cron_is_read_as_days_and_a_time_when_it_is_one() -> None:
    monday_to_friday = cron_schedule("30 7 * * mon-fri")
    assert monday_to_friday is not None
    assert (monday_to_friday.weekdays, monday_to_friday.at) == (frozenset(range(5)), time(7, 30))
    every_day = cron_schedule("0 9 * * *")
    assert every_day is not None and every_day.weekdays == frozenset(range(7))
    # Not one time on some weekdays: the cron itself is asked, in the channel's zone.
    assert cron_schedule("0 9,17 * * *") is None
    assert cron_schedule("0 9 1 * *") is None
    baghdad = ZoneInfo("Asia/Baghdad")
    moment = datetime(2026, 3, 29, 14, 30, tzinfo=UTC)  # 17:30 in Baghdad
    run = cron_run("0 9,17 * * *", baghdad, moment, timedelta(hours=1))
    assert run is not None
    assert (run.day, run.at) == (date(2026, 3, 29), datetime(2026, 3, 29, 14, 0, tzinfo=UTC))
