"""Filters: which incidents of a series a question, an alert or a digest is about."""

from __future__ import annotations

from dataclasses import dataclass, fields

FILTER_KEYS = ("country", "location", "actor", "kind")


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

    def __bool__(self) -> bool:
        return bool(self.items())
