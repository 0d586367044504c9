"""Where a series stands on a day: days since, the running pause, the record, each pause's place.

Every reply, alert, record notice and digest reads the same `SeriesStanding`, so they cannot
disagree. The definitions are DESIGN.md's: a pause P is the longest since the latest earlier
pause Q with length ≥ P ended (since tracking began when there is none), and that is worth
saying only when P beat at least one earlier pause; the record is the longest closed pause,
the first one among equals.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from copy import copy
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from heapq import nlargest
from itertools import islice
from operator import sub

from bot.domain.pauses import Counting, Pause

RIVAL_BLOCK = 256  # pauses looked at in one step when searching back for a rival


class Kind(StrEnum):
    """How a pause compares with the pauses before it."""

    FIRST = "first"  # no earlier pause
    NEW_RECORD = "new record"  # longer than every earlier pause
    EQUALS_RECORD = "equals record"  # as long as the record, not longer
    LONGEST_SINCE = "longest since"  # longer than the pauses since a longer one ended
    AS_LONG_AS = "as long as"  # as long as the pause just before the ones it beat: none
    SHORTER = "shorter"  # shorter than the pause just before it


@dataclass(frozen=True)
class Place:
    """Where one pause stands against the pauses before it.

    `rival` is the latest earlier pause at least as long (Q); `beaten` counts the earlier
    pauses after it, each shorter; `record` is the record among the earlier pauses.
    """

    pause: Pause
    earlier: int
    rival: Pause | None
    beaten: int
    longest_beaten: Pause | None
    record: Pause | None
    tracking_began: date

    @property
    def kind(self) -> Kind:
        """Say how the pause compares, most notable first."""
        if self.earlier == 0:
            return Kind.FIRST
        if self.rival is None:
            return Kind.NEW_RECORD
        if self.record is not None and self.record.length == self.pause.length:
            return Kind.EQUALS_RECORD
        if self.beaten:
            return Kind.LONGEST_SINCE
        if self.rival.length == self.pause.length:
            return Kind.AS_LONG_AS
        return Kind.SHORTER

    @property
    def since(self) -> date | None:
        """Return X of "the longest since X", or None when it beat no earlier pause."""
        if not self.beaten:
            return None
        return self.tracking_began if self.rival is None else self.rival.end

    @property
    def is_record(self) -> bool:
        """Say whether it beats or equals the record (only then is it called a record)."""
        return self.kind in (Kind.NEW_RECORD, Kind.EQUALS_RECORD)

    @property
    def short_of_record(self) -> int | None:
        """Return how many days shorter than the record it is, when it is shorter."""
        if self.record is None or self.record.length <= self.pause.length:
            return None
        return self.record.length - self.pause.length


@dataclass(frozen=True)
class SeriesStanding:
    """Everything said about a series (with its filters) on one day."""

    as_of: date
    counting: Counting
    tracking_began: date | None
    last_day: date | None  # the last incident day on or before as_of
    days_since: int | None  # as_of - last_day: the number on the sign
    pause_count: int  # closed pauses by as_of
    record: Pause | None  # the longest closed pause, the first among equals
    running: Pause | None  # last_day → as_of; None before the first incident or on an incident day
    running_place: Place | None
    running_rank: int | None  # where the running pause would rank, after the ones as long
    ended: Place | None  # the latest closed pause: the one the last incident day ended
    _timeline: Timeline = field(repr=False, compare=False)
    _known: int = field(repr=False, compare=False)

    def top(self, limit: int | None = None) -> list[Pause]:
        """Return the longest closed pauses (all by default); among equals, the oldest first."""
        return self._timeline.top(self._known, limit)


class Timeline:
    """The distinct incident days of a series (with filters) and the pauses between them.

    Lengths are kept as integers and pauses made only when asked for: twenty years of daily
    incidents are 7,300 pauses, and a question needs a handful of them.
    """

    def __init__(
        self, day_numbers: Iterable[int], counting: Counting, *, in_order: bool = False
    ) -> None:
        """Lay out the pauses between the incident days, given as day numbers (date.toordinal(),
        as the database gives them: no date object is made for a day no answer names).
        `in_order`: the numbers are distinct and oldest first already (kept days), and are
        not sorted again (at 1M, laying out 29 years of pauses was a third of an add's work)."""
        ordinals = list(day_numbers) if in_order else sorted(set(day_numbers))
        self.ordinals = ordinals
        self.counting = counting
        # map and operator run in C: a Python loop here was most of a cold answer's own work.
        lengths = list(map(sub, islice(ordinals, 1, None), ordinals))
        if extra := counting.extra:
            lengths = list(map(extra.__add__, lengths))
        self.lengths = lengths
        self._standings: dict[tuple[date, date | None], SeriesStanding] = {}

    def with_later_day(self, number: int) -> Timeline:
        """Return this timeline with an incident day after its last one (a new incident's):
        its lengths are copied, not worked out again from every day."""
        if self.ordinals and number <= self.ordinals[-1]:
            raise ValueError(f"day {number} is not after the last day {self.ordinals[-1]}")
        later = copy(self)
        later.ordinals = [*self.ordinals, number]
        if self.ordinals:
            later.lengths = [*self.lengths, number - self.ordinals[-1] + self.counting.extra]
        later._standings = {}
        return later

    @classmethod
    def of_days(cls, days: Iterable[date], counting: Counting) -> Timeline:
        """Make a timeline of incident days given as dates."""
        return cls((day.toordinal() for day in days), counting)

    @property
    def days(self) -> list[date]:
        """Return the incident days as dates, oldest first."""
        return [date.fromordinal(n) for n in self.ordinals]

    def day(self, index: int) -> date:
        """Return the `index`-th incident day."""
        return date.fromordinal(self.ordinals[index])

    def pause(self, index: int) -> Pause:
        """Return the closed pause that starts on the `index`-th incident day."""
        return Pause(self.day(index), self.day(index + 1), self.lengths[index])

    def top(self, known: int, limit: int | None) -> list[Pause]:
        """Return the longest of the pauses closed among the first `known` days."""
        indices = range(max(known - 1, 0))
        key = self._rank_key
        chosen = (
            sorted(indices, key=key, reverse=True)
            if limit is None
            else nlargest(limit, indices, key=key)
        )
        return [self.pause(i) for i in chosen]

    def _rank_key(self, index: int) -> tuple[int, int]:
        # Among equals the oldest ranks first: it is the record the later ones equal.
        return self.lengths[index], -index

    def place(self, pause: Pause, earlier: int, tracking_began: date) -> Place:
        """Place `pause` against the first `earlier` closed pauses (which all end by its start)."""
        rival = self._latest_at_least(pause.length, earlier)
        beaten = earlier - 1 - rival
        return Place(
            pause=pause,
            earlier=earlier,
            rival=self.pause(rival) if rival >= 0 else None,
            beaten=beaten,
            longest_beaten=self._first_longest(rival + 1, earlier),
            record=self._first_longest(0, earlier),
            tracking_began=tracking_began,
        )

    def _latest_at_least(self, length: int, stop: int) -> int:
        """Return the index of the latest pause before `stop` with at least `length` days, or -1."""
        lengths = self.lengths
        # A long pause passes thousands of shorter ones: find the block that holds its rival
        # with max (in C), then the pause within the block.
        end = stop
        while end > 0:
            start = max(end - RIVAL_BLOCK, 0)
            if max(lengths[start:end]) >= length:
                index = end - 1
                while lengths[index] < length:
                    index -= 1
                return index
            end = start
        return -1

    def _first_longest(self, start: int, stop: int) -> Pause | None:
        if start >= stop:
            return None
        window = self.lengths[start:stop]
        return self.pause(start + window.index(max(window)))

    def standing(self, as_of: date, tracking_start: date | None) -> SeriesStanding:
        """Say where the series stands on `as_of`, counting only incident days up to then.

        A timeline never changes, so each day's standing is worked out once.
        """
        key = (as_of, tracking_start)
        found = self._standings.get(key)
        if found is None:
            if len(self._standings) > 64:
                self._standings.clear()
            found = self._standings[key] = self._standing(as_of, tracking_start)
        return found

    def ended(self, as_of: date, tracking_start: date | None) -> Place | None:
        """Return the latest pause closed by `as_of`, placed (standing(...).ended, without
        the running pause: what an alert says)."""
        known = bisect_right(self.ordinals, as_of.toordinal())
        if known == 0:
            return None
        began = tracking_start if tracking_start is not None else self.day(0)
        return self._ended(known - 1, began)

    def _ended(self, closed: int, began: date) -> Place | None:
        return self.place(self.pause(closed - 1), closed - 1, began) if closed else None

    def _standing(self, as_of: date, tracking_start: date | None) -> SeriesStanding:
        known = bisect_right(self.ordinals, as_of.toordinal())
        closed = max(known - 1, 0)
        if known == 0:
            return SeriesStanding(
                as_of=as_of,
                counting=self.counting,
                tracking_began=tracking_start,
                last_day=None,
                days_since=None,
                pause_count=0,
                record=None,
                running=None,
                running_place=None,
                running_rank=None,
                ended=None,
                _timeline=self,
                _known=0,
            )
        began = tracking_start if tracking_start is not None else self.day(0)
        last = self.day(known - 1)
        running = running_place = running_rank = None
        if last < as_of:
            length = as_of.toordinal() - last.toordinal() + self.counting.extra
            running = Pause(last, as_of, length, running=True)
            running_place = self.place(running, closed, began)
            running_rank = 1 + sum(map(length.__le__, self.lengths[:closed]))
        return SeriesStanding(
            as_of=as_of,
            counting=self.counting,
            tracking_began=began,
            last_day=last,
            days_since=as_of.toordinal() - last.toordinal(),
            pause_count=closed,
            record=self._first_longest(0, closed),
            running=running,
            running_place=running_place,
            running_rank=running_rank,
            ended=self._ended(closed, began),
            _timeline=self,
            _known=known,
        )


def standing_of(
    days: Sequence[date], as_of: date, counting: Counting, tracking_start: date | None
) -> SeriesStanding:
    """Say where a series with these incident days stands on `as_of`."""
    return Timeline.of_days(days, counting).standing(as_of, tracking_start)
