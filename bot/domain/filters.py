"""Filters: which incidents of a series a question, an alert or a digest is about."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, fields
from functools import lru_cache

FILTER_KEYS = ("country", "location", "actor", "kind")


# Imports ask for the keys of the same few places and countries millions of times.
@lru_cache(maxsize=65_536)
def normalised(value: str) -> str:
    """Return the key a filter value is matched by: NFC and casefolded, on every database.

    SQLite's lower() folds ASCII only (`Ürdün` and `ürdün` would differ), so the key is
    computed here and stored beside each value. Casefolding can undo NFC (`İ` → `i̇`), so
    the result is composed again.
    """
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", value).casefold())


@dataclass(frozen=True)
class Filters:
    """Which incidents a question is about; every value matches case-insensitively."""

    country: str | None = None
    location: str | None = None
    actor: str | None = None
    kind: str | None = None

    def items(self) -> list[tuple[str, str]]:
        """Return the filters that are set, as (key, value)."""
        return [(f.name, v) for f in fields(self) if (v := getattr(self, f.name)) is not None]

    def normalised_items(self) -> list[tuple[str, str]]:
        """Return the filters that are set, as (key, normalised value)."""
        return [(key, normalised(value)) for key, value in self.items()]

    def __bool__(self) -> bool:
        return bool(self.items())
