"""Incident days and filter values kept in memory, brought up to date from the rows changed since.

Every write stamps the day counts and filter values it changes with the series' new revision
(storage/counts.py). What was read at revision N is therefore brought to revision M by the
rows stamped after N: about five for a new incident, where reading the days again is 7,300
rows for twenty years of daily incidents. A question asked after each write, as after every
new incident, is then as quick as one asked again.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from itertools import accumulate
from typing import overload

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.filters import Filters
from bot.domain.incidents import Incident
from bot.domain.pauses import Counting
from bot.domain.standing import Timeline
from storage.breakdowns import ValueChange, combinations_by_day, value_changes
from storage.catalog import SeriesLike
from storage.days import DayChange, counted_as, day_changes, day_numbers, days_counted_on

# More changed rows than this (as after an import) and everything is read again instead.
CHANGES_READ = 2_000


@dataclass(frozen=True)
class KeptDays:
    """A series' incident days with these filters, as day number → matching incidents."""

    revision: int
    counts: Mapping[int, int]  # never changed once made: a newer revision is a new KeptDays
    # The first incidents of a day, as `since` shows them, read once until the day changes.
    shown: dict[int, list[Incident]] = field(default_factory=dict, compare=False)
    _timelines: dict[Counting, Timeline] = field(default_factory=dict, compare=False)

    def timeline(self, counting: Counting) -> Timeline:
        """Return the days' pauses as `counting` counts them, worked out once."""
        found = self._timelines.get(counting)
        if found is None:
            found = self._timelines[counting] = Timeline(self.ordinals, counting, in_order=True)
        return found

    @cached_property
    def ordinals(self) -> list[int]:
        """Return the incident days as day numbers, oldest first."""
        return sorted(self.counts)

    @cached_property
    def running(self) -> list[int]:
        """Return the incidents of the days before each one (and of all of them, last)."""
        return [0, *accumulate(map(self.counts.__getitem__, self.ordinals))]

    def span(self, since: date | None, until: date) -> DaySpan:
        """Return the incident days in [since, until]."""
        start = 0 if since is None else bisect_left(self.ordinals, since.toordinal())
        return DaySpan(self, start, bisect_right(self.ordinals, until.toordinal(), start))


@dataclass(frozen=True)
class DaySpan(Sequence[tuple[date, int]]):
    """Some consecutive incident days of kept days, as (day, incidents), oldest first.

    Nothing is copied: a breakdown by month looks at the last year of twenty years' days,
    and the totals come from the running counts.
    """

    kept: KeptDays
    start: int
    stop: int

    def __len__(self) -> int:
        return self.stop - self.start

    @overload
    def __getitem__(self, index: int) -> tuple[date, int]: ...
    @overload
    def __getitem__(self, index: slice) -> list[tuple[date, int]]: ...
    def __getitem__(self, index: int | slice) -> tuple[date, int] | list[tuple[date, int]]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        day = self.kept.ordinals[self.start + index % len(self)]
        return date.fromordinal(day), self.kept.counts[day]

    @property
    def incidents(self) -> int:
        """Return how many incidents the days hold."""
        return self.kept.running[self.stop] - self.kept.running[self.start]

    def incidents_since(self, day: date) -> int:
        """Return how many incidents the days from `day` on hold."""
        first = bisect_left(self.kept.ordinals, day.toordinal(), self.start, self.stop)
        return self.kept.running[self.stop] - self.kept.running[first]


# One day's incidents per combination of values, as pairs: a tenth of a Counter's memory.
DayCombinations = tuple[tuple[tuple[str, ...], int], ...]


@dataclass(frozen=True)
class KeptCombinations:
    """A series' incidents with some filters, per day and per combination of some keys'
    values (`stats` with two filters counts its breakdowns from them), and their totals."""

    revision: int
    by_day: Mapping[int, DayCombinations]  # never changed once made, as KeptDays
    totals: Counter[tuple[str, ...]]

    @classmethod
    def of(
        cls, revision: int, by_day: Mapping[int, Mapping[tuple[str, ...], int]]
    ) -> KeptCombinations:
        """Return the combinations counted per day, with their totals."""
        totals: Counter[tuple[str, ...]] = Counter()
        for counted in by_day.values():
            totals.update(counted)
        return cls(revision, {day: tuple(c.items()) for day, c in by_day.items()}, totals)

    def patched(
        self,
        revision: int,
        days: Iterable[int],
        found: Mapping[int, Mapping[tuple[str, ...], int]],
    ) -> KeptCombinations:
        """Return these counts with each of `days` counted again (`found`: none is zero)."""
        by_day = dict(self.by_day)
        totals = Counter(self.totals)
        for day in days:
            totals.subtract(dict(by_day.pop(day, ())))
            if day in found:
                by_day[day] = tuple(found[day].items())
                totals.update(found[day])
        return KeptCombinations(revision, by_day, +totals)  # + drops what is now zero


def patched(counts: Mapping[int, int], changes: Iterable[tuple[int, int]]) -> dict[int, int]:
    """Return `counts` with each changed day's new count; a day now at zero is dropped."""
    result = dict(counts)
    for day, n in changes:
        if n > 0:
            result[day] = n
        else:
            result.pop(day, None)
    return result


class DayKeeper:
    """Keep the incident days of the most recently asked (series, filters).

    Twenty years of days are about 1 MB kept: `size` bounds the memory they take.
    """

    def __init__(self, size: int = 32, combinations_size: int = 8) -> None:
        self.size = size
        # A day's combinations take more than its count: a few MB for twenty years.
        self.combinations_size = combinations_size
        self._kept: OrderedDict[tuple[int, Filters], KeptDays] = OrderedDict()
        self._combinations: OrderedDict[tuple[int, Filters, tuple[str, ...]], KeptCombinations]
        self._combinations = OrderedDict()
        # The last changes read, by (series, from revision, to revision): one question often
        # brings up the days of several filters (`stats` with filters: theirs and the whole
        # series'), all kept at the same revision, from the same changed rows.
        self._changes: tuple[tuple[int, int, int], list[DayChange] | None] | None = None

    async def days(self, session: AsyncSession, series: SeriesLike, filters: Filters) -> KeptDays:
        """Return the series' days with `filters` as of its revision, reading what changed."""
        key = (series.id, filters)
        kept = self._kept.get(key)
        if kept is not None and kept.revision == series.revision:
            self._kept.move_to_end(key)
            return kept
        fresh = None
        # Brought up only from an earlier revision. Days kept at a later one mean that this
        # reader's snapshot began before a write another question has seen, or that the
        # database went back (restored): they are read whole, as this reader sees them.
        if kept is not None and kept.revision < series.revision:
            fresh = await self._brought_up(session, series, filters, kept)
        if fresh is None:
            found = await day_numbers(session, series.id, filters, None, None)
            fresh = KeptDays(series.revision, dict(found))
        self._kept[key] = fresh
        self._kept.move_to_end(key)
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)
        return fresh

    def kept_at(self, series: SeriesLike, filters: Filters) -> KeptDays | None:
        """Return the days with `filters` kept at the series' revision, reading nothing."""
        kept = self._kept.get((series.id, filters))
        return kept if kept is not None and kept.revision == series.revision else None

    async def _brought_up(
        self, session: AsyncSession, series: SeriesLike, filters: Filters, kept: KeptDays
    ) -> KeptDays | None:
        changes = await self._changes_between(session, series, kept.revision)
        if changes is None:
            return None
        return await brought_up(session, series, filters, kept, changes)

    async def combinations(
        self, session: AsyncSession, series: SeriesLike, filters: Filters, keys: tuple[str, ...]
    ) -> Mapping[tuple[str, ...], int]:
        """Return the incidents with `filters` per combination of the values of `keys`, as of
        the series' revision, counting again only the days that writes since touched."""
        key = (series.id, filters, keys)
        kept = self._combinations.get(key)
        fresh = None
        if kept is not None and kept.revision == series.revision:
            fresh = kept
        elif kept is not None and kept.revision < series.revision:
            changes = await self._changes_between(session, series, kept.revision)
            if changes is not None:
                days = sorted({c.day for c in changes})
                found = (
                    await combinations_by_day(session, series.id, filters, keys, days)
                    if days
                    else {}
                )
                fresh = kept.patched(series.revision, days, found)
        if fresh is None:
            by_day = await combinations_by_day(session, series.id, filters, keys)
            fresh = KeptCombinations.of(series.revision, by_day)
        self._combinations[key] = fresh
        self._combinations.move_to_end(key)
        while len(self._combinations) > self.combinations_size:
            self._combinations.popitem(last=False)
        return fresh.totals

    async def _changes_between(
        self, session: AsyncSession, series: SeriesLike, after: int
    ) -> list[DayChange] | None:
        # The rows a revision's writes stamped are the same whoever reads them at that
        # revision: a later write makes a later revision, and so another key.
        key = (series.id, after, series.revision)
        if self._changes is not None and self._changes[0] == key:
            return self._changes[1]
        changes = await day_changes(session, series.id, after, CHANGES_READ)
        self._changes = (key, changes)
        return changes


async def brought_up(
    session: AsyncSession,
    series: SeriesLike,
    filters: Filters,
    kept: KeptDays,
    changes: Sequence[DayChange],
) -> KeptDays:
    """Return kept days with `filters` brought to the series' revision by the day counts
    that writes since stamped (`changes`)."""
    counted = counted_as(filters)
    if counted is not None:
        updates = [(c.day, c.incidents) for c in changes if (c.dimension, c.value) == counted]
    else:
        # Filters the day counts do not count: every day a write touched (whatever it
        # changed, it changed some count of that day) is counted again from the incidents.
        days = sorted({c.day for c in changes})
        found = await days_counted_on(session, series.id, filters, days) if days else {}
        updates = [(day, found.get(day, 0)) for day in days]
    # Any write to an incident stamps its day (storage/counts.py), even one that changes
    # no count, such as an edit of its notes: what was shown of that day is read again.
    changed = {c.day for c in changes}
    shown = {day: rows for day, rows in kept.shown.items() if day not in changed}
    return KeptDays(series.revision, patched(kept.counts, updates), shown)


@dataclass
class ValueKeeper:
    """Keep the filter values live incidents hold, per series, as of each series' revision.

    `version` changes only when a value appears, disappears or is relabelled: the words
    read from them (the vocabulary) are made again only then, not after every write, and
    only for the values that changed (take_changes).
    """

    version: int = 0
    _revisions: dict[int, int] = field(default_factory=dict)
    # (key, value as matched) → the label of each series whose live incidents hold it.
    _held: dict[tuple[str, str], dict[int, str]] = field(default_factory=dict)
    # The values changed since take_changes, each with its label before (None: not held);
    # None: every value, as after a series went.
    _changed: dict[tuple[str, str], str | None] | None = None

    async def bring_up(self, session: AsyncSession, revisions: Mapping[int, int]) -> None:
        """Read the values that changed in each series whose revision is not the one kept."""
        gone = set(self._revisions) - set(revisions)
        for series_id in gone:
            del self._revisions[series_id]
            self.forget(series_id)
        for series_id, revision in revisions.items():
            after = self._revisions.get(series_id, -1)
            if after == revision:
                continue
            if after > revision:  # the database went back (restored): read the series whole
                after = -1
                self.forget(series_id)
            self.apply(series_id, await value_changes(session, series_id, after))
            self._revisions[series_id] = revision

    def apply(self, series_id: int, changes: Iterable[ValueChange]) -> None:
        """Take in a series' changed values; raise the version if any appeared, went or was
        relabelled (a read that fails at the next series leaves this one's words made)."""
        changed = False
        for change in changes:
            key = (change.dimension, change.value)
            held = self._held.get(key, {})
            if change.incidents > 0:
                if held.get(series_id) != change.label:
                    self._note(key)
                    self._held.setdefault(key, held)[series_id] = change.label
                    changed = True
            elif series_id in held:
                self._note(key)
                del held[series_id]
                if not held:
                    del self._held[key]
                changed = True
        if changed:
            self.version += 1

    def forget(self, series_id: int) -> None:
        """Drop a series' values (gone, or to be read whole): every word is made again."""
        for key in [key for key, held in self._held.items() if series_id in held]:
            del self._held[key][series_id]
            if not self._held[key]:
                del self._held[key]
        self._changed = None
        self.version += 1

    def _note(self, key: tuple[str, str]) -> None:
        if self._changed is not None and key not in self._changed:
            self._changed[key] = self.label(*key)

    def take_changes(self) -> dict[tuple[str, str], str | None] | None:
        """Return the values changed since the last call, each with its label before (None:
        every value may have changed), and start noting afresh."""
        changes, self._changed = self._changed, {}
        return changes

    def label(self, key: str, value: str) -> str | None:
        """Return a value's label, as it sorts first in any series (None: not held)."""
        held = self._held.get((key, value))
        return min(held.values()) if held else None

    def holders(self, key: str, value: str) -> set[int]:
        """Return the series whose live incidents hold a value."""
        return set(self._held.get((key, value), ()))

    def owners(self) -> dict[tuple[str, str], set[int]]:
        """Return, per (key, value as matched), the series whose live incidents hold it."""
        return {key: set(held) for key, held in self._held.items()}

    def values(self) -> list[tuple[str, str]]:
        """Return (key, label) for every live value, labelled as it sorts first in any series."""
        return [(dimension, label) for dimension, _, label in self.spelled()]

    def spelled(self) -> list[tuple[str, str, str]]:
        """Return (key, value as matched, label) for every live value with a label, in the
        order of (key, value)."""
        return [
            (dimension, value, label)
            for (dimension, value), held in sorted(self._held.items())
            if (label := min(held.values()))
        ]
