"""The schedule: the digests due, held alerts, the record check, the sources, and the catch-up.

It knows APScheduler and cron, not what a job does: the jobs are plain coroutine functions
that the wiring builds (bot/app.py, from bot/commands/scheduled.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.domain.clock import Clock, utc_now
from bot.settings import Settings

log = logging.getLogger(__name__)
JOB_ID = "due-digests"
HELD_JOB_ID = "held-alerts"
# Each minute the digest runs that have come are queued, each subscription on its own
# schedule in its channel's zone, and what quiet hours held is posted where they are over;
# the outbox keys make each run and each release once, whatever the replicas.
DUE_CHECK_SECONDS = 60
RECORD_JOB_ID = "daily-record-check"
RECORD_CHECK = "0 9 * * *"  # daily, in the configured time zone
SOURCES_JOB_ID = "source-runs"
# Each minute the sources whose slot has come are run; the slot claim in the database makes
# a slot run once whatever the replicas, so the check itself may run anywhere, any number
# of times.
SOURCES_CHECK_SECONDS = 60
# How long a stop waits for the jobs it cancelled to end.
STOP_WAIT_SECONDS = 10.0


async def _nothing() -> int:
    return 0


@dataclass(frozen=True)
class Jobs:
    """What the schedule runs; each returns how many messages (or source runs) it queued.

    `digests(now)` queues the digest runs that have come by `now` (and are within the grace
    period); `records()` the notices of running pauses that passed their record today;
    `sources()` runs the sources whose slot has come; `held()` posts what quiet hours held,
    where they are over.
    """

    digests: Callable[[datetime], Awaitable[int]]
    records: Callable[[], Awaitable[int]]
    sources: Callable[[], Awaitable[int]]
    held: Callable[[], Awaitable[int]] = _nothing


async def _scheduled(jobs: Jobs, clock: Clock) -> None:
    try:
        await jobs.digests(clock())
    except Exception:
        log.exception("the digest check failed; the next check or a restart will catch up")


async def _released(jobs: Jobs) -> None:
    try:
        await jobs.held()
    except Exception:
        log.exception("posting the held alerts failed; the next check tries again")


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

    `clock` says which digest runs have come. Stop the schedule with `await scheduler.stop()`,
    before the database is closed.
    """
    scheduler = Schedule(timezone=settings.zone)
    for job, args, job_id in (
        (_scheduled, (jobs, clock), JOB_ID),
        (_released, (jobs,), HELD_JOB_ID),
    ):
        scheduler.add_job(
            scheduler.quietly(job),
            IntervalTrigger(seconds=DUE_CHECK_SECONDS, timezone=settings.zone),
            args=args,
            id=job_id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            # A check that starts late is as good as on time: what it looks for waits.
            misfire_grace_time=DUE_CHECK_SECONDS,
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
    """At start: check the records, post the digests missed while the bot was down (within
    `digest_grace_hours`), and what quiet hours that ended meanwhile held."""
    del settings  # each job reads its own
    queued = await jobs.records()
    queued += await jobs.digests(clock())
    return queued + await jobs.held()
