"""Alerts: when a new incident ends the current pause, what each subscribed channel is told.

Also the record notice: when a running pause passes the record, its channels are told once.
Both read the series' standing (bot.domain.standing), as every reply and digest does. Either,
due in its channel's quiet hours, is queued held (bot/notify/hours.py posts it after them).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.fields import IncidentFields
from bot.domain.filters import IMPRECISE, Filters, Imprecise, is_exact_day, pause_filters
from bot.domain.incidents import Incident
from bot.domain.replies import Reply, reply_data
from bot.domain.standing import Kind, Place, SeriesStanding, Timeline
from bot.domain.wording import (
    Scope,
    a_n,
    day_text,
    days_text,
    ended_text,
    incident_text,
    record_text,
)
from bot.notify.hours import read_hours, read_hours_of
from bot.notify.precision import PauseCounting, pause_counting
from bot.settings import Settings
from storage import outbox, queries, subscriptions
from storage.days import day_numbers, imprecise_incidents
from storage.import_tables import importing_series, is_importing
from storage.models import Incident as StoredIncident
from storage.models import Series, Subscription
from storage.writes import add_incident

ALERT = "alert"
RECORD = "record"
MAX_INCIDENTS_SHOWN = 3


class CountedDays(NamedTuple):
    """A series' incident days with some filters: their day numbers, oldest first, and each
    one's matching incidents."""

    days: Sequence[int]
    counts: Mapping[int, int]

    def up_to(self, day: date) -> Sequence[int]:
        """Return the incident days up to `day` (a write may hold later ones)."""
        return self.days[: bisect_right(self.days, day.toordinal())]

    def incidents(self, since: date | None, until: date) -> int:
        """Return how many incidents the days in [since, until] hold."""
        start = 0 if since is None else bisect_left(self.days, since.toordinal())
        stop = bisect_right(self.days, until.toordinal())
        return sum(map(self.counts.__getitem__, self.days[start:stop]))


# A series' days with some filters as the write under way leaves them, None where they were
# not kept before it: bot.commands.written_days brings up those kept.
DaysOf = Callable[[AsyncSession, Filters], Awaitable[CountedDays | None]]


def alert_reply(
    *,
    scope: Scope,
    ended: Place,
    incidents: Sequence[Incident],
    total: int,
    tracking_start: date | None,
    note: str | None = None,
) -> Reply:
    """Tell a channel that a new incident ended a pause, with the context a reporter would give.

    `note` says how incidents known only to the week or month were counted, when one of them
    ended the pause.
    """
    pause = ended.pause
    headline = (
        f"New {scope.one}{scope.where} on {day_text(pause.end)} ends "
        f"{a_n(pause.length)} pause{scope.pause_scope}"
    )
    details = [f"• {incident_text(i)}" for i in incidents[:MAX_INCIDENTS_SHOWN]]
    if len(incidents) > MAX_INCIDENTS_SHOWN:
        details.append(f"• and {len(incidents) - MAX_INCIDENTS_SHOWN} more that day")
    sources = sorted({i.source for i in incidents if i.source})
    if sources:
        details.append(f"Source: {'; '.join(sources)}")
    details.append(ended_text(ended, scope))
    since = f" since {day_text(tracking_start)}" if tracking_start is not None else ""
    details.append(f"At least {scope.counted(total)}{since}.")
    if note is not None:
        details.append(note)
    return Reply(headline=headline, details=tuple(details))


@dataclass(frozen=True)
class Watch:
    """An alert subscription and the last incident day it counted pauses from before a write.

    One day for each way a series may count the incidents whose day is known only to the week
    or month (`imprecise: skip` or `count`): the setting is read when the alerts are queued.
    """

    subscription: Subscription
    last_days: Mapping[Imprecise, date | None]


async def watch(session: AsyncSession, series: Series, today: date) -> list[Watch]:
    """Note, before a write, the last incident day each alert subscription counts pauses from."""
    watches = []
    # Read once per filters: channels subscribed alike share the days.
    read: dict[Filters, dict[Imprecise, date | None]] = {}
    for subscription in await subscriptions.of_series(session, series.id, "alerts"):
        filters = subscriptions.filters_of(subscription)
        if filters not in read:
            read[filters] = await _last_days(session, series.id, filters, today)
        watches.append(Watch(subscription, read[filters]))
    return watches


def watched_data(watches: Sequence[Watch]) -> list[dict[str, Any]]:
    """Return watches as JSON data, to be kept while a long write goes on (storage.import_runs)."""
    return [
        {
            "subscription": watched.subscription.id,
            "last_days": {
                way: day.isoformat() if day is not None else None
                for way, day in watched.last_days.items()
            },
        }
        for watched in watches
    ]


async def watches_of(session: AsyncSession, series_id: int, data: list[Any]) -> list[Watch]:
    """Return the watches kept as data (watched_data) of the series' alert subscriptions
    still there."""
    kept = {item["subscription"]: item["last_days"] for item in data}
    return [
        Watch(
            subscription,
            {
                way: date.fromisoformat(day) if day is not None else None
                for way, day in kept[subscription.id].items()
            },
        )
        for subscription in await subscriptions.of_series(session, series_id, "alerts")
        if subscription.id in kept
    ]


async def _last_days(
    session: AsyncSession, series_id: int, filters: Filters, today: date
) -> dict[Imprecise, date | None]:
    last = await queries.last_incident_day(session, series_id, filters, today)
    last_days: dict[Imprecise, date | None] = dict.fromkeys(IMPRECISE, last)
    # Without a matching incident known only to the week or month, every way counts the
    # same days (one small read of the day counts says so).
    if last is not None and await imprecise_incidents(session, series_id, filters, today):
        for imprecise in IMPRECISE:
            last_days[imprecise] = await queries.last_incident_day(
                session, series_id, pause_filters(filters, imprecise), today
            )
    return last_days


async def add_alerting(
    session: AsyncSession,
    *,
    settings: Settings,
    series: Series,
    fields: IncidentFields,
    actor: str,
    today: date,
    now: datetime,
    team: str | None = None,
    days_of: DaysOf | None = None,
) -> StoredIncident:
    """Store one incident and queue the alerts of the pauses it ends, in the caller's write
    (audited as written from `team`; the series' days from `days_of`, if given)."""
    watches = await watch(session, series, today)
    incident = await add_incident(
        session, series=series, fields=fields, actor=actor, now=now, team=team
    )
    await queue_alerts(
        session,
        settings=settings,
        series=series,
        watches=watches,
        today=today,
        now=now,
        days_of=days_of,
    )
    return incident


async def queue_alerts(
    session: AsyncSession,
    *,
    settings: Settings,
    series: Series,
    watches: Sequence[Watch],
    today: date,
    now: datetime,
    days_of: DaysOf | None = None,
) -> int:
    """After a write, queue an alert for each subscription whose current pause it ended.

    Only a newer day than the last one ends the current pause: a second incident that day,
    or a backfill into the past, does not. Return how many alerts were queued. The series'
    days as the write leaves them come from `days_of` where it holds them, else are read.
    """
    config = settings.series_settings(series.name)
    # One alert per filters and day before: channels subscribed alike get the same message.
    alerts: dict[tuple[Filters, date], tuple[date, Reply] | None] = {}
    due: list[tuple[Subscription, str, Reply]] = []
    for watched in watches:
        before = watched.last_days[config.imprecise]
        if before is None:
            continue  # the first incidents of a series end no pause
        subscription = watched.subscription
        key = (subscriptions.filters_of(subscription), before)
        if key not in alerts:
            alerts[key] = await _alert(session, settings, series, key[0], before, today, days_of)
        alert = alerts[key]
        if alert is not None:
            ended_on, reply = alert
            due.append((subscription, f"alert:{subscription.id}:{ended_on.isoformat()}", reply))
    if not due or await is_importing(session, series.id):
        # Half stored, the series can show a pause that is not there: the import, once
        # stored, alerts against the days before it (bot/commands/import_store.py).
        return 0
    # The channels' hours in one read and the alerts in one statement, however many.
    book = await read_hours_of(
        session, settings, [(s.platform, s.channel, s.team) for s, _, _ in due]
    )
    messages = []
    for subscription, message_key, reply in due:
        hours = book.of(subscription.platform, subscription.channel, subscription.team)
        payload = {"reply": reply_data(reply)}
        messages.append(
            outbox.Queued.to_subscriber(
                subscription, key=message_key, kind=ALERT, payload=payload, held=hours.quiet_at(now)
            )
        )
    return await outbox.enqueue_all(session, messages, now)


async def _counted(
    session: AsyncSession, days_of: DaysOf | None, series_id: int, filters: Filters, until: date
) -> CountedDays:
    """Return the series' days with `filters`: from `days_of` if it holds them, else read
    whole (up to `until`)."""
    counted = await days_of(session, filters) if days_of is not None else None
    if counted is None:
        found = await day_numbers(session, series_id, filters, None, until)
        counted = CountedDays([day for day, _ in found], dict(found))
    return counted


async def _alert(
    session: AsyncSession,
    settings: Settings,
    series: Series,
    subscribed: Filters,
    before: date,
    today: date,
    days_of: DaysOf | None,
) -> tuple[date, Reply] | None:
    """Return the day the write ended the pause of incidents matching `subscribed` (whose
    last day was `before`) and the alert that says so, or None when it ended none.

    The series' days come from `days_of` where it holds them, else are read whole."""
    config = settings.series_settings(series.name)
    # Pauses are counted as `pause` counts them: an incident known only to the week or
    # month, in a series that skips them, ends no pause.
    counting = await pause_counting(session, settings, series, subscribed, today)
    filters = counting.filters
    every = filters.any_precision()
    counted = await days_of(session, filters) if days_of is not None else None
    if counted is None:
        # One index seek says whether the write ended this pause; most writes (a second
        # incident that day, a backfill) do not, and need not read the whole series.
        last = await queries.last_incident_day(session, series.id, filters, today)
        if last is None or last <= before:
            return None
        counted = await _counted(session, None, series.id, filters, today)
    days = counted.up_to(today)
    if not days or days[-1] <= before.toordinal():
        return None
    # The total counts every incident, as stats do: the same days when the pauses do too.
    every_counted = (
        counted if filters == every else await _counted(session, days_of, series.id, every, today)
    )
    total = every_counted.incidents(config.tracking_start, today)
    # The days are distinct and in order (CountedDays); only the pause ended is placed.
    timeline = Timeline(days, settings.pause_counting, in_order=True)
    ended = timeline.ended(today, config.tracking_start)
    assert ended is not None
    if ended.pause.length < settings.alert_min_pause_days:
        return None
    scope = Scope(config.noun, config.nouns, every)
    incidents = await queries.incidents_on(session, series.id, filters, ended.pause.end)
    imprecise = any(not is_exact_day(i.time_precision) for i in incidents)
    reply = alert_reply(
        scope=scope,
        ended=ended,
        incidents=incidents,
        total=total,
        tracking_start=config.tracking_start,
        note=counting.note(scope) if imprecise else None,
    )
    return ended.pause.end, reply


async def _counting(
    session: AsyncSession,
    settings: Settings,
    series: Series,
    subscription: Subscription,
    today: date,
) -> PauseCounting:
    """Return how a subscription's pauses are counted (bot.notify.precision)."""
    filters = subscriptions.filters_of(subscription)
    return await pause_counting(session, settings, series, filters, today)


def record_reply(*, scope: Scope, standing: SeriesStanding) -> Reply:
    """Tell a channel that the running pause has just become longer than the record."""
    running, place = standing.running, standing.running_place
    assert running is not None and place is not None and place.record is not None
    details = [
        f"No {scope.one}{scope.where} since {day_text(running.start)}: the current pause, "
        f"{days_text(running.length)}, has passed {record_text(place.record)}.",
        f"It is the longest since tracking began on {day_text(place.tracking_began)}.",
    ]
    return Reply(
        headline=f"The current pause{scope.pause_scope} is a new record: "
        f"{days_text(running.length)}",
        details=tuple(details),
    )


async def queue_record_notices(
    session: AsyncSession, *, settings: Settings, now: datetime, today: date | None = None
) -> int:
    """Tell alert subscribers once when a running pause passes the record.

    Run daily. Each channel counts the running pause to its own today at `now` (in its zone;
    `today` sets one day for all). The key names the running pause, so it is told once
    whatever the runs; a pause that only equals the record is not a new one and is not told.
    """
    queued = 0
    book = await read_hours(session, settings)
    importing = await importing_series(session)
    for series in await session.scalars(select(Series)):
        if series.id in importing:
            # Half stored, its history can show a running pause that is not there: the next
            # check, after the import, tells what is.
            continue
        config = settings.series_settings(series.name)
        for subscription in await subscriptions.of_series(session, series.id, "alerts"):
            hours = book.of(subscription.platform, subscription.channel, subscription.team)
            day = today or now.astimezone(hours.zone).date()
            filters = (await _counting(session, settings, series, subscription, day)).filters
            days = await queries.incident_days(session, series.id, filters, day)
            standing = Timeline(days, settings.pause_counting).standing(day, config.tracking_start)
            place = standing.running_place
            if standing.running is None or place is None or place.kind is not Kind.NEW_RECORD:
                continue
            scope = Scope(config.noun, config.nouns, filters.any_precision())
            reply = record_reply(scope=scope, standing=standing)
            queued += await outbox.enqueue_for(
                session,
                subscription,
                key=f"record:{subscription.id}:{standing.running.start.isoformat()}",
                kind=RECORD,
                payload={"reply": reply_data(reply)},
                now=now,
                held=hours.quiet_at(now),
            )
    return queued
