"""Breakdowns: each key's most common values among matching incidents, with their labels.

Whole-series breakdowns are read from the counts kept per value and per pair of values (by
the keys of few values, for the values that keep them: storage.kept_pairs); the rest are
counted from the matching incidents, per combination of the keys' values. The filter values
that writes after a revision changed are read here too.

Values counted alike are ordered by their stored key (NFC, casefolded) in code-point order, on
both databases and in Python alike: PostgreSQL's default collation follows the server's locale
(en_US puts "ábc" beside "abc" and skips hyphens), so its ORDER BY says COLLATE "C".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date
from typing import NamedTuple

from sqlalchemy import ColumnElement, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from bot.domain.filters import Filters
from storage.count_tables import keeps_pairs, values_of
from storage.days import day_number
from storage.incident_rows import matching
from storage.models import (
    COUNTED_DIMENSIONS,
    DayCount,
    FilterValue,
    Incident,
    PairCount,
)


class ValueChange(NamedTuple):
    """A filter value as a write after some revision left it (zero: no live incident has it)."""

    dimension: str
    value: str
    label: str
    incidents: int


# Built once, bound at each call: every command that reads values asks it.
_VALUE_CHANGES = select(
    FilterValue.dimension, FilterValue.value, FilterValue.label, FilterValue.incidents
).where(FilterValue.series_id == bindparam("series_id"), FilterValue.revision > bindparam("after"))


async def value_changes(session: AsyncSession, series_id: int, after: int) -> list[ValueChange]:
    """Return the series' filter values (all of them for -1) that writes after `after` changed."""
    found = await session.execute(_VALUE_CHANGES, {"series_id": series_id, "after": after})
    return [ValueChange(*row) for row in found.all()]


def _code_points(
    session: AsyncSession, column: InstrumentedAttribute[str]
) -> ColumnElement[str] | InstrumentedAttribute[str]:
    """Order `column` by code point, as SQLite and Python do, whatever PostgreSQL's locale."""
    if session.get_bind().dialect.name == "postgresql":
        return column.collate("C")
    return column


def scanned_keys(filters: Filters, keys: Sequence[str], *, whole: int | None) -> list[str]:
    """Return which of `keys` counts_by counts from the matching incidents themselves: those
    that no kept count answers (the counts per value, per pair of values, per day)."""
    if filters.exact_days:
        return list(keys)  # the kept counts count every incident, whatever its precision
    items = filters.normalised_items()
    return [
        key
        for key in keys
        if not (key in COUNTED_DIMENSIONS and not filters)
        and not (whole is not None and len(items) == 1 and keeps_pairs(items[0][0], key, whole))
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
    gone = []
    for key in keys:
        if key in scanned:
            continue
        if not filters:
            if whole is not None:
                found[key] = await _whole_counts(session, series_id, key, limit, whole)
            else:
                found[key] = await _counted_by_day(session, series_id, key, since, until, limit)
            continue
        pairs = await _pair_counts(session, series_id, items[0], key, limit)
        if pairs or not whole:
            found[key] = pairs
        else:
            # A value's kept pairs hold all its incidents: none means a write that committed
            # since `whole` was read dropped them (PostgreSQL reads each statement afresh).
            gone.append(key)
    if scanned:
        if combinations is None:
            combinations = await _scanned_combinations(
                session, series_id, filters, scanned, since, until
            )
        found.update(await _top_labelled(session, series_id, scanned, combinations, limit))
    if gone:
        counted = await _scanned_combinations(session, series_id, filters, gone, since, until)
        found.update(await _top_labelled(session, series_id, gone, counted, limit))
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
        .order_by(total.desc(), _code_points(session, DayCount.value))
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
    conditions = matching(series_id, filters, until)
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
    conditions = matching(series_id, filters, None)
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
        .order_by(FilterValue.incidents.desc(), _code_points(session, FilterValue.value))
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
        .order_by(PairCount.incidents.desc(), _code_points(session, PairCount.other_value))
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
    wanted = [((series_id, key), sorted(given)) for key, given in values.items() if given]
    if not wanted:
        return {}
    query = values_of([FilterValue.dimension, FilterValue.value, FilterValue.label], wanted)
    return {(key, value): label for key, value, label in (await session.execute(query)).all()}
