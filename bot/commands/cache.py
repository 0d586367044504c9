"""Answers kept per series revision, so repeated questions skip the database and the work."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Any


class RevisionCache:
    """A bounded map whose entries hold only while their series is at the same revision.

    Every write raises the series' revision in its own transaction, so an entry made at
    revision N is right for any reader that sees revision N, in any process.
    """

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, tuple[Hashable, Any]] = OrderedDict()

    def get(self, key: Hashable, revision: Hashable) -> Any | None:
        """Return the value stored for `key` at `revision`, or None."""
        entry = self._entries.get(key)
        if entry is None or entry[0] != revision:
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(self, key: Hashable, revision: Hashable, value: Any) -> None:
        """Store `value` for `key` as computed at `revision`, dropping the oldest if full."""
        self._entries[key] = (revision, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)
