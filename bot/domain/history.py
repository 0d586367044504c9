"""Incident-day histories, cached per series revision so repeated questions skip the work."""

from __future__ import annotations

from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.domain.pauses import Counting, Pause, closed_pauses


@dataclass(frozen=True)
class History:
    """Every incident day of a series (with filters), and the pauses between them."""

    days: list[date]
    closed: list[Pause]

    @classmethod
    def of(cls, days: list[date], counting: Counting) -> History:
        """Build the history of sorted distinct incident days."""
        return cls(days=days, closed=closed_pauses(days, counting))

    def until(self, as_of: date) -> tuple[list[date], list[Pause]]:
        """Return the incident days up to `as_of` and the pauses closed by then."""
        known = bisect_right(self.days, as_of)
        return self.days[:known], self.closed[: max(known - 1, 0)]


class RevisionCache:
    """A bounded map whose entries hold only while their series is at the same revision.

    Every write raises the series' revision in its own transaction, so an entry made at
    revision N is right for any reader that sees revision N, in any process.
    """

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, tuple[int, Any]] = OrderedDict()

    def get(self, key: Hashable, revision: int) -> Any | None:
        """Return the value stored for `key` at `revision`, or None."""
        entry = self._entries.get(key)
        if entry is None or entry[0] != revision:
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(self, key: Hashable, revision: int, value: Any) -> None:
        """Store `value` for `key` as computed at `revision`, dropping the oldest if full."""
        self._entries[key] = (revision, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)
