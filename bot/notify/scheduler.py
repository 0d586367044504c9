"""The schedule: digests (cron), the daily record check, the sources' runs, and the catch-up.

It knows APScheduler and cron, not what a job does: the jobs are plain coroutine functions
that the wiring builds (bot/app.py, from bot/commands/scheduled.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.domain.clock import Clock, utc_now
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


@dataclass(frozen=True)
class Jobs:
    """What the schedule runs; each returns how many messages (or source runs) it queued.

    `digests(run_at)` queues the digests of the run scheduled at `run_at`; `records()` the
    notices of running pauses that passed their record today; `sources()` runs the sources
    whose slot has come.
    """

    digests: Callable[[datetime], Awaitable[int]]
    records: Callable[[], Awaitable[int]]
    sources: Callable[[], Awaitable[int]]


async def _scheduled(jobs: Jobs, clock: Clock) -> None:
    # APScheduler 3 does not pass the scheduled time; a late start is within the grace
    # period, so the day it runs is the day it was due (digests are claimed per week).
    try:
        await jobs.digests(clock())
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


def start_scheduler(settings: Settings, jobs: Jobs, clock: Clock = utc_now) -> Schedule:
    """Start the schedule of `jobs`; they live in memory, the outbox keys make runs once-only.

    `clock` says when a digest run is (its day is the week's). Stop the schedule with
    `await scheduler.stop()`, before the database is closed.
    """
    grace = settings.digest_grace_hours * 3600
    scheduler = Schedule(timezone=settings.zone)
    scheduler.add_job(
        scheduler.quietly(_scheduled),
        digest_trigger(settings),
        args=(jobs, clock),
        id=JOB_ID,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        # The default is one second: a digest due while the loop was busy would be dropped.
        misfire_grace_time=max(grace, 60),
    )
    scheduler.add_job(
        scheduler.quietly(_checked),
        CronTrigger.from_crontab(RECORD_CHECK, timezone=settings.zone),
        args=(jobs,),
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
            jitter=settings.source_jitter_seconds or None,
            timezone=settings.zone,
        ),
        args=(jobs,),
        id=SOURCES_JOB_ID,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=SOURCES_CHECK_SECONDS,
    )
    scheduler.start()
    return scheduler


async def _sources(jobs: Jobs) -> None:
    try:
        await jobs.sources()
    except Exception:
        log.exception("the source runs failed; the next check tries again")


async def _checked(jobs: Jobs) -> None:
    try:
        await jobs.records()
    except Exception:
        log.exception("the daily record check failed; tomorrow's or a restart's will catch up")


async def catch_up(settings: Settings, jobs: Jobs, clock: Clock) -> int:
    """At start: check the records, and post a digest missed while the bot was down."""
    queued = await jobs.records()
    grace = timedelta(hours=settings.digest_grace_hours)
    missed = missed_run(digest_trigger(settings), clock(), grace)
    if missed is not None:
        queued += await jobs.digests(missed)
    return queued
