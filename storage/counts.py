"""The counts every write keeps in step: incidents per day, per filter value, per pair of values.

Each write adds up its changes in memory and then adds them to the stored counts as deltas in
one upsert per table, which stays right when two writers change one row at once.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.filters import FILTER_KEYS
from storage.bulk import add_to_counters, table_of
from storage.models import ALL, COUNTED_DIMENSIONS, DayCount, FilterValue, PairCount, filter_key

DAY_COUNT_KEY = ("series_id", "dimension", "value", "occurred_on")
DAY_COUNT_COLUMNS = (*DAY_COUNT_KEY, "incidents", "label")
FILTER_VALUE_KEY = ("series_id", "dimension", "value")
FILTER_VALUE_COLUMNS = (*FILTER_VALUE_KEY, "incidents", "label")
PAIR_COUNT_KEY = ("series_id", "dimension", "value", "other_dimension", "other_value")
PAIR_COUNT_COLUMNS = (*PAIR_COUNT_KEY, "incidents")
# Every ordered pair of filter keys: a filter on the first, a breakdown by the second.
PAIRS = tuple((a, b) for a in FILTER_KEYS for b in FILTER_KEYS if a != b)


class Filterable(Protocol):
    """An incident's filterable values (a stored row or validated fields)."""

    @property
    def country(self) -> str | None: ...
    @property
    def location(self) -> str | None: ...
    @property
    def actor(self) -> str | None: ...
    @property
    def kind(self) -> str | None: ...


class Counts:
    """Changes to the day counts and the filter values, written in one statement each."""

    def __init__(self) -> None:
        self.days: Counter[tuple[int, str, str, date]] = Counter()
        self.values: Counter[tuple[int, str, str]] = Counter()
        self.labels: dict[tuple[Any, ...], str | None] = {}
        self.pairs: Counter[tuple[int, str, str, str, str]] = Counter()

    def add(self, series_id: int, day: date, incident: Filterable, sign: int = 1) -> None:
        """Count one incident in (sign 1) or out (sign -1) of its day and its values."""
        self._day(series_id, day, ALL, None, sign)
        for dimension in COUNTED_DIMENSIONS:
            self._day(series_id, day, dimension, getattr(incident, dimension), sign)
        keys = {}
        for dimension in FILTER_KEYS:
            label = getattr(incident, dimension)
            keys[dimension] = filter_key(label) or ""
            if label:
                key = (series_id, dimension, keys[dimension])
                self.values[key] += sign
                self.labels.setdefault(key, label)
        for dimension, other in PAIRS:
            if keys[dimension]:  # a filter always has a value
                self.pairs[(series_id, dimension, keys[dimension], other, keys[other])] += sign

    def _day(self, series_id: int, day: date, dimension: str, label: str | None, sign: int) -> None:
        key = (series_id, dimension, filter_key(label) or "", day)
        self.days[key] += sign
        self.labels.setdefault(key, label)

    async def write(self, session: AsyncSession) -> None:
        """Add the changes to the stored counts, creating rows as needed."""
        days = [(*key, n, self.labels[key]) for key, n in sorted(self.days.items()) if n]
        if days:
            await add_to_counters(
                session, table_of(DayCount), DAY_COUNT_COLUMNS, DAY_COUNT_KEY, "incidents", days
            )
        pairs = [(*key, n) for key, n in sorted(self.pairs.items()) if n]
        if pairs:
            await add_to_counters(
                session, table_of(PairCount), PAIR_COUNT_COLUMNS, PAIR_COUNT_KEY, "incidents", pairs
            )
        values = [(*key, n, self.labels[key]) for key, n in sorted(self.values.items()) if n]
        if values:
            await add_to_counters(
                session,
                table_of(FilterValue),
                FILTER_VALUE_COLUMNS,
                FILTER_VALUE_KEY,
                "incidents",
                values,
            )
