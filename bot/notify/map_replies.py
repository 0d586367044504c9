"""The map of a series read from storage: `map`'s answer, the digest's map and the board's.

The map covers a period (`map in 2024`) or, by default, the weeks a chart covers up to the
day asked about; the last incident's places and the record pause's end are marked.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.filters import Filters
from bot.domain.periods import Period
from bot.domain.replies import Attachment, Reply
from bot.domain.standing import SeriesStanding
from bot.domain.wording import Scope, day_text
from bot.notify import charts, maps
from storage.points import PlacedCount, points_between, points_on
from storage.queries import SeriesLike


@dataclass(frozen=True)
class DrawnMap:
    """A map as drawn: its plan (what it shows) and its PNG."""

    plan: maps.MapPlan
    attachment: Attachment


def default_days(as_of: date, weeks: int) -> tuple[date, date, str]:
    """Return the days a map covers when no period is named: the chart's weeks to `as_of`."""
    first = charts.week_start(as_of) - timedelta(weeks=weeks - 1)
    return first, as_of, f"in the {weeks} weeks to {day_text(as_of)}"


async def draw_map(
    session: AsyncSession,
    series: SeriesLike,
    scope: Scope,
    standing: SeriesStanding,
    *,
    days: tuple[date, date, str],
    mark_filters: Filters | None = None,
) -> DrawnMap:
    """Count the incidents of `days` by place, mark the last one's and the record's, and draw.

    The marks' places are of the incidents `mark_filters` keep (the filters the standing's
    pauses were counted with; default: the scope's).
    """
    first, last, period_text = days
    points = await points_between(session, series.id, scope.filters, start=first, end=last)
    last_day = standing.last_day
    record = standing.record
    marked = scope.filters if mark_filters is None else mark_filters
    plan = maps.plan(
        series=series.name,
        scope=scope,
        points=points,
        period_text=period_text,
        days=(first, last),
        last=maps.last_mark(scope, last_day, await _points_of(session, series, marked, last_day)),
        record_end=maps.record_mark(
            record.length if record else None,
            record.end if record else None,
            await _points_of(session, series, marked, record.end if record else None),
        ),
    )
    # Drawing takes a moment of CPU: keep the event loop (and the chat adapters) answering.
    content = await asyncio.to_thread(lambda: charts.png(maps.build_figure(plan)))
    return DrawnMap(plan, Attachment(plan.filename, content))


async def _points_of(
    session: AsyncSession, series: SeriesLike, filters: Filters, day: date | None
) -> tuple[PlacedCount, ...]:
    if day is None:
        return ()
    return await points_on(session, series.id, filters, day)


def where_text(points: tuple[PlacedCount, ...]) -> str:
    """Name the places of some points: their names, else their coordinates."""
    return ", ".join(p.location or f"{p.latitude:.2f}, {p.longitude:.2f}" for p in points)


def map_details(scope: Scope, plan: maps.MapPlan) -> tuple[str, ...]:
    """Say what the map shows: where most happened, how many have no known place, the marks."""
    details: list[str] = []
    if plan.points:
        top = plan.points[0]
        places = len(plan.points)
        details.append(
            f"At {places:,} known place{'s' if places != 1 else ''}; the most at "
            f"{where_text((top,))} ({top.count:,})."
        )
    if plan.unplaced:
        details.append(
            f"{maps.unplaced_text(scope, plan.unplaced)}: counted, not drawn on the map."
        )
    for mark, drawn in ((plan.last, "Ringed"), (plan.record_end, "Red diamond")):
        if mark is not None and mark.points:
            details.append(f"{drawn}: {mark.label}, at {where_text(mark.points)}.")
        elif mark is not None:
            details.append(f"Not on the map: {mark.label}, without a known place.")
    return tuple(details)


def map_summary(scope: Scope, plan: maps.MapPlan, period_text: str) -> str:
    """Say in one line what the digest's map shows and what it could not place."""
    placed = sum(p.count for p in plan.points)
    places = len(plan.points)
    line = (
        f"The map: {scope.counted(placed)} {period_text} at {places:,} known "
        f"place{'s' if places != 1 else ''}"
    )
    if plan.unplaced:
        line += f"; {maps.unplaced_text(scope, plan.unplaced)}, not drawn"
    return line + "."


async def map_reply(
    session: AsyncSession,
    series: SeriesLike,
    scope: Scope,
    standing: SeriesStanding,
    *,
    period: Period | None,
    weeks: int,
    mark_filters: Filters | None = None,
) -> Reply:
    """Answer `map`: the incidents of the period (else the chart's weeks) by place, the marks
    read with `mark_filters` (those the standing's pauses were counted with)."""
    days = (
        (period.first, period.last, period.text)
        if period is not None
        else default_days(standing.as_of, weeks)
    )
    drawn = await draw_map(session, series, scope, standing, days=days, mark_filters=mark_filters)
    total = sum(p.count for p in drawn.plan.points) + drawn.plan.unplaced
    headline = (
        f"{scope.counted(total)} {days[2]}, by place" if total else f"No {scope.all} {days[2]}"
    )
    return Reply(
        headline=headline,
        details=map_details(scope, drawn.plan),
        attachments=(drawn.attachment,),
    )
