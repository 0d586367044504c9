"""The schedule: digests (cron), the daily record check, the sources' runs, and the catch-up."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.commands import sources
from bot.commands.core import Core
from bot.domain.clock import Clock, utc_now
from bot.notify.alerts import queue_record_notices
from bot.notify.digests import queue_digests
from bot.settings import Settings

log = logging.getLogger(__name__)
JOB_ID = "weekly-digests"
RECORD_JOB_ID = "daily-record-check"
RECORD_CHECK = "0 9 * * *"  # daily, in the configured time zone
SOURCES_JOB_ID = "source-runs"
# Each minute the sources whose slot has come are run; the slot claim in the database makes
# a slot run once whatever the replicas, so the check itself may run anywhere, any number
# of times.
SOURCES_CHECK_SECONDS = 60
# How long a stop waits for the jobs it cancelled to end.
STOP_WAIT_SECONDS = 10.0


def digest_trigger(settings: Settings) -> CronTrigger:
    """Return the trigger of `digest_cron` in the configured time zone."""
    return CronTrigger.from_crontab(settings.digest_cron, timezone=settings.zone)


def missed_run(trigger: CronTrigger, now: datetime, grace: timedelta) -> datetime | None:
    """Return the latest scheduled run in the grace period before `now`, if there was one."""
    latest = None
    run = trigger.get_next_fire_time(None, now - grace)
    while run is not None and run <= now:
        latest = run
        run = trigger.get_next_fire_time(run, run + timedelta(seconds=1))
    return latest


async def post_digests(core: Core, run_at: datetime) -> int:
    """Queue the digests of the run scheduled at `run_at`, and wake the delivery loop."""
    run_day = run_at.astimezone(core.settings.zone).date()
    queued = await queue_digests(core.database, core.settings, run_day, core.clock())
    log.info("digest run of %s queued %d digests", run_day, queued)
    if queued:
        core.notify()
    return queued


async def _scheduled(core: Core, clock: Clock) -> None:
    # APScheduler 3 does not pass the scheduled time; a late start is within the grace
    # period, so the day it runs is the day it was due (digests are claimed per week).
    try:
        await post_digests(core, clock())
    except Exception:
        log.exception("the digest run failed; the next run or a restart will catch up")


class Schedule(AsyncIOScheduler):
    """The scheduler, knowing its jobs under way so that a stop ends them quietly.

    APScheduler's own shutdown cancels a running job a moment later (it is deferred to the
    event loop), by when the database may be closed, and logs the cancellation as the
    job's error, with a traceback. `stop` cancels the jobs itself, waits until they have
    ended, and logs no error: what a job had not done is the next start's (its catch-up,
    its source runs).
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.under_way: set[asyncio.Task[Any]] = set()
        self._stopped = False

    def quietly(self, job: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
        """Return `job` as a job whose cancellation is a stop, not an error."""

        async def run(*args: Any) -> None:
            task = asyncio.current_task()
            assert task is not None
            self.under_way.add(task)
            try:
                await job(*args)
            except asyncio.CancelledError:
                # Not raised on: APScheduler would log it as the job's error.
                log.info("%s stopped with the bot; the next start takes it up", job.__name__)
            finally:
                self.under_way.discard(task)

        run.__name__ = run.__qualname__ = job.__name__  # how APScheduler names the job
        return run

    async def stop(self) -> None:
        """Stop the schedule: cancel the jobs under way and wait until they have ended."""
        if self._stopped or not self.running:
            return
        self._stopped = True
        self.pause()  # no job starts from here on
        # A job handed to the event loop a moment ago has not begun: let it enter `run`,
        # where its cancellation is quiet (cancelled before, APScheduler logs an error).
        await asyncio.sleep(0)
        under_way = list(self.under_way)
        for task in under_way:
            task.cancel()
        if under_way:
            # A cancelled job only rolls back; the bound keeps a stuck one from holding
            # up the stop.
            await asyncio.wait(under_way, timeout=STOP_WAIT_SECONDS)
        self.shutdown(wait=False)  # no job is left for it to cancel
        await asyncio.sleep(0)  # its shutdown is deferred to the event loop: let it run


def start_scheduler(core: Core, clock: Clock = utc_now) -> Schedule:
    """Start the digest schedule; jobs live in memory, the outbox keys make runs once-only.

    Stop it with `await scheduler.stop()`, before the database is closed.
    """
    grace = core.settings.digest_grace_hours * 3600
    scheduler = Schedule(timezone=core.settings.zone)
    scheduler.add_job(
        scheduler.quietly(_scheduled),
        digest_trigger(core.settings),
        args=(core, clock),
        id=JOB_ID,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        # The default is one second: a digest due while the loop was busy would be dropped.
        misfire_grace_time=max(grace, 60),
    )
    scheduler.add_job(
        scheduler.quietly(_checked),
        CronTrigger.from_crontab(RECORD_CHECK, timezone=core.settings.zone),
        args=(core,),
        id=RECORD_JOB_ID,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=12 * 3600,
    )
    scheduler.add_job(
        scheduler.quietly(_sources),
        IntervalTrigger(
            seconds=SOURCES_CHECK_SECONDS,
            jitter=core.settings.source_jitter_seconds or None,
            timezone=core.settings.zone,
        ),
        args=(core,),
        id=SOURCES_JOB_ID,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=SOURCES_CHECK_SECONDS,
    )
    scheduler.start()
    return scheduler


async def _sources(core: Core) -> None:
    try:
        for report in await sources.run_due(core.context):
            log.info("source %s: %s", report.name, report.message)
    except Exception:
        log.exception("the source runs failed; the next check tries again")


async def check_records(core: Core) -> int:
    """Queue the notices of running pauses that have passed their record today."""
    async with core.database.write() as session:
        queued = await queue_record_notices(
            session, settings=core.settings, today=core.today(), now=core.clock()
        )
    if queued:
        core.notify()
    return queued


async def _checked(core: Core) -> None:
    try:
        await check_records(core)
    except Exception:
        log.exception("the daily record check failed; tomorrow's or a restart's will catch up")


async def catch_up(core: Core) -> int:
    """At start: check the records, and post a digest missed while the bot was down."""
    queued = await check_records(core)
    grace = timedelta(hours=core.settings.digest_grace_hours)
    missed = missed_run(digest_trigger(core.settings), core.clock(), grace)
    if missed is not None:
        queued += await post_digests(core, missed)
    return queued
