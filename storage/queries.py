"""Read queries: incident days, incidents in a range, counts; none loads every incident."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields
from datetime import date
from typing import Any, NamedTuple, Protocol

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    String,
    Subquery,
    cast,
    func,
    literal,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import incidents
from bot.domain.filters import Filters
from storage.models import (
    ALL,
    COUNTED_DIMENSIONS,
    DayCount,
    FilterValue,
    Incident,
    PairCount,
    Series,
)


def _matching(series_id: int, filters: Filters, until: date | None) -> list[ColumnElement[bool]]:
    conditions = [Incident.series_id == series_id, Incident.deleted_at.is_(None)]
    for key, value in filters.normalised_items():
        conditions.append(getattr(Incident, f"{key}_key") == value)
    if until is not None:
        conditions.append(Incident.occurred_on <= until)
    return conditions


class SeriesLike(Protocol):
    """A series as questions need it: a stored row, or a SeriesRef read with the catalog."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def revision(self) -> int: ...


class SeriesRef(NamedTuple):
    """A series' id, name and revision, read in one statement with all the others."""

    id: int
    name: str
    revision: int


async def catalog(session: AsyncSession) -> dict[str, SeriesRef]:
    """Return every series by name, with its revision (raised by every write to it)."""
    rows = await session.execute(select(Series.id, Series.name, Series.revision))
    return {name: SeriesRef(sid, name, revision) for sid, name, revision in rows.all()}


async def series_by_name(session: AsyncSession, name: str) -> Series | None:
    """Return the series called `name`, if stored."""
    return await session.scalar(select(Series).where(Series.name == name))


async def lock_series(session: AsyncSession, series_id: int) -> int:
    """Make other writers of the series wait until this transaction ends; return its revision.

    On PostgreSQL this locks the series row; on SQLite every write transaction already
    holds the database's write lock (BEGIN IMMEDIATE). The revision is the one read once the
    lock is held: no other write to the series can come between it and this transaction's.
    """
    query = select(Series.revision).where(Series.id == series_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return int(await session.scalar(query) or 0)


async def data_revision(session: AsyncSession) -> tuple[tuple[int, int], ...]:
    """Return every series' revision: it changes whenever any incident is written."""
    rows = await session.execute(select(Series.id, Series.revision).order_by(Series.id))
    return tuple((sid, revision) for sid, revision in rows.all())


# The columns of an incident as shown, in the order of bot.domain.incidents.Incident.
_SHOWN = tuple(getattr(Incident, field.name) for field in fields(incidents.Incident))


def _shown(rows: Iterable[Any]) -> list[incidents.Incident]:
    # Read as plain rows, not ORM objects: a tenth of the time for a list of fifty.
    return [incidents.Incident(*row) for row in rows]


def to_incident(row: Incident) -> incidents.Incident:
    """Return a stored incident as plain data."""
    return incidents.Incident(
        id=row.id,
        occurred_on=row.occurred_on,
        occurred_at=row.occurred_at,
        country=row.country,
        location=row.location,
        actor=row.actor,
        kind=row.kind,
        quantity=row.quantity,
        killed=row.killed,
        wounded=row.wounded,
        source=row.source,
        notes=row.notes,
        external_id=row.external_id,
    )


async def any_incident(session: AsyncSession) -> bool:
    """Say whether any live incident is stored."""
    found = await session.scalar(select(Incident.id).where(Incident.deleted_at.is_(None)).limit(1))
    return found is not None


async def series_names(session: AsyncSession) -> list[str]:
    """Return the names of every stored series."""
    return list(await session.scalars(select(Series.name).order_by(Series.name)))


def counted_as(filters: Filters) -> tuple[str, str] | None:
    """Return the day counts' (dimension, value) that count these filters, or None.

    The day counts count every incident (ALL) and each value of one key; two filters at once
    are read from the incidents.
    """
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
    conditions = _matching(series_id, filters, until)
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


async def day_changes(
    session: AsyncSession, series_id: int, after: int, limit: int
) -> list[DayChange] | None:
    """Return the series' day counts that writes after revision `after` changed.

    None when there are more than `limit` (after an import): reading everything is then
    as quick.
    """
    dialect = session.get_bind().dialect.name
    query = (
        select(
            DayCount.dimension,
            DayCount.value,
            day_number(DayCount.occurred_on, dialect),
            DayCount.incidents,
        )
        .where(DayCount.series_id == series_id, DayCount.revision > after)
        .limit(limit + 1)
    )
    rows = (await session.execute(query)).all()
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
            *_matching(series_id, filters, None),
            Incident.occurred_on.in_([date.fromordinal(n) for n in days]),
        )
        .group_by(Incident.occurred_on)
    )
    return {number: n for number, n in (await session.execute(query)).all()}


class ValueChange(NamedTuple):
    """A filter value as a write after some revision left it (zero: no live incident has it)."""

    dimension: str
    value: str
    label: str
    incidents: int


async def value_changes(session: AsyncSession, series_id: int, after: int) -> list[ValueChange]:
    """Return the series' filter values (all of them for -1) that writes after `after` changed."""
    query = select(
        FilterValue.dimension, FilterValue.value, FilterValue.label, FilterValue.incidents
    ).where(FilterValue.series_id == series_id, FilterValue.revision > after)
    return [ValueChange(*row) for row in (await session.execute(query)).all()]


async def last_incident_day(
    session: AsyncSession, series_id: int, filters: Filters, until: date
) -> date | None:
    """Return the last day with a matching incident on or before `until` (one index seek)."""
    counted = _day_counts(series_id, filters, None, until)
    if counted is not None:
        query = select(DayCount.occurred_on).where(*counted)
        query = query.order_by(DayCount.occurred_on.desc())
    else:
        query = select(Incident.occurred_on).where(*_matching(series_id, filters, until))
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


async def incidents_between(
    session: AsyncSession,
    series_id: int,
    filters: Filters,
    *,
    start: date | None,
    end: date,
    limit: int,
    newest_first: bool = True,
    offset: int = 0,
) -> list[incidents.Incident]:
    """Return up to `limit` matching incidents with days in [start, end], after `offset`."""
    conditions = _matching(series_id, filters, end)
    if start is not None:
        conditions.append(Incident.occurred_on >= start)
    order = (
        (Incident.occurred_on.desc(), Incident.id.desc())
        if newest_first
        else (Incident.occurred_on, Incident.id)
    )
    query = select(*_SHOWN).where(*conditions).order_by(*order).limit(limit).offset(offset)
    return _shown(await session.execute(query))


async def incidents_on(
    session: AsyncSession, series_id: int, filters: Filters, day: date, limit: int | None = None
) -> list[incidents.Incident]:
    """Return the matching incidents of one day (the first `limit`), in the order recorded."""
    query = (
        select(*_SHOWN)
        .where(*_matching(series_id, filters, None), Incident.occurred_on == day)
        .order_by(Incident.occurred_at, Incident.id)
        .limit(limit)
    )
    return _shown(await session.execute(query))


def scanned_keys(filters: Filters, keys: Sequence[str], *, whole: int | None) -> list[str]:
    """Return which of `keys` counts_by counts from the matching incidents themselves: those
    that no kept count answers (the counts per value, per pair of values, per day)."""
    items = filters.normalised_items()
    return [
        key
        for key in keys
        if not (key in COUNTED_DIMENSIONS and not filters)
        and not (
            whole is not None
            and key in COUNTED_DIMENSIONS
            and len(items) == 1
            and items[0][0] != key
        )
    ]


async def counts_by(
    session: AsyncSession,
    series_id: int,
    filters: Filters,
    keys: Sequence[str],
    *,
    since: date | None,
    until: date,
    limit: int,
    whole: int | None = None,
    combinations: Mapping[tuple[str, ...], int] | None = None,
) -> dict[str, list[tuple[str, int]]]:
    """Return, for each of `keys`, its most common values among matching incidents, counted.

    `whole` is how many incidents match the filters, given when [since, until] holds every
    incident of the series: then, with no filter or one on another key, the counts kept per
    value or per pair of values answer at once (a few rows, not one per day or incident).
    The other keys (`scanned_keys`) are counted from the matching incidents in one pass, or
    from `combinations`, the caller's count of them: incidents per combination of their values.
    """
    items = filters.normalised_items()
    scanned = scanned_keys(filters, keys, whole=whole)
    found: dict[str, list[tuple[str, int, str | None]]] = {}
    for key in keys:
        if key in scanned:
            continue
        if not filters:
            if whole is not None:
                found[key] = await _whole_counts(session, series_id, key, limit, whole)
            else:
                found[key] = await _counted_by_day(session, series_id, key, since, until, limit)
        else:
            found[key] = await _pair_counts(session, series_id, items[0], key, limit)
    if scanned:
        if combinations is None:
            combinations = await _scanned_combinations(
                session, series_id, filters, scanned, since, until
            )
        found.update(await _top_labelled(session, series_id, scanned, combinations, limit))
    return {key: [(label or "(not given)", n) for _, n, label in found[key]] for key in keys}


async def _counted_by_day(
    session: AsyncSession, series_id: int, key: str, since: date | None, until: date, limit: int
) -> list[tuple[str, int, str | None]]:
    """Return (value, incidents, label) for the top values of `key` from the day counts."""
    conditions = [
        DayCount.series_id == series_id,
        DayCount.dimension == key,
        DayCount.occurred_on <= until,
    ]
    if since is not None:
        conditions.append(DayCount.occurred_on >= since)
    total = func.sum(DayCount.incidents)
    query = (
        select(DayCount.value, total)
        .where(*conditions)
        .group_by(DayCount.value)
        .having(total > 0)
        .order_by(total.desc(), DayCount.value)
        .limit(limit)
    )
    rows = [(value, n) for value, n in (await session.execute(query)).all()]
    labels = await _labels(session, series_id, key, [value for value, _ in rows if value])
    return [(value, n, labels.get(value)) for value, n in rows]


async def _scanned_combinations(
    session: AsyncSession,
    series_id: int,
    filters: Filters,
    keys: list[str],
    since: date | None,
    until: date,
) -> Counter[tuple[str, ...]]:
    """Count the matching incidents per combination of several keys' values, in one pass
    (a few hundred groups at most)."""
    columns = [func.coalesce(getattr(Incident, f"{key}_key"), "") for key in keys]
    conditions = _matching(series_id, filters, until)
    if since is not None:
        conditions.append(Incident.occurred_on >= since)
    query = select(*columns, func.count()).where(*conditions).group_by(*columns)
    return Counter({tuple(values): n for *values, n in (await session.execute(query)).all()})


async def combinations_by_day(
    session: AsyncSession,
    series_id: int,
    filters: Filters,
    keys: Sequence[str],
    days: Sequence[int] | None = None,
) -> dict[int, Counter[tuple[str, ...]]]:
    """Count the matching incidents of each day (of all, or of `days`) per combination of
    several keys' values: day number → (values) → incidents."""
    dialect = session.get_bind().dialect.name
    columns = [func.coalesce(getattr(Incident, f"{key}_key"), "") for key in keys]
    conditions = _matching(series_id, filters, None)
    if days is not None:
        conditions.append(Incident.occurred_on.in_([date.fromordinal(n) for n in days]))
    query = (
        select(day_number(Incident.occurred_on, dialect), *columns, func.count())
        .where(*conditions)
        .group_by(Incident.occurred_on, *columns)
    )
    found: dict[int, Counter[tuple[str, ...]]] = {}
    for day, *values, n in (await session.execute(query)).all():
        found.setdefault(day, Counter())[tuple(values)] = n
    return found


async def _top_labelled(
    session: AsyncSession,
    series_id: int,
    keys: list[str],
    combinations: Mapping[tuple[str, ...], int],
    limit: int,
) -> dict[str, list[tuple[str, int, str | None]]]:
    """Return each key's top values, labelled, from incidents counted per combination."""
    counted: dict[str, Counter[str]] = {key: Counter() for key in keys}
    for values, n in combinations.items():
        for key, value in zip(keys, values, strict=True):
            counted[key][value] += n
    top = {
        key: sorted(counted[key].items(), key=lambda row: (-row[1], row[0]))[:limit] for key in keys
    }
    given = {key: [value for value, _ in rows if value] for key, rows in top.items()}
    labels = await labels_of(session, series_id, given)
    return {
        key: [(value, n, labels.get((key, value))) for value, n in rows]
        for key, rows in top.items()
    }


async def _whole_counts(
    session: AsyncSession, series_id: int, key: str, limit: int, every: int
) -> list[tuple[str, int, str | None]]:
    """Return the top values of `key` from filter_values, with the `every` incidents' rest.

    The incidents without a value are those of `every` that no value counts.
    """
    with_value = func.sum(FilterValue.incidents).over()  # over all the values, not the top
    top = await session.execute(
        select(FilterValue.value, FilterValue.incidents, FilterValue.label, with_value)
        .where(
            FilterValue.series_id == series_id,
            FilterValue.dimension == key,
            FilterValue.incidents > 0,
        )
        .order_by(FilterValue.incidents.desc(), FilterValue.value)
        .limit(limit)
    )
    found = top.all()
    rows: list[tuple[str, int, str | None]] = [(value, n, label) for value, n, label, _ in found]
    without = every - (found[0][3] if found else 0)
    if without > 0:
        rows = sorted([*rows, ("", without, None)], key=lambda row: (-row[1], row[0]))[:limit]
    return rows


async def _pair_counts(
    session: AsyncSession, series_id: int, fixed: tuple[str, str], key: str, limit: int
) -> list[tuple[str, int, str | None]]:
    """Return the top values of `key` among the incidents with one filter value, labelled."""
    dimension, value = fixed
    labels = (
        (FilterValue.series_id == PairCount.series_id)
        & (FilterValue.dimension == PairCount.other_dimension)
        & (FilterValue.value == PairCount.other_value)
    )
    query = (
        select(PairCount.other_value, PairCount.incidents, FilterValue.label)
        .outerjoin(FilterValue, labels)
        .where(
            PairCount.series_id == series_id,
            PairCount.dimension == dimension,
            PairCount.value == value,
            PairCount.other_dimension == key,
            PairCount.incidents > 0,
        )
        .order_by(PairCount.incidents.desc(), PairCount.other_value)
        .limit(limit)
    )
    return [(other, n, label) for other, n, label in (await session.execute(query)).all()]


async def _labels(
    session: AsyncSession, series_id: int, key: str, values: list[str]
) -> dict[str, str]:
    """Return each value's label: the value as it was first written."""
    labels = await labels_of(session, series_id, {key: values})
    return {value: label for (_, value), label in labels.items()}


async def labels_of(
    session: AsyncSession, series_id: int, values: Mapping[str, Sequence[str]]
) -> dict[tuple[str, str], str]:
    """Return the labels (as first written) of several keys' values in one statement, by
    (key, value); a value no live incident holds has none."""
    wanted = [
        (FilterValue.dimension == key) & FilterValue.value.in_(sorted(given))
        for key, given in values.items()
        if given
    ]
    if not wanted:
        return {}
    query = select(FilterValue.dimension, FilterValue.value, FilterValue.label).where(
        FilterValue.series_id == series_id, or_(*wanted)
    )
    return {(key, value): label for key, value, label in (await session.execute(query)).all()}


async def incident_row(session: AsyncSession, incident_id: int) -> Incident | None:
    """Return one stored incident by id, deleted or not, to change it."""
    return await session.get(Incident, incident_id)


def total(counts: Sequence[tuple[date, int]]) -> int:
    """Add up daily counts."""
    return sum(n for _, n in counts)
