"""Alerts: when a new incident ends the current pause, what each subscribed channel is told."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot import pauses
from bot.replies import (
    Reply,
    a_n,
    counted,
    day_text,
    ended_text,
    incident_text,
    reply_data,
)
from bot.settings import Settings
from storage import outbox, queries, subscriptions
from storage.models import Incident, Series, Subscription
from storage.queries import Filters

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
        queued += await outbox.enqueue(
            session,
            key=f"alert:{subscription.id}:{ended.end.isoformat()}",
            platform=subscription.platform,
            channel=subscription.channel,
            kind=ALERT,
            payload={"reply": reply_data(reply)},
            now=now,
        )
    return queued
