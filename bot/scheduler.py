"""The digest schedule: an APScheduler cron job, plus the catch-up of a run missed while down."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.core import Clock, Core, utc_now
from bot.digests import queue_digests
from bot.settings import Settings

log = logging.getLogger(__name__)
JOB_ID = "weekly-digests"


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


def start_scheduler(core: Core, clock: Clock = utc_now) -> AsyncIOScheduler:
    """Start the digest schedule; jobs live in memory, the outbox keys make runs once-only."""
    grace = core.settings.digest_grace_hours * 3600
    scheduler = AsyncIOScheduler(timezone=core.settings.zone)
    scheduler.add_job(
        _scheduled,
        digest_trigger(core.settings),
        args=(core, clock),
        id=JOB_ID,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        # The default is one second: a digest due while the loop was busy would be dropped.
        misfire_grace_time=max(grace, 60),
    )
    scheduler.start()
    return scheduler


async def catch_up(core: Core) -> int:
    """Post the digest of a run missed while the bot was down, if within the grace period."""
    grace = timedelta(hours=core.settings.digest_grace_hours)
    missed = missed_run(digest_trigger(core.settings), core.clock(), grace)
    if missed is None:
        return 0
    return await post_digests(core, missed)
