"""Incident days: the days with a matching incident, counted per day, and the changes to them.

Pause questions read these and never the incidents: the days with an incident (the last one
too), their counts, and the day counts that writes after a revision changed. Days come back as
day numbers computed by the database, from the day counts where they count the filters, else
from the incidents.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    String,
    Subquery,
    bindparam,
    cast,
    func,
    literal,
    select,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.filters import Filters
from storage.incident_rows import imprecise_day, matching
from storage.models import ALL, COUNTED_DIMENSIONS, IMPRECISE, DayCount, Incident


def counted_as(filters: Filters) -> tuple[str, str] | None:
    """Return the day counts' (dimension, value) that count these filters, or None.

    The day counts count every incident (ALL) and each value of one key; two filters at once
    are read from the incidents.
    """
    if filters.exact_days:
        return None  # the day counts count every incident, whatever its precision
    items = filters.normalised_items()
    if not items:
        return ALL, ""
    if len(items) == 1 and items[0][0] in COUNTED_DIMENSIONS:
        return items[0]
    return None


def _day_counts(
    series_id: int, filters: Filters, since: date | None, until: date | None
) -> list[ColumnElement[bool]] | None:
    """Return conditions on DayCount for these filters, or None when they are not counted."""
    counted = counted_as(filters)
    if counted is None:
        return None
    dimension, value = counted
    conditions = [
        DayCount.series_id == series_id,
        DayCount.dimension == dimension,
        DayCount.value == value,
        DayCount.incidents > 0,
    ]
    if since is not None:
        conditions.append(DayCount.occurred_on >= since)
    if until is not None:
        conditions.append(DayCount.occurred_on <= until)
    return conditions


def day_number(column: Any, dialect: str) -> ColumnElement[int]:
    """Return a date column as date.toordinal() does, computed by the database.

    Twenty years of incident days are 7,300 rows: read as numbers they cost nothing to
    convert, where 7,300 dates parsed from SQLite's text take longer than the query.
    """
    if dialect == "postgresql":
        # From 2000, not from year 1: asyncpg sends date.min as -infinity.
        return type_coerce(column - literal(EPOCH, Date) + EPOCH.toordinal(), Integer)
    return cast(func.julianday(column) - JULIAN_DAY_ZERO, Integer)


# julianday('0001-01-01') is 1721425.5, and date(1, 1, 1).toordinal() is 1.
JULIAN_DAY_ZERO = 1721424.5


EPOCH = date(2000, 1, 1)


async def incident_days(
    session: AsyncSession, series_id: int, filters: Filters, until: date | None = None
) -> list[int]:
    """Return the distinct days (as day numbers) with a matching incident, oldest first."""
    dialect = session.get_bind().dialect.name
    days = _per_day(series_id, filters, None, until, dialect, counted=False)
    numbers = await _numbers(session, days.c.day, dialect)
    numbers.sort()  # neither aggregate promises an order; in order already, this is one pass
    return numbers


def _per_day(
    series_id: int,
    filters: Filters,
    since: date | None,
    until: date | None,
    dialect: str,
    *,
    counted: bool,
) -> Subquery:
    """Return one row per matching incident day: `day` (a day number) and, if `counted`, `n`.

    From the day counts when they count these filters, else grouped from the incidents.
    """
    kept = _day_counts(series_id, filters, since, until)
    if kept is not None:
        columns = [day_number(DayCount.occurred_on, dialect).label("day")]
        if counted:
            columns.append(DayCount.incidents.label("n"))
        return select(*columns).where(*kept).subquery()
    conditions = matching(series_id, filters, until)
    if since is not None:
        conditions.append(Incident.occurred_on >= since)
    columns = [day_number(Incident.occurred_on, dialect).label("day")]
    if counted:
        columns.append(func.count().label("n"))
    return select(*columns).where(*conditions).group_by(Incident.occurred_on).subquery()


async def _numbers(session: AsyncSession, column: Any, dialect: str) -> list[int]:
    """Return a column of integers in one value: twenty years of days are 7,300 rows, and one
    row costs a tenth of the time of 7,300 through the driver.

    PostgreSQL sends an array (asyncpg decodes it in C); SQLite has none, so a text of numbers.
    """
    if dialect == "postgresql":
        return list(await session.scalar(select(func.array_agg(column))) or ())
    text = await session.scalar(select(func.group_concat(column, ",")))
    return list(map(int, text.split(","))) if text else []


class DayChange(NamedTuple):
    """A day count as a write after some revision left it (zero: no such incident that day)."""

    dimension: str  # ALL, or the filter key counted
    value: str  # the normalised value ("" for ALL)
    day: int  # a day number, as date.toordinal()
    incidents: int


# Built once per dialect, bound at each call: every write and the question after it ask it.
_DAY_CHANGES = {
    dialect: select(
        DayCount.dimension,
        DayCount.value,
        day_number(DayCount.occurred_on, dialect),
        DayCount.incidents,
    )
    .where(DayCount.series_id == bindparam("series_id"), DayCount.revision > bindparam("after"))
    .limit(bindparam("n"))
    for dialect in ("sqlite", "postgresql")
}


async def day_changes(
    session: AsyncSession, series_id: int, after: int, limit: int
) -> list[DayChange] | None:
    """Return the series' day counts that writes after revision `after` changed.

    None when there are more than `limit` (after an import): reading everything is then
    as quick.
    """
    query = _DAY_CHANGES[session.get_bind().dialect.name]
    found = await session.execute(query, {"series_id": series_id, "after": after, "n": limit + 1})
    rows = found.all()
    return None if len(rows) > limit else [DayChange(*row) for row in rows]


async def days_counted_on(
    session: AsyncSession, series_id: int, filters: Filters, days: Sequence[int]
) -> dict[int, int]:
    """Return (day number → matching incidents) for those of `days` that have any."""
    dialect = session.get_bind().dialect.name
    day = day_number(Incident.occurred_on, dialect)
    query = (
        select(day, func.count())
        .where(
            *matching(series_id, filters, None),
            Incident.occurred_on.in_([date.fromordinal(n) for n in days]),
        )
        .group_by(Incident.occurred_on)
    )
    return {number: n for number, n in (await session.execute(query)).all()}


async def last_incident_day(
    session: AsyncSession, series_id: int, filters: Filters, until: date
) -> date | None:
    """Return the last day with a matching incident on or before `until` (one index seek)."""
    counted = _day_counts(series_id, filters, None, until)
    if counted is not None:
        query = select(DayCount.occurred_on).where(*counted)
        query = query.order_by(DayCount.occurred_on.desc())
    else:
        query = select(Incident.occurred_on).where(*matching(series_id, filters, until))
        query = query.order_by(Incident.occurred_on.desc())
    return await session.scalar(query.limit(1))


async def daily_counts(
    session: AsyncSession, series_id: int, filters: Filters, since: date | None, until: date
) -> list[tuple[date, int]]:
    """Return (day, matching incidents) for each incident day in [since, until]."""
    found = await day_numbers(session, series_id, filters, since, until)
    return [(date.fromordinal(day), n) for day, n in found]


async def day_numbers(
    session: AsyncSession,
    series_id: int,
    filters: Filters,
    since: date | None,
    until: date | None,
) -> list[tuple[int, int]]:
    """Return (day number, matching incidents) for each incident day, oldest first.

    The days come as one text of numbers: twenty years are 7,300 days, and one row costs a
    tenth of the time of 7,300 rows through the driver (SQLite's dates are parsed in Python).
    """
    dialect = session.get_bind().dialect.name
    listed = _per_day(series_id, filters, since, until, dialect, counted=True)
    pair = cast(listed.c.day, String) + ":" + cast(listed.c.n, String)
    aggregate = func.string_agg if dialect == "postgresql" else func.group_concat
    text = await session.scalar(select(aggregate(pair, ",")))
    if not text:
        return []
    numbers = list(map(int, text.replace(":", ",").split(",")))
    # Each day is listed once (one day-count row, or grouped by day); only the order is ours.
    return sorted(zip(numbers[::2], numbers[1::2], strict=True))


def total(counts: Sequence[tuple[date, int]]) -> int:
    """Add up daily counts."""
    return sum(n for _, n in counts)


# Built once, bound at each call: an add asks it up to three times, and making a statement
# costs more than SQLite takes to answer it.
_IMPRECISE_KEPT = select(func.coalesce(func.sum(DayCount.incidents), 0)).where(
    DayCount.series_id == bindparam("series_id"),
    DayCount.dimension == IMPRECISE,
    DayCount.value == "",
    DayCount.occurred_on <= bindparam("until"),
)


async def imprecise_incidents(
    session: AsyncSession, series_id: int, filters: Filters, until: date
) -> int:
    """Return how many matching incidents up to `until` have a day known only to the week or
    month: from the day counts (a few rows) first, and from the incidents only when the
    series has any and the question has filters."""
    kept = await session.scalar(_IMPRECISE_KEPT, {"series_id": series_id, "until": until})
    if not kept or not filters.items():
        return int(kept or 0)
    every = filters.any_precision()
    query = select(func.count()).where(*matching(series_id, every, until), imprecise_day())
    return int(await session.scalar(query) or 0)
