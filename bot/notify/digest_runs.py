"""Which digests are due: each subscription's run on its own schedule, in its channel's zone.

A subscription with a schedule (`every day 07:30`) runs at that local time on its days; one
without follows the bot's `digest_cron`, also read in the channel's zone. A run is due from
its instant (bot.domain.schedules.local_instant: once, whatever the clocks do that day) until
`window` after, so a run missed while the bot was down is made up when it comes back (a
run due before the subscription was made is not one it missed). The
outbox key names the subscription and the run's local day (digests.digest_key): however
often and on however many replicas the check runs, each run is queued once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.domain.schedules import DigestSchedule, Run, latest_run, read_schedule
from bot.notify.digests import digest_key, queue_one
from bot.notify.hours import read_hours
from bot.settings import Settings
from storage import outbox, subscriptions
from storage.database import Database
from storage.models import Subscription

log = logging.getLogger(__name__)
# A Monday at midnight UTC: the week the days of a cron schedule are read from.
_REFERENCE_MONDAY = datetime(2024, 1, 1, tzinfo=UTC)


@cache
def cron_schedule(cron: str) -> DigestSchedule | None:
    """Return a cron schedule as days and a time of day, when it is one (`0 9 * * mon`).

    The days are read from APScheduler's own trigger, as it reads them; None for a schedule
    that is not one time on some days of the week (`0 9,17 * * *`, `0 9 1 * *`).
    """
    minute, hour, day, month, _ = cron.split()
    if not (minute.isdigit() and hour.isdigit() and day == "*" and month == "*"):
        return None
    trigger = CronTrigger.from_crontab(cron, timezone=UTC)
    days: set[int] = set()
    fire = trigger.get_next_fire_time(None, _REFERENCE_MONDAY)
    while fire is not None and fire < _REFERENCE_MONDAY + timedelta(days=7):
        days.add(fire.weekday())
        fire = trigger.get_next_fire_time(fire, fire + timedelta(minutes=1))
    if not days:
        return None
    return DigestSchedule(frozenset(days), time(int(hour), int(minute)))


def cron_run(cron: str, zone: ZoneInfo, now: datetime, window: timedelta) -> Run | None:
    """Return the latest run of any cron schedule in `zone` due within `window` before `now`."""
    trigger = CronTrigger.from_crontab(cron, timezone=zone)
    latest = None
    fire = trigger.get_next_fire_time(None, now - window)
    while fire is not None and fire <= now:
        latest = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    if latest is None:
        return None
    return Run(latest.astimezone(zone).date(), latest.astimezone(UTC))


def due_run(
    subscription: Subscription, settings: Settings, zone: ZoneInfo, now: datetime, window: timedelta
) -> Run | None:
    """Return a digest subscription's latest run due within `window` before `now`, if any."""
    if subscription.schedule is not None:
        schedule: DigestSchedule | None = read_schedule(subscription.schedule)
    else:
        schedule = cron_schedule(settings.digest_cron)
        if schedule is None:
            return cron_run(settings.digest_cron, zone, now, window)
    assert schedule is not None
    return latest_run(schedule.weekdays, schedule.at, zone, now, window)


@dataclass(frozen=True)
class Due:
    """A digest run that has come: the subscription, and the run (its local day, its instant)."""

    subscription: Subscription
    run: Run


async def due_digests(
    database: Database, settings: Settings, now: datetime, window: timedelta
) -> list[Due]:
    """Return the digest runs that have come by `now` (within `window`) and are not queued."""
    found: list[Due] = []
    async with database.read() as session:
        wanted = await subscriptions.all_of_kind(session, "digest")
        if not wanted:
            return []
        book = await read_hours(session, settings)
        for subscription, _ in wanted:
            zone = book.of(subscription.platform, subscription.channel, subscription.team).zone
            run = due_run(subscription, settings, zone, now, window)
            # A run due before the subscription was made was not missed: it was never its.
            since = subscription.scheduled_at or subscription.created_at
            if run is not None and run.at >= since:
                found.append(Due(subscription, run))
        queued = await outbox.queued_keys(
            session, [digest_key(due.subscription, due.run.day) for due in found]
        )
    return [due for due in found if digest_key(due.subscription, due.run.day) not in queued]


async def queue_due_digests(
    database: Database, settings: Settings, now: datetime, window: timedelta
) -> int:
    """Queue every digest run that has come by `now` (within `window`); return how many."""
    queued = 0
    for due in await due_digests(database, settings, now, window):
        queued += await queue_one(database, settings, due.subscription, due.run.day, now)
        log.info(
            "digest of subscription %d for %s (due %s) queued",
            due.subscription.id,
            due.run.day,
            due.run.at.isoformat(),
        )
    return queued
