"""What the schedule runs, as use cases: the digests due, held alerts, records, sources due.

Each takes the context and wakes the delivery loop when it queued something; the schedule
itself (bot/notify/scheduler.py) knows only when to call them.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.commands import sources
from bot.commands.context import Context
from bot.commands.import_store import take_back_interrupted
from bot.notify.alerts import queue_record_notices
from bot.notify.digest_runs import queue_due_digests
from bot.notify.hours import release_held

log = logging.getLogger(__name__)
# However short `digest_grace_hours`, a run is due this long: the check runs once a minute.
SHORTEST_WINDOW = timedelta(minutes=5)


async def post_digests(context: Context, now: datetime) -> int:
    """Queue the digest runs that have come by `now` (each in its channel's zone, within
    `digest_grace_hours`), and wake the delivery loop."""
    window = max(timedelta(hours=context.settings.digest_grace_hours), SHORTEST_WINDOW)
    queued = await queue_due_digests(context.database, context.settings, now, window)
    if queued:
        log.info("%d digests queued", queued)
        context.notify()
    return queued


async def post_held(context: Context) -> int:
    """Post what was held for channels whose quiet hours are over, one message a channel."""
    released = await release_held(context.database, context.settings, context.clock())
    if released:
        context.notify()
    return released


async def check_records(context: Context) -> int:
    """Queue the notices of running pauses that have passed their record today (each
    channel's today, in its zone).

    First, an import that a stopped process left part-way is taken back once its lease ran
    out: while it seems to be storing, its series is left out of the check.
    """
    await take_back_interrupted(context)
    async with context.database.write() as session:
        queued = await queue_record_notices(session, settings=context.settings, now=context.clock())
    if queued:
        context.notify()
    return queued


async def run_sources(context: Context) -> int:
    """Run the sources whose slot has come (bot/commands/sources/); return how many ran."""
    reports = await sources.run_due(context)
    for report in reports:
        log.info("source %s: %s", report.name, report.message)
    return len(reports)
