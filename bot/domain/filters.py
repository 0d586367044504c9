"""Filters: which incidents of a series a question, an alert or a digest is about."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Protocol

# event_type and admin1 (ACLED's event type and first-level region) came with issue 26: they are
# last, so that the keys written before them (a subscription's, a URL's) keep their order.
FILTER_KEYS = ("country", "location", "actor", "kind", "event_type", "admin1")


class Filterable(Protocol):
    """An incident's filterable values (a stored row, validated fields or plain data)."""

    @property
    def country(self) -> str | None: ...
    @property
    def location(self) -> str | None: ...
    @property
    def actor(self) -> str | None: ...
    @property
    def kind(self) -> str | None: ...
    @property
    def event_type(self) -> str | None: ...
    @property
    def admin1(self) -> str | None: ...


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
    event_type: str | None = None
    admin1: str | None = None

    def items(self) -> list[tuple[str, str]]:
        """Return the filters that are set, as (key, value)."""
        return [(f.name, v) for f in fields(self) if (v := getattr(self, f.name)) is not None]

    def normalised_items(self) -> list[tuple[str, str]]:
        """Return the filters that are set, as (key, normalised value)."""
        return [(key, normalised(value)) for key, value in self.items()]

    def matches(self, incident: Filterable) -> bool:
        """Say whether an incident holds every value set here (as the database matches them)."""
        for key, value in self.normalised_items():
            held = getattr(incident, key)
            if held is None or normalised(held) != value:
                return False
        return True

    def __bool__(self) -> bool:
        return bool(self.items())
