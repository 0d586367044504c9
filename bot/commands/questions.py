"""Answers to questions (since, pause, pauses, last, list, stats, chart), read from storage."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import overload

from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands.cache import RevisionCache
from bot.commands.grammar import Command
from bot.commands.kept import DayKeeper
from bot.commands.replies import (
    INCIDENTS_ON_A_DAY_SHOWN,
    Reply,
    Subject,
    Table,
    incidents_reply,
    pause_reply,
    pauses_reply,
    period_counts,
    since_reply,
    stats_reply,
)
from bot.domain.filters import Filters
from bot.domain.incidents import Incident
from bot.domain.standing import SeriesStanding, Timeline
from bot.domain.wording import day_text
from bot.settings import Settings
from storage import queries
from storage.queries import SeriesLike

LAST_DEFAULT = 5
LIST_DEFAULT = 50
PAUSES_DEFAULT = 10
BREAKDOWN_ROWS = 12
PERIODS = ("week", "month", "year")
MANY = 2**62  # more incidents than any day holds: (day, MANY) sorts after every (day, n)


class Dated(Sequence[tuple[date, int]]):
    """(day number, n) pairs read as (date, n), each converted only when looked at.

    A breakdown by month reads the last year's days of twenty years' 7,300.
    """

    def __init__(self, numbered: Sequence[tuple[int, int]]) -> None:
        self.numbered = numbered

    def __len__(self) -> int:
        return len(self.numbered)

    @overload
    def __getitem__(self, index: int) -> tuple[date, int]: ...
    @overload
    def __getitem__(self, index: slice) -> list[tuple[date, int]]: ...
    def __getitem__(self, index: int | slice) -> tuple[date, int] | list[tuple[date, int]]:
        if isinstance(index, slice):
            return [(date.fromordinal(d), n) for d, n in self.numbered[index]]
        day, n = self.numbered[index]
        return date.fromordinal(day), n


@dataclass(frozen=True)
class Counts:
    """What `stats` counts: since tracking began, recently, and by period or field."""

    total: int
    incident_days: int
    last_7: int
    last_30: int
    breakdowns: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]  # (by, ((value, n), ...))


class Questions:
    """Answer questions, keeping what they read until the series changes."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.cache = RevisionCache()
        self.days = DayKeeper()

    async def answer(
        self, session: AsyncSession, command: Command, series: SeriesLike, subject: Subject
    ) -> Reply:
        """Answer one question about a series."""
        handler = {
            "since": self._since,
            "pause": self._pause,
            "pauses": self._pauses,
            "last": self._last,
            "list": self._list,
            "stats": self._stats,
            "chart": self._chart,
        }[command.verb]
        if command.verb == "chart":
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
    ) -> list[tuple[int, int]]:
        """Return (day number, matching incidents) per incident day in [since, until]."""
        daily = (await self.days.days(session, series, filters)).daily
        first = 0 if since is None else bisect.bisect_left(daily, (since.toordinal(), 0))
        return daily[first : bisect.bisect_right(daily, (until.toordinal(), MANY))]

    async def count_between(
        self,
        session: AsyncSession,
        series: SeriesLike,
        filters: Filters,
        since: date | None,
        until: date,
    ) -> int:
        """Return how many matching incidents the days in [since, until] hold."""
        return sum(n for _, n in await self.daily(session, series, filters, since, until))

    async def standing(
        self, session: AsyncSession, series: SeriesLike, subject: Subject
    ) -> SeriesStanding:
        """Say where the series stands on the subject's day."""
        timeline = await self.timeline(session, series, subject.filters)
        return timeline.standing(subject.as_of, subject.tracking_start)

    async def _since(
        self, session: AsyncSession, command: Command, series: SeriesLike, subject: Subject
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
            shown = await queries.incidents_on(
                session, series.id, filters, day, limit=INCIDENTS_ON_A_DAY_SHOWN + 1
            )
            # The kept days are at this reader's revision (DayKeeper.days): what it read of
            # the day holds until a write after that revision touches the day.
            kept.shown[day.toordinal()] = shown
        return shown

    async def _pause(
        self, session: AsyncSession, command: Command, series: SeriesLike, subject: Subject
    ) -> Reply:
        return pause_reply(subject, await self.standing(session, series, subject))

    async def _pauses(
        self, session: AsyncSession, command: Command, series: SeriesLike, subject: Subject
    ) -> Reply:
        standing = await self.standing(session, series, subject)
        return pauses_reply(subject, standing, standing.top(command.limit or PAUSES_DEFAULT))

    async def _last(
        self, session: AsyncSession, command: Command, series: SeriesLike, subject: Subject
    ) -> Reply:
        limit = command.limit or LAST_DEFAULT
        found = await queries.incidents_between(
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
        found = await queries.incidents_between(
            session,
            series.id,
            subject.filters,
            start=start,
            end=end,
            limit=command.limit or LIST_DEFAULT,
            newest_first=False,
        )
        in_range = await self.count_between(session, series, subject.filters, start, end)
        headline = f"{subject.scope.counted(in_range)} from {day_text(start)} to {day_text(end)}"
        return incidents_reply(subject, headline, found, in_range - len(found))

    async def _stats(
        self, session: AsyncSession, command: Command, series: SeriesLike, subject: Subject
    ) -> Reply:
        # A breakdown under a filter reads every matching incident: keep the answer until
        # the series changes.
        key = ("stats", series.id, subject, command.by)
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
                (key, "count" if key in PERIODS else subject.scope.nouns),
                tuple((value, f"{n:,}") for value, n in rows),
            )
            for key, rows in counts.breakdowns
            if rows  # a heading over nothing says nothing
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
        """Count what `stats` says: since tracking began, the last 7 and 30 days, breakdowns."""
        numbered = await self.daily(
            session, series, subject.filters, subject.tracking_start, subject.as_of
        )
        day_list = [d for d, _ in numbered]
        numbers = [n for _, n in numbered]

        def since(first_day: date) -> int:
            return sum(numbers[bisect.bisect_left(day_list, first_day.toordinal()) :])

        # Whether the counted days hold every incident of the series (as they do unless
        # the question is about a past day or tracking starts after the first incident):
        # then the counts kept per value answer without reading a row per day or incident.
        every = await self.days.days(session, series, Filters())
        first_and_last = every.ordinals[:1] + every.ordinals[-1:]
        start = subject.tracking_start
        holds_all = not first_and_last or (
            (start is None or first_and_last[0] >= start.toordinal())
            and first_and_last[-1] <= subject.as_of.toordinal()
        )
        total = sum(numbers)
        whole = total if holds_all else None
        fixed = dict(subject.filters.normalised_items())
        keys = [command.by] if command.by else ["month", "country", "kind"]
        counted = [key for key in keys if key not in PERIODS and key not in fixed]
        by_value = await queries.counts_by(
            session,
            series.id,
            subject.filters,
            counted,
            since=subject.tracking_start,
            until=subject.as_of,
            limit=BREAKDOWN_ROWS,
            whole=whole,
        )
        breakdowns: list[tuple[str, tuple[tuple[str, int], ...]]] = []
        for key in keys:
            if key in PERIODS:
                rows = period_counts(Dated(numbered), key, BREAKDOWN_ROWS)
            elif key in fixed:
                # Every matching incident holds the filter's value: one row, of them all.
                label = await queries.label(session, series.id, key, fixed[key])
                rows = [(label or fixed[key], total)] if total else []
            else:
                rows = by_value[key]
            breakdowns.append((key, tuple(rows)))
        return Counts(
            total=total,
            incident_days=len(numbered),
            last_7=since(subject.as_of - timedelta(days=6)),
            last_30=since(subject.as_of - timedelta(days=29)),
            breakdowns=tuple(breakdowns),
        )

    async def _chart(
        self, session: AsyncSession, command: Command, series: SeriesLike, subject: Subject
    ) -> Reply:
        from bot.notify.digests import chart_reply

        timeline = await self.timeline(session, series, subject.filters)
        return await chart_reply(session, self.settings, series, subject, timeline)
