"""Weekly digests: the week's incidents, the running pause against the record, and a chart."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands.replies import Attachment, Reply, reply_data
from bot.domain import pauses
from bot.domain.filters import Filters
from bot.domain.wording import counted, day_text, days_text, incident_text, span_text, standing_text
from bot.notify import charts
from bot.settings import Settings
from storage import outbox, queries, subscriptions
from storage.database import Database
from storage.models import Incident, Series

log = logging.getLogger(__name__)
DIGEST = "digest"
WEEK_INCIDENTS_SHOWN = 10


def covered_week(run_day: date) -> tuple[date, date]:
    """Return the first and last day of the week a digest run on `run_day` reports."""
    return run_day - timedelta(days=7), run_day - timedelta(days=1)


def range_text(start: date, end: date) -> str:
    """Write "15 – 21 Jul 2024", "29 Jul – 4 Aug 2024" or across years in full."""
    if start.year != end.year:
        return f"{day_text(start)} – {day_text(end)}"
    if start.month != end.month:
        return f"{start.day} {start:%b} – {day_text(end)}"
    return f"{start.day} – {day_text(end)}"


@dataclass(frozen=True)
class DigestFacts:
    """What a digest says, gathered from the database."""

    series: str
    noun: str
    nouns: str
    filters: Filters
    start: date
    end: date
    as_of: date
    week_incidents: Sequence[Incident]
    week_total: int
    total: int
    tracking_start: date | None
    last_day: date | None
    running: pauses.Pause | None
    running_standing: pauses.Standing | None
    record: pauses.Pause | None


def digest_reply(facts: DigestFacts, chart: Attachment | None) -> Reply:
    """Write the digest: never silent, even for a week with nothing in it."""
    week = range_text(facts.start, facts.end)
    scope = facts.nouns + "".join(f" {k}:{v}" for k, v in facts.filters.items())
    running, record = facts.running, facts.record
    details: list[str] = []
    if facts.week_total:
        headline = f"{counted(facts.week_total, facts.noun, facts.nouns)} this week ({week})"
        details += [f"• {incident_text(i)}" for i in facts.week_incidents[:WEEK_INCIDENTS_SHOWN]]
        if facts.week_total > WEEK_INCIDENTS_SHOWN:
            details.append(f"• and {facts.week_total - WEEK_INCIDENTS_SHOWN} more")
    elif running is None:
        headline = f"No {scope} this week ({week}), and none recorded yet"
    else:
        headline = f"No {scope} this week ({week}); the pause is now {days_text(running.length)}"
        if record is not None and running.length < record.length:
            headline += f", {record.length - running.length} short of the record"
        elif record is not None:
            headline += ", the longest on record"
    if facts.last_day is not None:
        days_since = (facts.as_of - facts.last_day).days
        details.append(
            f"{days_text(days_since)} since the last {facts.noun} ({day_text(facts.last_day)})."
        )
    if facts.running_standing is not None and running is not None and running.length > 1:
        details.append(
            f"The current pause is {days_text(running.length)}. "
            + standing_text(facts.running_standing, verb="is")
        )
    if record is not None:
        running_note = " (running)" if record.running else ""
        details.append(
            f"The record pause is {days_text(record.length)}, {span_text(record)}{running_note}."
        )
    since = f" since {day_text(facts.tracking_start)}" if facts.tracking_start else ""
    details.append(
        f"This week: {facts.week_total}. At least {counted(facts.total, facts.noun, facts.nouns)}"
        f"{since}."
    )
    if facts.filters:
        details.append(f"Counting only {scope}.")
    return Reply(
        headline=f"Weekly digest, {facts.series}: {headline}",
        details=tuple(details),
        attachments=(chart,) if chart is not None else (),
    )


async def gather(
    session: AsyncSession, settings: Settings, series: Series, filters: Filters, run_day: date
) -> tuple[DigestFacts, list[tuple[date, int]], list[pauses.Pause]]:
    """Read what a digest run on `run_day` reports, plus the chart's weeks and pauses."""
    config = settings.series_settings(series.name)
    counting = settings.pause_counting
    start, end = covered_week(run_day)
    as_of = run_day
    days = await queries.incident_days(session, series.id, filters, as_of)
    closed = pauses.closed_pauses(days, counting)
    running = pauses.running_pause(days, as_of, counting)
    began = pauses.tracking_began(days, config.tracking_start)
    running_standing = (
        pauses.standing(running, closed, began) if running is not None and began else None
    )
    record = pauses.ranked(closed, 1)[0] if closed else None
    if running is not None and (record is None or running.length > record.length):
        record = running
    week_daily = await queries.daily_counts(session, series.id, filters, start, end)
    chart_first = charts.week_start(as_of) - timedelta(weeks=settings.chart_weeks - 1)
    chart_daily = await queries.daily_counts(session, series.id, filters, chart_first, as_of)
    facts = DigestFacts(
        series=series.name,
        noun=config.noun,
        nouns=config.nouns,
        filters=filters,
        start=start,
        end=end,
        as_of=as_of,
        week_incidents=await queries.incidents_between(
            session,
            series.id,
            filters,
            start=start,
            end=end,
            limit=WEEK_INCIDENTS_SHOWN,
            newest_first=False,
        ),
        week_total=queries.total(week_daily),
        total=queries.total(
            await queries.daily_counts(session, series.id, filters, config.tracking_start, as_of)
        ),
        tracking_start=config.tracking_start,
        last_day=days[-1] if days else None,
        running=running,
        running_standing=running_standing,
        record=record,
    )
    shaded = [
        p
        for p in [*closed, *([running] if running else [])]
        if p.length >= settings.alert_min_pause_days and p.end >= chart_first
    ]
    weekly = charts.weekly_counts(chart_daily, as_of, settings.chart_weeks)
    return facts, weekly, shaded


async def build_digest(
    session: AsyncSession, settings: Settings, series: Series, filters: Filters, run_day: date
) -> Reply:
    """Build the digest of a series for a run on `run_day`, with its chart."""
    facts, weekly, shaded = await gather(session, settings, series, filters, run_day)
    figure = charts.build_figure(
        title=f"{facts.nouns.capitalize()} per week to {day_text(facts.as_of)}",
        noun_plural=facts.nouns,
        weekly=weekly,
        shaded=shaded,
        record=facts.record,
    )
    # Drawing takes a moment of CPU: keep the event loop (and the chat adapters) answering.
    content = await asyncio.to_thread(charts.png, figure)
    chart = Attachment(f"{facts.series}-{facts.end.isoformat()}.png", content)
    return digest_reply(facts, chart)


async def queue_digests(
    database: Database, settings: Settings, run_day: date, now: datetime
) -> int:
    """Queue this run's digest for every digest subscription; return how many were new.

    The outbox key (subscription, week) is the claim: a restart, a late run or a second
    replica finds it taken and queues nothing.
    """
    async with database.read() as session:
        wanted = await subscriptions.all_of_kind(session, "digest")
    start, end = covered_week(run_day)
    queued = 0
    for subscription, _ in wanted:
        key = f"digest:{subscription.id}:{start.isoformat()}/{end.isoformat()}"
        async with database.read() as session:
            if await outbox.is_queued(session, key):
                continue
            series = await session.get(Series, subscription.series_id)
            assert series is not None
            reply = await build_digest(
                session, settings, series, subscriptions.filters_of(subscription), run_day
            )
        async with database.write() as session:
            queued += await outbox.enqueue_for(
                session,
                subscription,
                key=key,
                kind=DIGEST,
                payload={"reply": reply_data(reply)},
                now=now,
            )
    return queued
