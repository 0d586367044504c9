"""The counts every write keeps in step: incidents per day, per filter value, per pair of values.

Each write adds up its changes in memory and then adds them to the stored counts as deltas in
one upsert per table, which stays right when two writers change one row at once. An import
counts its rows the same way, in SQL over each chunk of them (storage.staging).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.filters import Filterable, is_exact_day
from storage.bulk import add_to_counters, table_of
from storage.count_tables import MANY_VALUED_KEYS
from storage.kept_pairs import counted_in, crossings, keep_in_step, stored_counts
from storage.models import (
    ALL,
    COUNTED_DIMENSIONS,
    IMPRECISE,
    DayCount,
    FilterValue,
    PairCount,
    filter_key,
    is_paired,
)

DAY_COUNT_KEY = ("series_id", "dimension", "value", "occurred_on")
DAY_COUNT_COLUMNS = (*DAY_COUNT_KEY, "incidents", "revision")
FILTER_VALUE_KEY = ("series_id", "dimension", "value")
FILTER_VALUE_COLUMNS = (*FILTER_VALUE_KEY, "incidents", "label", "revision")
# Each written series' revision, as the write raised it (storage.writes.bump_revision).
Revisions = Mapping[int, int]
PAIR_COUNT_KEY = ("series_id", "dimension", "value", "other_dimension", "other_value")
PAIR_COUNT_COLUMNS = (*PAIR_COUNT_KEY, "incidents")
# Every ordered pair of filter keys that is_paired names, with their places in
# COUNTED_DIMENSIONS: a filter on the first, a breakdown by the second.
PAIRS = tuple(
    (i, a, j, b)
    for i, a in enumerate(COUNTED_DIMENSIONS)
    for j, b in enumerate(COUNTED_DIMENSIONS)
    if is_paired(a, b)
)


class Counts:
    """Changes to the day counts, the filter values and their pairs, one statement each."""

    def __init__(self) -> None:
        self.days: Counter[tuple[int, str, str, date]] = Counter()
        # Incidents by series and every key's value at once: the values and the pairs are
        # worked out from these when written.
        self.combinations: Counter[tuple[int, tuple[str, ...]]] = Counter()
        self.labels: dict[tuple[Any, ...], str] = {}

    def add(self, series_id: int, day: date, incident: Filterable, sign: int = 1) -> None:
        """Count one incident in (sign 1) or out (sign -1) of its day and its values (and of
        the imprecise days when its day is known only to the week or month)."""
        labels = [getattr(incident, dimension) for dimension in COUNTED_DIMENSIONS]
        keys = tuple(filter_key(label) or "" for label in labels)
        self.days[(series_id, ALL, "", day)] += sign
        if not is_exact_day(getattr(incident, "time_precision", None)):
            self.days[(series_id, IMPRECISE, "", day)] += sign
        for dimension, key, label in zip(COUNTED_DIMENSIONS, keys, labels, strict=True):
            self.days[(series_id, dimension, key, day)] += sign
            if label:
                self.labels.setdefault((series_id, dimension, key), label)
        self.combinations[(series_id, keys)] += sign

    def _values_and_pairs(self) -> tuple[Counter[tuple[Any, ...]], Counter[tuple[Any, ...]]]:
        values: Counter[tuple[Any, ...]] = Counter()
        pairs: Counter[tuple[Any, ...]] = Counter()
        for (series_id, keys), n in self.combinations.items():
            if not n:
                continue
            for i, dimension, j, other in PAIRS:
                if keys[i]:  # a filter always has a value
                    pairs[(series_id, dimension, keys[i], other, keys[j])] += n
            for dimension, key in zip(COUNTED_DIMENSIONS, keys, strict=True):
                if key:
                    values[(series_id, dimension, key)] += n
        return values, pairs

    async def write(self, session: AsyncSession, revisions: Revisions) -> None:
        """Add the changes to the stored counts, creating rows as needed.

        Day counts and filter values are stamped with their series' revision in `revisions`
        (the one this write raised it to), so that readers can ask what changed after theirs.
        """
        await self.write_days(session, revisions)
        await self.write_totals(session, revisions)

    async def write_days(self, session: AsyncSession, revisions: Revisions) -> None:
        """Add the changes to the day counts, and forget them."""
        # A day's count of every incident is written (and so stamped) even when unchanged:
        # an edit that changes no count still changes what is shown of that day.
        days = [
            (*key, n, revisions[key[0]])
            for key, n in sorted(self.days.items())
            if n or key[1] == ALL
        ]
        if days:
            await add_to_counters(
                session,
                table_of(DayCount),
                DAY_COUNT_COLUMNS,
                DAY_COUNT_KEY,
                "incidents",
                days,
                stamp="revision",
            )
        self.days.clear()

    async def write_totals(self, session: AsyncSession, revisions: Revisions) -> None:
        """Add the changes to the counts per value and per pair of values."""
        counted_values, counted_pairs = self._values_and_pairs()
        # The values of keys of many values whose pairs change: kept only for those held by
        # PAIRED_FROM incidents or more (storage.kept_pairs).
        many = {key[:3] for key in counted_pairs if key[1] in MANY_VALUED_KEYS}
        before = await stored_counts(session, many)
        deltas = {value: counted_values.get(value, 0) for value in many}
        kept = counted_in(before, deltas)
        pairs = [
            (*key, n)
            for key, n in sorted(counted_pairs.items())
            if n and (key[:3] not in many or key[:3] in kept)
        ]
        if pairs:
            await add_to_counters(
                session, table_of(PairCount), PAIR_COUNT_COLUMNS, PAIR_COUNT_KEY, "incidents", pairs
            )
        values = [
            (*key, n, self.labels[key], revisions[key[0]])
            for key, n in sorted(counted_values.items())
            if n
        ]
        if values:
            await add_to_counters(
                session,
                table_of(FilterValue),
                FILTER_VALUE_COLUMNS,
                FILTER_VALUE_KEY,
                "incidents",
                values,
                stamp="revision",
                relabel="label",
            )
        await keep_in_step(session, crossings(before, deltas))
        self.combinations.clear()
