"""The requests an adapter has answered lately, so that one a platform sends again is dropped.

In memory and bounded: the cheap first check. What decides across replicas is the key the
core claims in the database (storage/seen.py).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable


class RecentKeys:
    """The keys (event ids, message ids) this process has seen lately, the oldest forgotten."""

    def __init__(self, size: int = 2_000) -> None:
        self.size = size
        self._keys: OrderedDict[Hashable, None] = OrderedDict()

    def first_time(self, key: Hashable) -> bool:
        """Record `key`; say whether it is new here."""
        if key in self._keys:
            return False
        self._keys[key] = None
        if len(self._keys) > self.size:
            self._keys.popitem(last=False)
        return True
