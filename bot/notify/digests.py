"""Digests: the period's incidents, the running pause against the record, and a chart.

A digest covers the days since its schedule's previous run, up to the day before its own
(bot.domain.schedules.covered_days): a weekly one the week before, a daily one the day
before. One on the bot's `digest_cron` covers the week before, as it always has.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot import extras
from bot.domain.filters import Filters
from bot.domain.incidents import Incident
from bot.domain.notes import Note
from bot.domain.replies import Attachment, Reply, Subject, reply_data
from bot.domain.schedules import covered_days, read_schedule
from bot.domain.standing import Kind, SeriesStanding, Timeline
from bot.domain.wording import (
    Scope,
    day_text,
    days_text,
    ended_text,
    incident_text,
    running_text,
    sentence_case,
    since_and_pause_text,
)
from bot.notify import charts
from bot.notify.chart_marks import marks_text
from bot.notify.map_replies import default_days, draw_map, map_summary
from bot.notify.precision import pause_counting
from bot.notify.timeline_context import chart_context, context_series, digest_note_lines
from bot.settings import Settings
from storage import outbox, queries, subscriptions
from storage.database import Database
from storage.models import Series, Subscription
from storage.notes import notes_between
from storage.queries import SeriesLike

log = logging.getLogger(__name__)
DIGEST = "digest"
WEEK_INCIDENTS_SHOWN = 10


def covered_week(run_day: date) -> tuple[date, date]:
    """Return the first and last day of the week a digest run on `run_day` reports."""
    return run_day - timedelta(days=7), run_day - timedelta(days=1)


def covered_by(subscription: Subscription, run_day: date) -> tuple[date, date]:
    """Return the days a subscription's digest run on `run_day` covers (see the module)."""
    if subscription.schedule is None:
        return covered_week(run_day)
    return covered_days(read_schedule(subscription.schedule).weekdays, run_day)


def digest_key(subscription: Subscription, run_day: date) -> str:
    """Return the outbox key of a subscription's digest run of one local day: its claim."""
    return f"digest:{subscription.id}:{run_day.isoformat()}"


@dataclass(frozen=True)
class Period:
    """How a digest names the days it covers: its title, and its words in the headline and
    in the line of counts."""

    title: str
    when: str
    counted: str


def period_of(start: date, end: date) -> Period:
    """Name the days a digest covers: a day is yesterday's, seven days a week."""
    days = (end - start).days + 1
    if days == 1:
        return Period("Daily digest", "yesterday", "Yesterday")
    if days == 7:
        return Period("Weekly digest", "this week", "This week")
    return Period("Digest", f"in these {days} days", f"These {days} days")


def range_text(start: date, end: date) -> str:
    """Write "15 – 21 Jul 2024", "29 Jul – 4 Aug 2024" or across years in full."""
    if start == end:
        return day_text(start)
    if start.year != end.year:
        return f"{day_text(start)} – {day_text(end)}"
    if start.month != end.month:
        return f"{start.day} {start:%b} – {day_text(end)}"
    return f"{start.day} – {day_text(end)}"


@dataclass(frozen=True)
class DigestFacts:
    """What a digest says, gathered from the database."""

    series: str
    scope: Scope
    start: date
    end: date
    standing: SeriesStanding
    week_incidents: Sequence[Incident]
    week_total: int
    total: int
    tracking_start: date | None
    # How incidents known only to the week or month were counted in the pause (none: None);
    # the week's and the total counts hold them all, as stats do.
    note: str | None = None
    notes: Sequence[Note] = ()  # the notes of the days it covers (bot/domain/notes.py)


def digest_reply(facts: DigestFacts, chart: Attachment | None) -> Reply:
    """Write the digest: never silent, even for a week with nothing in it."""
    scope, standing = facts.scope, facts.standing
    period = period_of(facts.start, facts.end)
    week = f"{period.when} ({range_text(facts.start, facts.end)})"
    running, place = standing.running, standing.running_place
    details: list[str] = []
    if facts.week_total:
        headline = f"{scope.counted(facts.week_total)} {week}"
        details += [f"• {incident_text(i)}" for i in facts.week_incidents[:WEEK_INCIDENTS_SHOWN]]
        if facts.week_total > WEEK_INCIDENTS_SHOWN:
            details.append(f"• and {facts.week_total - WEEK_INCIDENTS_SHOWN:,} more")
    elif standing.last_day is None:
        headline = f"No {scope.all} {week}, and none recorded yet"
    else:
        headline = f"No {scope.all} {week}"
        if running is not None and place is not None:
            headline += f"; the pause is now {days_text(running.length)}"
            if place.kind is Kind.NEW_RECORD:
                headline += ", a new record"
            elif place.kind is Kind.EQUALS_RECORD:
                headline += ", equal to the record"
            elif place.short_of_record is not None:
                headline += f", {place.short_of_record:,} short of the record"
    if standing.last_day is not None and standing.days_since is not None:
        line = (
            f"{days_text(standing.days_since)} since {scope.last_one} "
            f"({day_text(standing.last_day)})."
        )
        if running is not None and place is not None:
            line += f" The current pause is {days_text(running.length)}. {running_text(place)}"
            why = since_and_pause_text(standing.counting)
            if why:
                line += f" {why}"
        elif standing.ended is not None:
            line += " " + ended_text(standing.ended, scope)
        details.append(line)
    if facts.note is not None:
        details.append(facts.note)
    details += digest_note_lines(facts.notes)
    since = f" since {day_text(facts.tracking_start)}" if facts.tracking_start else ""
    details.append(
        f"{period.counted}: {facts.week_total:,}. At least {scope.counted(facts.total)}{since}."
    )
    return Reply(
        headline=f"{period.title}, {facts.series}: {headline}",
        details=tuple(details),
        attachments=(chart,) if chart is not None else (),
    )


async def gather(
    session: AsyncSession,
    settings: Settings,
    series: SeriesLike,
    filters: Filters,
    run_day: date,
    covered: tuple[date, date] | None = None,
) -> tuple[DigestFacts, Timeline]:
    """Read what a digest run on `run_day` reports (on the days `covered`, by default the week
    before), and the timeline its chart is drawn from."""
    config = settings.series_settings(series.name)
    start, end = covered or covered_week(run_day)
    # The pause as `pause` counts it on the same day; the counts hold every incident.
    counting = await pause_counting(session, settings, series, filters, run_day)
    days = await queries.incident_days(session, series.id, counting.filters, run_day)
    timeline = Timeline(days, settings.pause_counting)
    week_daily = await queries.daily_counts(session, series.id, filters, start, end)
    scope = Scope(config.noun, config.nouns, filters)
    facts = DigestFacts(
        series=series.name,
        scope=scope,
        start=start,
        end=end,
        standing=timeline.standing(run_day, config.tracking_start),
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
            await queries.daily_counts(session, series.id, filters, config.tracking_start, run_day)
        ),
        tracking_start=config.tracking_start,
        note=counting.note(scope, where="in the days since or the pause"),
        notes=await notes_between(session, [series.id], start, end),
    )
    return facts, timeline


async def draw_chart(
    session: AsyncSession,
    settings: Settings,
    series: SeriesLike,
    scope: Scope,
    standing: SeriesStanding,
    other: SeriesLike | None = None,
) -> Attachment:
    """Draw the weekly chart of a series up to the standing's day, as a PNG attachment, with
    its notes and the `other` series' incident days marked."""
    return await drawn(await plan_chart(session, settings, series, scope, standing, other))


async def plan_chart(
    session: AsyncSession,
    settings: Settings,
    series: SeriesLike,
    scope: Scope,
    standing: SeriesStanding,
    other: SeriesLike | None = None,
) -> charts.Chart:
    """Plan the weekly chart of a series up to the standing's day (see draw_chart)."""
    as_of = standing.as_of
    first, last, _ = charts.window(as_of, settings.chart_weeks, standing.last_day)
    daily = await queries.daily_counts(session, series.id, scope.filters, first, last)
    notes, context = await chart_context(session, series, first, last, other)
    return charts.plan(
        series=series.name,
        scope=scope,
        standing=standing,
        daily=daily,
        weeks=settings.chart_weeks,
        notes=notes,
        context=context,
    )


async def drawn(chart: charts.Chart) -> Attachment:
    """Draw a planned chart as a PNG attachment."""
    # Drawing takes a moment of CPU: keep the event loop (and the chat adapters) answering.
    content = await asyncio.to_thread(lambda: charts.png(charts.build_figure(chart)))
    return Attachment(chart.filename, content)


async def build_digest(
    session: AsyncSession,
    settings: Settings,
    series: SeriesLike,
    filters: Filters,
    run_day: date,
    covered: tuple[date, date] | None = None,
    other: SeriesLike | None = None,
) -> Reply:
    """Build the digest of a series for a run on `run_day` (see gather), with its chart (the
    `other` series marked on it)."""
    facts, _ = await gather(session, settings, series, filters, run_day, covered)
    if missing := extras.missing("charts", "A digest's chart was to be drawn"):
        log.warning("%s; the digest goes without it", missing)  # the words still go out
        return digest_reply(facts, None)
    chart = await draw_chart(session, settings, series, facts.scope, facts.standing, other)
    # The map beside the chart, over the chart's weeks, saying what it could not place.
    days = default_days(facts.standing.as_of, settings.chart_weeks)
    drawn = await draw_map(session, series, facts.scope, facts.standing, days=days)
    reply = digest_reply(facts, chart)
    return replace(
        reply,
        details=(*reply.details, map_summary(facts.scope, drawn.plan, days[2])),
        attachments=(*reply.attachments, drawn.attachment),
    )


async def chart_reply(
    session: AsyncSession,
    settings: Settings,
    series: SeriesLike,
    subject: Subject,
    timeline: Timeline,
    other: SeriesLike | None = None,
) -> Reply:
    """Answer `chart`: the weekly chart up to the day asked about (the `other` series marked)."""
    standing = timeline.standing(subject.as_of, subject.tracking_start)
    planned = await plan_chart(session, settings, series, subject.scope, standing, other)
    chart = await drawn(planned)
    return Reply(
        headline=f"{sentence_case(subject.scope.all)} per week, {settings.chart_weeks} weeks to "
        f"{day_text(subject.as_of)}",
        details=(
            f"Shaded: pauses of {charts.LONG_PAUSE_DAYS} days or more; the record pause is red "
            "and the current one grey, each labelled with its length.",
            *marks_text(planned.marks),
        ),
        attachments=(chart,),
    )


async def queue_digests(
    database: Database, settings: Settings, run_day: date, now: datetime, series: str | None = None
) -> int:
    """Queue a run's digest on `run_day` for every digest subscription (of `series`, or of any).

    Return how many were new. Each covers its own days (covered_by); the outbox key (the
    subscription and the run's day) is the claim: a restart, a late run or a second replica
    finds it taken and queues nothing.
    """
    async with database.read() as session:
        wanted = await subscriptions.all_of_kind(session, "digest")
    queued = 0
    for subscription, name in wanted:
        if series is None or name == series:
            queued += await queue_one(database, settings, subscription, run_day, now)
    return queued


async def queue_one(
    database: Database, settings: Settings, subscription: Subscription, run_day: date, now: datetime
) -> int:
    """Queue one subscription's digest run of `run_day` unless it was; return 1 if it was new."""
    key = digest_key(subscription, run_day)
    # Before 7 Dec 2026 a run was keyed by the week it covered: a run queued under that key
    # just before an upgrade is not queued again under the new one.
    start, end = covered_week(run_day)
    old_key = f"digest:{subscription.id}:{start.isoformat()}/{end.isoformat()}"
    async with database.read() as session:
        if await outbox.is_queued(session, key) or await outbox.is_queued(session, old_key):
            return 0
        stored = await session.get(Series, subscription.series_id)
        assert stored is not None
        reply = await build_digest(
            session,
            settings,
            stored,
            subscriptions.filters_of(subscription),
            run_day,
            covered_by(subscription, run_day),
            await context_series(session, subscription.context_series),
        )
    async with database.write() as session:
        return int(
            await outbox.enqueue_for(
                session,
                subscription,
                key=key,
                kind=DIGEST,
                payload={"reply": reply_data(reply)},
                now=now,
            )
        )
