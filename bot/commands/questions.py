"""Answers to questions (since, pause, pauses, last, list, stats, chart, map), read from storage."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot import extras
from bot.commands.cache import RevisionCache
from bot.commands.command import Command, CommandError
from bot.commands.kept import DayKeeper, DaySpan
from bot.commands.noting import pause_notes
from bot.commands.replies import (
    INCIDENTS_ON_A_DAY_SHOWN,
    incidents_reply,
    pause_reply,
    pauses_reply,
    period_counts,
    period_stats_reply,
    since_reply,
    stats_reply,
)
from bot.domain.filters import Filters
from bot.domain.incidents import Incident
from bot.domain.places import point_cells, point_header
from bot.domain.replies import Reply, Subject, Table
from bot.domain.standing import SeriesStanding, Timeline
from bot.domain.wording import day_text
from bot.notify.precision import pause_counting
from bot.settings import Settings
from storage.breakdowns import counts_by, labels_of, scanned_keys
from storage.catalog import SeriesLike
from storage.incident_rows import incidents_between, incidents_on
from storage.points import location_points

LAST_DEFAULT = 5
LIST_DEFAULT = 50
PAUSES_DEFAULT = 10
BREAKDOWN_ROWS = 12
PERIODS = ("week", "month", "year")


@dataclass(frozen=True)
class Counts:
    """What `stats` counts: since tracking began, recently, and by period or field."""

    total: int
    incident_days: int
    last_7: int
    last_30: int
    breakdowns: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]  # (by, ((value, n), ...))
    points: dict[str, tuple[float, float]] = field(default_factory=dict)  # by location, known


IMPORTING_NOTE = (
    "An import into this series is under way: these figures count the rows it has stored so far."
)


class Questions:
    """Answer questions, keeping what they read until the series changes."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.cache = RevisionCache()
        self.days = DayKeeper()

    async def answer(
        self,
        session: AsyncSession,
        command: Command,
        series: SeriesLike,
        subject: Subject,
        *,
        importing: bool = False,
    ) -> Reply:
        """Answer one question about a series; say so when an import into it is being stored
        (`importing`): its figures count the rows stored so far."""
        reply = await self._answer(session, command, series, subject)
        if importing:
            return replace(reply, details=(*reply.details, IMPORTING_NOTE))
        return reply

    async def _answer(
        self, session: AsyncSession, command: Command, series: SeriesLike, subject: Subject
    ) -> Reply:
        handler = {
            "since": self._since,
            "pause": self._pause,
            "pauses": self._pauses,
            "last": self._last,
            "list": self._list,
            "stats": self._stats,
            "chart": self._chart,
            "map": self._map,
        }[command.verb]
        if command.verb in ("chart", "map"):  # drawn each time: no PNG is kept
            return await handler(session, command, series, subject)
        # Each answer holds until the series changes (the day asked about is in the key).
        key = ("reply", series.id, command, subject)
        reply = self.cache.get(key, series.revision)
        if reply is None:
            reply = await handler(session, command, series, subject)
            self.cache.put(key, series.revision, reply)
        return reply

    async def timeline(
        self, session: AsyncSession, series: SeriesLike, filters: Filters
    ) -> Timeline:
        """Return the series' incident days with these filters, read once per revision."""
        kept = await self.days.days(session, series, filters)
        return kept.timeline(self.settings.pause_counting)

    async def daily(
        self,
        session: AsyncSession,
        series: SeriesLike,
        filters: Filters,
        since: date | None,
        until: date,
    ) -> DaySpan:
        """Return the matching incident days in [since, until], with their incidents."""
        return (await self.days.days(session, series, filters)).span(since, until)

    async def count_between(
        self,
        session: AsyncSession,
        series: SeriesLike,
        filters: Filters,
        since: date | None,
        until: date,
    ) -> int:
        """Return how many matching incidents the days in [since, until] hold."""
        return (await self.daily(session, series, filters, since, until)).incidents

    async def standing(
        self, session: AsyncSession, series: SeriesLike, subject: Subject
    ) -> SeriesStanding:
        """Say where the series stands on the subject's day."""
        timeline = await self.timeline(session, series, subject.filters)
        return timeline.standing(subject.as_of, subject.tracking_start)

    async def counted(
        self, session: AsyncSession, series: SeriesLike, subject: Subject
    ) -> tuple[Subject, tuple[str, ...]]:
        """Return the subject whose incidents pauses are counted from, and what a reply says
        of the incidents whose day is known only to the week or month (none: nothing).

        A series with `imprecise: skip` (the default) leaves them out of since, pause and
        pauses; with `imprecise: count` they count on the day the source gives. Alerts and
        digests count them the same way (bot.notify.precision).
        """
        counting = await pause_counting(
            session, self.settings, series, subject.filters, subject.as_of
        )
        note = counting.note(subject.scope)
        if note is None:
            return subject, ()
        scope = replace(subject.scope, filters=counting.filters)
        return replace(subject, scope=scope), (note,)

    async def _since(
        self, session: AsyncSession, command: Command, series: SeriesLike, subject: Subject
    ) -> Reply:
        subject, notes = await self.counted(session, series, subject)
        reply = await self._since_counted(session, series, subject)
        return replace(reply, details=(*reply.details, *notes)) if notes else reply

    async def _since_counted(
        self, session: AsyncSession, series: SeriesLike, subject: Subject
    ) -> Reply:
        standing = await self.standing(session, series, subject)
        shown: list[Incident] = []
        on_last_day = 0
        if standing.last_day is not None:
            # A busy day holds a hundred incidents; the reply shows a few and counts the rest.
            day = standing.last_day
            shown = await self._first_on(session, series, subject.filters, day)
            on_last_day = len(shown)
            if on_last_day > INCIDENTS_ON_A_DAY_SHOWN:
                on_last_day = await self.count_between(session, series, subject.filters, day, day)
        return since_reply(subject, standing, shown[:INCIDENTS_ON_A_DAY_SHOWN], on_last_day)

    async def _first_on(
        self, session: AsyncSession, series: SeriesLike, filters: Filters, day: date
    ) -> list[Incident]:
        """Return the first incidents of a day and one more, read once until the day changes."""
        kept = await self.days.days(session, series, filters)
        shown = kept.shown.get(day.toordinal())
        if shown is None:
            shown = await incidents_on(
                session, series.id, filters, day, limit=INCIDENTS_ON_A_DAY_SHOWN + 1
            )
            # The kept days are at this reader's revision (DayKeeper.days): what it read of
            # the day holds until a write after that revision touches the day.
            kept.shown[day.toordinal()] = shown
        return shown

    async def _pause(
        self, session: AsyncSession, command: Command, series: SeriesLike, subject: Subject
    ) -> Reply:
        subject, notes = await self.counted(session, series, subject)
        standing = await self.standing(session, series, subject)
        reply = pause_reply(subject, standing)
        # The notes written in the running pause: what happened since the last incident.
        notes += await pause_notes(session, series, standing, subject.scope)
        return replace(reply, details=(*reply.details, *notes)) if notes else reply

    async def _pauses(
        self, session: AsyncSession, command: Command, series: SeriesLike, subject: Subject
    ) -> Reply:
        subject, notes = await self.counted(session, series, subject)
        standing = await self.standing(session, series, subject)
        top = standing.top(command.limit or PAUSES_DEFAULT)
        reply = pauses_reply(subject, standing, top)
        return replace(reply, details=(*reply.details, *notes)) if notes else reply

    async def _last(
        self, session: AsyncSession, command: Command, series: SeriesLike, subject: Subject
    ) -> Reply:
        limit = command.limit or LAST_DEFAULT
        found = await incidents_between(
            session, series.id, subject.filters, start=None, end=subject.as_of, limit=limit
        )
        scope = subject.scope
        if not found:
            headline = f"No {scope.all} recorded"
        elif len(found) == 1:
            headline = f"The last {scope.one}{scope.where}"
        else:
            headline = f"The last {len(found)} {scope.all}"
        return incidents_reply(subject, headline, found, 0)

    async def _list(
        self, session: AsyncSession, command: Command, series: SeriesLike, subject: Subject
    ) -> Reply:
        assert command.start is not None
        start, end = command.start, command.end or subject.as_of
        found = await incidents_between(
            session,
            series.id,
            subject.filters,
            start=start,
            end=end,
            limit=command.limit or LIST_DEFAULT,
            newest_first=False,
        )
        in_range = await self.count_between(session, series, subject.filters, start, end)
        named = (
            command.period.text
            if command.period is not None
            else f"from {day_text(start)} to {day_text(end)}"
        )
        headline = f"{subject.scope.counted(in_range)} {named}"
        return incidents_reply(subject, headline, found, in_range - len(found))

    async def _stats(
        self, session: AsyncSession, command: Command, series: SeriesLike, subject: Subject
    ) -> Reply:
        # A breakdown under a filter reads every matching incident: keep the answer until
        # the series changes.
        key = ("stats", series.id, subject, command.by, command.period)
        reply = self.cache.get(key, series.revision)
        if reply is None:
            reply = await self._count(session, command, series, subject)
            self.cache.put(key, series.revision, reply)
        return reply

    async def _count(
        self, session: AsyncSession, command: Command, series: SeriesLike, subject: Subject
    ) -> Reply:
        counts = await self.counts(session, command, series, subject)
        tables = tuple(
            Table(
                f"By {key}",
                (key, "count" if key in PERIODS else subject.scope.nouns, *point_header(key)),
                tuple(
                    (value, f"{n:,}", *point_cells(key, counts.points.get(value)))
                    for value, n in rows
                ),
            )
            for key, rows in counts.breakdowns
            if rows  # a heading over nothing says nothing
        )
        if command.period is not None:
            return period_stats_reply(
                subject, command.period, counts.total, counts.incident_days, tables
            )
        return stats_reply(
            subject,
            total=counts.total,
            incident_days=counts.incident_days,
            last_7=counts.last_7,
            last_30=counts.last_30,
            breakdowns=tables,
        )

    async def counts(
        self, session: AsyncSession, command: Command, series: SeriesLike, subject: Subject
    ) -> Counts:
        """Count what `stats` says: since tracking began, the last 7 and 30 days, breakdowns.

        Over a period (stats in March 2024), the counts are of its days: the total, the
        incident days and the breakdowns; the last 7 and 30 days end on its last day.
        """
        period = command.period
        first = subject.tracking_start if period is None else period.first
        until = subject.as_of if period is None else period.last
        days = await self.daily(session, series, subject.filters, first, until)
        # Whether the counted days hold every incident of the series (as they do unless
        # the question is about a past day or tracking starts after the first incident):
        # then the counts kept per value answer without reading a row per day or incident.
        every = await self.days.days(session, series, Filters())
        first_and_last = every.ordinals[:1] + every.ordinals[-1:]
        holds_all = not first_and_last or (
            (first is None or first_and_last[0] >= first.toordinal())
            and first_and_last[-1] <= until.toordinal()
        )
        total = days.incidents
        whole = total if holds_all else None
        fixed = dict(subject.filters.normalised_items())
        keys = [command.by] if command.by else ["month", "country", "kind"]
        counted = [key for key in keys if key not in PERIODS and key not in fixed]
        # Counted from the incidents, unless the kept combinations hold them all: those are
        # brought up by the days a write touched, not read again from every incident.
        scanned = scanned_keys(subject.filters, counted, whole=whole)
        combinations = (
            await self.days.combinations(session, series, subject.filters, tuple(scanned))
            if scanned and whole is not None
            else None
        )
        by_value = await counts_by(
            session,
            series.id,
            subject.filters,
            counted,
            since=first,
            until=until,
            limit=BREAKDOWN_ROWS,
            whole=whole,
            combinations=combinations,
        )
        # Every matching incident holds a filter's value: its breakdown is one row, of them all.
        shown = [key for key in keys if key in fixed]
        labels = (
            await labels_of(session, series.id, {key: [fixed[key]] for key in shown})
            if shown and total
            else {}
        )
        breakdowns: list[tuple[str, tuple[tuple[str, int], ...]]] = []
        for key in keys:
            if key in PERIODS:
                rows = period_counts(days, key, BREAKDOWN_ROWS)
            elif key in fixed:
                rows = [(labels.get((key, fixed[key]), fixed[key]), total)] if total else []
            else:
                rows = by_value[key]
            breakdowns.append((key, tuple(rows)))
        # Each place counted with its point, where its incidents give one.
        located = [value for value, _ in dict(breakdowns).get("location", ())]
        return Counts(
            total=total,
            incident_days=len(days),
            last_7=days.incidents_since(until - timedelta(days=6)),
            last_30=days.incidents_since(until - timedelta(days=29)),
            breakdowns=tuple(breakdowns),
            points=await location_points(
                session, series.id, located, filters=subject.filters, since=first, until=until
            )
            if located
            else {},
        )

    async def _chart(
        self, session: AsyncSession, command: Command, series: SeriesLike, subject: Subject
    ) -> Reply:
        from bot.notify.digests import chart_reply
        from bot.notify.timeline_context import context_series

        if missing := extras.missing("charts", "A chart was asked for"):
            raise CommandError(missing)
        # The bars count every incident, as stats do; the shaded pauses are counted as pause
        # counts them.
        counting = await pause_counting(
            session, self.settings, series, subject.filters, subject.as_of
        )
        timeline = await self.timeline(session, series, counting.filters)
        other = await context_series(session, command.context_series)
        reply = await chart_reply(session, self.settings, series, subject, timeline, other)
        note = counting.note(subject.scope, where="in the shaded pauses")
        return replace(reply, details=(*reply.details, note)) if note else reply

    async def _map(
        self, session: AsyncSession, command: Command, series: SeriesLike, subject: Subject
    ) -> Reply:
        from bot.notify.map_replies import map_reply

        if missing := extras.missing("charts", "A map was asked for"):
            raise CommandError(missing)
        # The points count every incident, as stats do; the marks (the last incident, the
        # record's end) as of the map's last day are counted as pause counts them.
        last = command.period.last if command.period is not None else subject.as_of
        counting = await pause_counting(session, self.settings, series, subject.filters, last)
        timeline = await self.timeline(session, series, counting.filters)
        standing = timeline.standing(last, subject.tracking_start)
        reply = await map_reply(
            session,
            series,
            subject.scope,
            standing,
            period=command.period,
            weeks=self.settings.chart_weeks,
            mark_filters=counting.filters,
        )
        note = counting.note(subject.scope, where="in the marks")
        return replace(reply, details=(*reply.details, note)) if note else reply
