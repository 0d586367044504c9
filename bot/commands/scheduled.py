"""What the schedule runs, as use cases: a digest run, the daily record check, the sources due.

Each takes the context and wakes the delivery loop when it queued something; the schedule
itself (bot/notify/scheduler.py) knows only when to call them.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.commands import sources
from bot.commands.context import Context
from bot.notify.alerts import queue_record_notices
from bot.notify.digests import queue_digests

log = logging.getLogger(__name__)


async def post_digests(context: Context, run_at: datetime) -> int:
    """Queue the digests of the run scheduled at `run_at`, and wake the delivery loop."""
    run_day = run_at.astimezone(context.settings.zone).date()
    queued = await queue_digests(context.database, context.settings, run_day, context.clock())
    log.info("digest run of %s queued %d digests", run_day, queued)
    if queued:
        context.notify()
    return queued


async def check_records(context: Context) -> int:
    """Queue the notices of running pauses that have passed their record today."""
    async with context.database.write() as session:
        queued = await queue_record_notices(
            session, settings=context.settings, today=context.today(), now=context.clock()
        )
    if queued:
        context.notify()
    return queued


async def run_sources(context: Context) -> int:
    """Run the sources whose slot has come (bot/commands/sources/); return how many ran."""
    reports = await sources.run_due(context)
    for report in reports:
        log.info("source %s: %s", report.name, report.message)
    return len(reports)
