"""Alerts: when a new incident ends the current pause, what each subscribed channel is told."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands.replies import Reply, reply_data
from bot.domain import pauses
from bot.domain.filters import Filters
from bot.domain.wording import (
    a_n,
    counted,
    day_text,
    ended_text,
    incident_text,
    span_text,
    standing_text,
)
from bot.settings import Settings
from storage import outbox, queries, subscriptions
from storage.models import Incident, Series, Subscription

ALERT = "alert"
MAX_INCIDENTS_SHOWN = 3


def alert_reply(
    *,
    noun: str,
    nouns: str,
    filters: Filters,
    standing: pauses.Standing,
    incidents: Sequence[Incident],
    total: int,
    tracking_start: date | None,
) -> Reply:
    """Tell a channel that a new incident ended a pause, with the context a reporter would give."""
    pause = standing.pause
    headline = f"New {noun} on {day_text(pause.end)} ends {a_n(pause.length)} pause"
    details = [f"• {incident_text(i)}" for i in incidents[:MAX_INCIDENTS_SHOWN]]
    if len(incidents) > MAX_INCIDENTS_SHOWN:
        details.append(f"• and {len(incidents) - MAX_INCIDENTS_SHOWN} more that day")
    sources = sorted({i.source for i in incidents if i.source})
    if sources:
        details.append(f"Source: {'; '.join(sources)}")
    details.append(ended_text(standing))
    since = f" since {day_text(tracking_start)}" if tracking_start is not None else ""
    details.append(f"At least {counted(total, noun, nouns)}{since}.")
    if filters:
        details.append(
            "Counting only " + " ".join(f"{key}:{value}" for key, value in filters.items()) + "."
        )
    return Reply(headline=headline, details=tuple(details))


@dataclass(frozen=True)
class Watch:
    """An alert subscription and the last matching incident day before a write."""

    subscription: Subscription
    last_day: date | None


async def watch(session: AsyncSession, series: Series, today: date) -> list[Watch]:
    """Note, before a write, the last incident day each alert subscription sees."""
    watches = []
    for subscription in await subscriptions.of_series(session, series.id, "alerts"):
        filters = subscriptions.filters_of(subscription)
        last = await queries.last_incident_day(session, series.id, filters, today)
        watches.append(Watch(subscription, last))
    return watches


async def queue_alerts(
    session: AsyncSession,
    *,
    settings: Settings,
    series: Series,
    watches: Sequence[Watch],
    today: date,
    now: datetime,
) -> int:
    """After a write, queue an alert for each subscription whose current pause it ended.

    Only a newer day than the last one ends the current pause: a second incident that day,
    or a backfill into the past, does not. Return how many alerts were queued.
    """
    config = settings.series_settings(series.name)
    queued = 0
    for watched in watches:
        if watched.last_day is None:
            continue  # the first incidents of a series end no pause
        subscription = watched.subscription
        filters = subscriptions.filters_of(subscription)
        days = await queries.incident_days(session, series.id, filters, today)
        if not days or days[-1] <= watched.last_day:
            continue
        closed = pauses.closed_pauses(days, settings.pause_counting)
        ended = closed[-1]
        if ended.length < settings.alert_min_pause_days:
            continue
        began = pauses.tracking_began(days, config.tracking_start)
        assert began is not None
        reply = alert_reply(
            noun=config.noun,
            nouns=config.nouns,
            filters=filters,
            standing=pauses.standing(ended, closed[:-1], began),
            incidents=await queries.incidents_on(session, series.id, filters, ended.end),
            total=queries.total(
                await queries.daily_counts(
                    session, series.id, filters, config.tracking_start, today
                )
            ),
            tracking_start=config.tracking_start,
        )
        queued += await outbox.enqueue_for(
            session,
            subscription,
            key=f"alert:{subscription.id}:{ended.end.isoformat()}",
            kind=ALERT,
            payload={"reply": reply_data(reply)},
            now=now,
        )
    return queued


RECORD = "record"


def record_reply(
    *, noun: str, filters: Filters, standing: pauses.Standing, passed: pauses.Pause
) -> Reply:
    """Tell a channel that the running pause has just become longer than the record."""
    running = standing.pause
    details = [
        f"No {noun} since {day_text(running.start)}: the current pause, {running.length} days, "
        f"has passed the {passed.length}-day pause of {span_text(passed)}.",
        standing_text(standing, verb="is"),
    ]
    if filters:
        details.append(
            "Counting only " + " ".join(f"{key}:{value}" for key, value in filters.items()) + "."
        )
    return Reply(
        headline=f"The current pause is now the longest since {_since_words(standing)}",
        details=tuple(details),
    )


def _since_words(standing: pauses.Standing) -> str:
    if standing.since_tracking_start:
        return f"tracking began on {day_text(standing.since)}"
    return day_text(standing.since)


async def queue_record_notices(
    session: AsyncSession, *, settings: Settings, today: date, now: datetime
) -> int:
    """Tell alert subscribers once when a running pause passes the record it is measured by.

    Run daily. The key names the running pause, so it is told once whatever the runs.
    """
    queued = 0
    for series in await session.scalars(select(Series)):
        config = settings.series_settings(series.name)
        for subscription in await subscriptions.of_series(session, series.id, "alerts"):
            filters = subscriptions.filters_of(subscription)
            days = await queries.incident_days(session, series.id, filters, today)
            closed = pauses.closed_pauses(days, settings.pause_counting)
            running = pauses.running_pause(days, today, settings.pause_counting)
            if running is None or not closed:
                continue
            began = pauses.tracking_began(days, config.tracking_start)
            assert began is not None
            standing = pauses.standing(running, closed, began)
            passed = standing.beaten
            # Only passing every earlier pause counts: not merely the ones since a longer one.
            if not standing.since_tracking_start or passed is None or standing.tied is not None:
                continue
            queued += await outbox.enqueue_for(
                session,
                subscription,
                key=f"record:{subscription.id}:{running.start.isoformat()}",
                kind=RECORD,
                payload={
                    "reply": reply_data(
                        record_reply(
                            noun=config.noun, filters=filters, standing=standing, passed=passed
                        )
                    )
                },
                now=now,
            )
    return queued
