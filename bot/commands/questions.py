"""Answers to questions (since, pause, pauses, last, list, stats, chart), read from storage."""

from __future__ import annotations

import bisect
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands.grammar import Command, CommandError
from bot.commands.replies import (
    Reply,
    Subject,
    Table,
    incidents_reply,
    pause_reply,
    pauses_reply,
    period_table,
    since_reply,
    stats_reply,
)
from bot.domain import pauses
from bot.domain.history import History, RevisionCache
from bot.domain.wording import day_text, days_text
from bot.notify.digests import build_digest
from bot.settings import Settings
from storage import queries
from storage.models import Series

LAST_DEFAULT = 5
LIST_DEFAULT = 50
PAUSES_DEFAULT = 10
BREAKDOWN_ROWS = 12


class Questions:
    """Answer questions, keeping what they read until the series changes."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.cache = RevisionCache()

    def _counting_note(self) -> str:
        counting = self.settings.pause_counting
        if counting is pauses.Counting.INCLUSIVE:
            return "Pauses count both end days (4 Feb → 21 Apr 2024 is 78 days)."
        return "Pauses count the days elapsed (4 Feb → 21 Apr 2024 is 77 days)."

    async def answer(
        self, session: AsyncSession, command: Command, series: Series, subject: Subject
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
        return await handler(session, command, series, subject)

    async def _history(self, session: AsyncSession, series: Series, subject: Subject) -> History:
        counting = self.settings.pause_counting
        key = ("days", series.id, subject.filters, counting)
        history = self.cache.get(key, series.revision)
        if history is None:
            days = await queries.incident_days(session, series.id, subject.filters)
            history = History.of(days, counting)
            self.cache.put(key, series.revision, history)
        return history

    async def _since(
        self, session: AsyncSession, command: Command, series: Series, subject: Subject
    ) -> Reply:
        last = await queries.last_incident_day(session, series.id, subject.filters, subject.as_of)
        if last is None:
            return since_reply(subject, None, [])
        on_last_day = await queries.incidents_on(session, series.id, subject.filters, last)
        return since_reply(subject, (subject.as_of - last).days, on_last_day)

    async def _pause(
        self, session: AsyncSession, command: Command, series: Series, subject: Subject
    ) -> Reply:
        counting = self.settings.pause_counting
        days, closed = (await self._history(session, series, subject)).until(subject.as_of)
        running = pauses.running_pause(days, subject.as_of, counting)
        began = pauses.tracking_began(days, subject.tracking_start)
        running_standing = ended_today = None
        if running is not None and began is not None:
            if running.start == running.end and closed:
                ended_today = pauses.standing(closed[-1], closed[:-1], began)
            else:
                running_standing = pauses.standing(running, closed, began)
        record = pauses.ranked(closed, 1)[0] if closed else None
        return pause_reply(
            subject, running, running_standing, ended_today, record, self._counting_note()
        )

    async def _pauses(
        self, session: AsyncSession, command: Command, series: Series, subject: Subject
    ) -> Reply:
        counting = self.settings.pause_counting
        days, closed = (await self._history(session, series, subject)).until(subject.as_of)
        running = pauses.running_pause(days, subject.as_of, counting)
        rank = None
        if running is not None:
            rank = 1 + sum(1 for p in closed if p.length > running.length)
        limit = int(command.options.get("limit", PAUSES_DEFAULT))
        top = pauses.ranked(closed, limit)
        return pauses_reply(subject, top, len(closed), running, rank, self._counting_note())

    async def _last(
        self, session: AsyncSession, command: Command, series: Series, subject: Subject
    ) -> Reply:
        limit = command.number or int(command.options.get("limit", LAST_DEFAULT))
        found = await queries.incidents_between(
            session, series.id, subject.filters, start=None, end=subject.as_of, limit=limit
        )
        headline = (
            f"The last {len(found)} {subject.scope}" if found else f"No {subject.scope} recorded"
        )
        return incidents_reply(subject, headline, found, 0)

    async def _list(
        self, session: AsyncSession, command: Command, series: Series, subject: Subject
    ) -> Reply:
        start = date.fromisoformat(command.options["from"])
        end = (
            date.fromisoformat(command.options["to"]) if "to" in command.options else subject.as_of
        )
        if end < start:
            raise CommandError(
                f"to:{end.isoformat()} is before from:{start.isoformat()}; "
                "write the earlier day first, e.g. list from:2024-04-01 to:2024-07-31"
            )
        limit = int(command.options.get("limit", LIST_DEFAULT))
        found = await queries.incidents_between(
            session,
            series.id,
            subject.filters,
            start=start,
            end=end,
            limit=limit,
            newest_first=False,
        )
        in_range = queries.total(
            await queries.daily_counts(session, series.id, subject.filters, start, end)
        )
        headline = (
            f"{in_range:,} {subject.scope if in_range != 1 else subject.noun} "
            f"from {day_text(start)} to {day_text(end)}"
        )
        return incidents_reply(subject, headline, found, in_range - len(found))

    async def _stats(
        self, session: AsyncSession, command: Command, series: Series, subject: Subject
    ) -> Reply:
        # Counting by country or kind reads every matching incident: keep the answer until
        # the series changes.
        key = ("stats", series.id, subject, command.options.get("by", "").lower())
        reply = self.cache.get(key, series.revision)
        if reply is None:
            reply = await self._count(session, command, series, subject)
            self.cache.put(key, series.revision, reply)
        return reply

    async def _count(
        self, session: AsyncSession, command: Command, series: Series, subject: Subject
    ) -> Reply:
        daily = await queries.daily_counts(
            session, series.id, subject.filters, subject.tracking_start, subject.as_of
        )
        day_list = [d for d, _ in daily]
        counts = [n for _, n in daily]

        def since(first: date) -> int:
            return sum(counts[bisect.bisect_left(day_list, first) :])

        by = command.options.get("by", "").lower()
        breakdowns: list[Table] = []
        for key in [by] if by else ["month", "country", "kind"]:
            if key in ("week", "month", "year"):
                breakdowns.append(period_table(daily, key, BREAKDOWN_ROWS))
            else:
                rows = await queries.counts_by(
                    session,
                    series.id,
                    subject.filters,
                    key,
                    since=subject.tracking_start,
                    until=subject.as_of,
                    limit=BREAKDOWN_ROWS,
                )
                breakdowns.append(
                    Table(f"By {key}", (key, subject.nouns), tuple((v, f"{n:,}") for v, n in rows))
                )
        return stats_reply(
            subject,
            total=sum(counts),
            incident_days=len(daily),
            last_7=since(subject.as_of - timedelta(days=6)),
            last_30=since(subject.as_of - timedelta(days=29)),
            breakdowns=breakdowns,
        )

    async def _chart(
        self, session: AsyncSession, command: Command, series: Series, subject: Subject
    ) -> Reply:
        digest = await build_digest(session, self.settings, series, subject.filters, subject.as_of)
        weeks = self.settings.chart_weeks
        return Reply(
            headline=f"{subject.scope.capitalize()} per week, {weeks} weeks to "
            f"{day_text(subject.as_of)}",
            details=(
                f"Shaded: pauses of {days_text(self.settings.alert_min_pause_days)} or more; "
                "the record pause is red and labelled.",
            ),
            attachments=digest.attachments,
        )
