"""Filters: which incidents of a series a question, an alert or a digest is about."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar, Literal, Protocol, get_args

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


# ACLED's time_precision of an event whose day is exact, and of one known only to the week
# (3: only to the month).
EXACT_DAY = 1
KNOWN_TO_THE_WEEK = 2


def is_exact_day(time_precision: int | None) -> bool:
    """Say whether an incident's day is exact: its time_precision is absent or 1."""
    return time_precision is None or time_precision == EXACT_DAY


@dataclass(frozen=True)
class Filters:
    """Which incidents a question is about; every value matches case-insensitively."""

    country: str | None = None
    location: str | None = None
    actor: str | None = None
    kind: str | None = None
    event_type: str | None = None
    admin1: str | None = None
    # Only incidents whose day is exact (time_precision absent or 1): ExactDayFilters, what a
    # series that skips events known only to the week or month counts its pauses from.
    exact_days: ClassVar[bool] = False

    def items(self) -> list[tuple[str, str]]:
        """Return the filters that are set, as (key, value)."""
        return [(key, v) for key in FILTER_KEYS if (v := getattr(self, key)) is not None]

    def normalised_items(self) -> list[tuple[str, str]]:
        """Return the filters that are set, as (key, normalised value)."""
        return [(key, normalised(value)) for key, value in self.items()]

    def matches(self, incident: Filterable) -> bool:
        """Say whether an incident holds every value set here (as the database matches them)."""
        if self.exact_days and not is_exact_day(getattr(incident, "time_precision", None)):
            return False
        for key, value in self.normalised_items():
            held = getattr(incident, key)
            if held is None or normalised(held) != value:
                return False
        return True

    def __bool__(self) -> bool:
        return bool(self.items())

    def only_exact_days(self) -> Filters:
        """Return these filters for the incidents whose day is exact only."""
        return ExactDayFilters(**dict(self.items()))

    def any_precision(self) -> Filters:
        """Return these filters for every incident, whatever its day's precision."""
        return Filters(**dict(self.items()))


@dataclass(frozen=True)
class ExactDayFilters(Filters):
    """Filters that also leave out the incidents whose day is known only to the week or month.

    Not equal to the same Filters (a dataclass compares its class too): kept apart wherever
    answers are kept by their filters.
    """

    exact_days: ClassVar[bool] = True


# How a series counts the incidents whose day is known only to the week or month (its
# `imprecise` setting): left out of its pauses, or counted on the day the source gives.
Imprecise = Literal["skip", "count"]
IMPRECISE: tuple[Imprecise, ...] = get_args(Imprecise)


def pause_filters(filters: Filters, imprecise: Imprecise) -> Filters:
    """Return the filters a series counts its pauses with, by its `imprecise` setting.

    The one rule for since, pause, pauses, alerts, record notices and digests: a series that
    skips the incidents whose day is known only to the week or month (the default) counts
    its pauses from the exact days only; one that counts them, from every incident.
    """
    return filters.only_exact_days() if imprecise == "skip" else filters.any_precision()
