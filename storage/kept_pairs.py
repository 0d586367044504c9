"""Pair counts of a key of many values, kept only for values held by PAIRED_FROM incidents or more.

A write counts a value's pairs in or out while the value stays at or above PAIRED_FROM. When
its count crosses it, the value's pairs are made from its live incidents (up) or dropped
(down), so that which values have pairs is a function of their counts alone: a reader that
knows how many incidents hold a value knows where its breakdowns are (keeps_pairs).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from itertools import groupby
from typing import Any, NamedTuple

from sqlalchemy import Select, String, delete, func, insert, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from storage import count_tables
from storage.count_tables import (
    COUNTED_DIMENSIONS,
    MANY_VALUED_KEYS,
    FilterValue,
    PairCount,
    is_paired,
    paired_value,
    values_of,
)
from storage.models import Incident

# A filter value: its series, key and (normalised) value.
ValueKey = tuple[int, str, str]


class Crossings(NamedTuple):
    """The values whose pairs a write must make (`up`) or drop (`down`)."""

    up: list[ValueKey]
    down: list[ValueKey]


def counted_in(before: Mapping[ValueKey, int], deltas: Mapping[ValueKey, int]) -> set[ValueKey]:
    """Return the values whose pairs were kept before a write and are kept after it, given
    each one's count before and what the write changed it by: the write's changes to their
    pairs are counted in as deltas."""
    return {
        key
        for key, delta in deltas.items()
        if paired_value(key[1], before.get(key, 0))
        and paired_value(key[1], before.get(key, 0) + delta)
    }


def crossings(before: Mapping[ValueKey, int], deltas: Mapping[ValueKey, int]) -> Crossings:
    """Return which values of keys of many values crossed PAIRED_FROM, given each one's count
    before a write and what the write changed it by (values not in `before` had none)."""
    up, down = [], []
    for key in sorted(set(before) | set(deltas)):
        was = before.get(key, 0)
        now = was + deltas.get(key, 0)
        if paired_value(key[1], now) and not paired_value(key[1], was):
            up.append(key)
        elif paired_value(key[1], was) and not paired_value(key[1], now):
            down.append(key)
    return Crossings(up, down)


async def stored_counts(session: AsyncSession, keys: Collection[ValueKey]) -> dict[ValueKey, int]:
    """Return how many live incidents hold each of these values now (none stored: left out).

    A key's values are sought by its index (count_tables.values_of), in statements that bind
    at most _PARAMETERS_AT_ONCE.
    """
    columns = [FilterValue.series_id, FilterValue.dimension, FilterValue.value]
    found: dict[ValueKey, int] = {}
    for groups in _parameters_at_once(_by_series_and_key(keys)):
        query = values_of([*columns, FilterValue.incidents], groups)
        for series_id, key, value, n in (await session.execute(query)).all():
            found[(series_id, key, value)] = n
    return found


async def keep_in_step(session: AsyncSession, moved: Crossings) -> None:
    """Make the pairs of the values that crossed up from their live incidents (as the write
    left them), and drop those of the values that crossed down."""
    for (series_id, key), values in _by_series_and_key(moved.up + moved.down):
        await session.execute(
            delete(PairCount).where(
                PairCount.series_id == series_id,
                PairCount.dimension == key,
                PairCount.value.in_(values),
            )
        )
    for (series_id, key), values in _by_series_and_key(moved.up):
        # One statement a key: its values' incidents counted by each key of few values.
        counted = [
            _counted_by(series_id, key, values, other)
            for other in COUNTED_DIMENSIONS
            if is_paired(key, other)
        ]
        await session.execute(insert(PairCount).from_select(_PAIR_COLUMNS, union_all(*counted)))


def _counted_by(series_id: int, key: str, values: list[str], other: str) -> Select[Any]:
    """Return a SELECT of pair rows: the live incidents with these values of `key`, counted
    by their value of `other`."""
    column = getattr(Incident, f"{key}_key")
    other_value = func.coalesce(getattr(Incident, f"{other}_key"), "")
    return (
        select(
            Incident.series_id,
            literal(key, String),
            column,
            literal(other, String),
            other_value,
            func.count(),
        )
        .where(Incident.series_id == series_id, column.in_(values), Incident.deleted_at.is_(None))
        .group_by(Incident.series_id, column, other_value)
    )


_PAIR_COLUMNS = ["series_id", "dimension", "value", "other_dimension", "other_value", "incidents"]


# Values bound in one statement at most: SQLite allows 32,766 parameters (999 before 3.32).
_VALUES_AT_ONCE = 500


def _by_series_and_key(keys: Iterable[ValueKey]) -> list[tuple[tuple[int, str], list[str]]]:
    """Return the values grouped by series and key, in groups of at most _VALUES_AT_ONCE."""
    grouped = []
    for group, members in groupby(sorted(keys), key=lambda item: (item[0], item[1])):
        values = [value for _, _, value in members]
        for start in range(0, len(values), _VALUES_AT_ONCE):
            grouped.append((group, values[start : start + _VALUES_AT_ONCE]))
    return grouped


# Bound parameters in one statement: SQLite allowed 999 before 3.32.
_PARAMETERS_AT_ONCE = 900


def _parameters_at_once(
    grouped: list[tuple[tuple[int, str], list[str]]],
) -> list[list[tuple[tuple[int, str], list[str]]]]:
    """Return the groups of values in runs that bind at most _PARAMETERS_AT_ONCE in all (a
    group binds its series, its key and its values)."""
    runs: list[list[tuple[tuple[int, str], list[str]]]] = []
    bound = _PARAMETERS_AT_ONCE
    for group in grouped:
        needs = len(group[1]) + 2
        if bound + needs > _PARAMETERS_AT_ONCE:
            runs.append([])
            bound = 0
        runs[-1].append(group)
        bound += needs
    return runs


def crossed_sql(staged: str, sign: int) -> str:
    """Return a SELECT of the values of keys of many values, among the rows of the table
    `staged` just counted into (sign 1) or out of (-1) filter_values, whose count crossed
    PAIRED_FROM: up when counted in, down when counted out."""
    parts = [
        f"SELECT series_id, '{key}' AS dimension, {key}_key AS value, count(*) AS n "
        f"FROM {staged} WHERE {key}_key <> '' GROUP BY series_id, {key}_key"
        for key in MANY_VALUED_KEYS
    ]
    least = int(count_tables.PAIRED_FROM)
    crossed = (
        f"f.incidents >= {least} AND f.incidents - s.n < {least}"
        if sign > 0
        else f"f.incidents < {least} AND f.incidents + s.n >= {least}"
    )
    return (
        f"SELECT s.series_id, s.dimension, s.value FROM ({' UNION ALL '.join(parts)}) AS s "
        "JOIN filter_values f ON f.series_id = s.series_id AND f.dimension = s.dimension "
        f"AND f.value = s.value WHERE {crossed}"
    )


def kept_before_sql(staged: str, key: str) -> str:
    """Return a condition on the table `staged`'s rows: their value of `key` has its pairs
    kept, as filter_values counts it before the rows are counted there."""
    if key not in MANY_VALUED_KEYS:
        return "true"
    return (
        "EXISTS (SELECT 1 FROM filter_values f WHERE f.series_id = "
        f"{staged}.series_id AND f.dimension = '{key}' AND f.value = {staged}.{key}_key "
        f"AND f.incidents >= {int(count_tables.PAIRED_FROM)})"
    )
