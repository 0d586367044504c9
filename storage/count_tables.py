"""The tables of counts every write keeps in step: incidents per day, per value, per pair."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Date,
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
    select,
    union_all,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.domain.filters import FILTER_KEYS
from storage.base import Base

# The dimensions whose incident days are counted; ALL counts every incident.
ALL = ""
COUNTED_DIMENSIONS = FILTER_KEYS
# The keys of few values. Pairs of values are counted when either key is one of them: a
# filter on a place broken down by country, or by place under a kind. Pairs of two keys of
# many (place and actor, actor and region) would be about one row per incident; such a
# breakdown is counted from the filter's covering index instead (a place or an actor holds
# few incidents, and the count is kept in memory after).
FEW_VALUED_KEYS = ("country", "kind", "event_type")


# The keys of many values; a filter on one is broken down by keys of few (is_paired).
MANY_VALUED_KEYS = tuple(key for key in COUNTED_DIMENSIONS if key not in FEW_VALUED_KEYS)
# A value of a key of many values has its pairs kept once this many live incidents hold it.
# Most such values are held by a few incidents (the long tail of ACLED's places and actors:
# half the pair rows); a breakdown under one of them is counted from the filter's covering
# index instead, reading fewer entries than this. The stored pairs follow it: a change to it
# needs a migration that makes or drops them to match (as 0028 did).
PAIRED_FROM = 1_000


def is_paired(key: str, other: str) -> bool:
    """Say whether the pair counts hold a filter on `key` broken down by `other`, for the
    values that keeps_pairs names."""
    counted = key in COUNTED_DIMENSIONS and other in COUNTED_DIMENSIONS
    return counted and key != other and (key in FEW_VALUED_KEYS or other in FEW_VALUED_KEYS)


def paired_value(key: str, incidents: int) -> bool:
    """Say whether a value of `key` held by `incidents` live incidents has its pairs kept."""
    return key in FEW_VALUED_KEYS or incidents >= PAIRED_FROM


def keeps_pairs(key: str, other: str, incidents: int) -> bool:
    """Say whether the pair counts hold a filter on a value of `key`, held by `incidents` live
    incidents, broken down by `other`."""
    return is_paired(key, other) and paired_value(key, incidents)


# The day counts of the incidents whose day is known only to the week or month (ACLED's
# time_precision 2 or 3), all values together: how many a question does not count.
IMPRECISE = "imprecise"


class DayCount(Base):
    """How many live incidents a series has on a day, in all and per value of each filter key.

    Pause questions and counts read these rows (at most one per day) instead of incidents.
    """

    __tablename__ = "day_counts"
    # On SQLite the rows are kept in the key's order: every read is a range of the key.
    __table_args__ = (
        Index("ix_day_counts_changes", "series_id", "revision"),
        {"sqlite_with_rowid": False},
    )

    series_id: Mapped[int] = mapped_column(ForeignKey("series.id"), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(600), primary_key=True)  # normalised
    occurred_on: Mapped[date] = mapped_column(Date, primary_key=True)
    incidents: Mapped[int] = mapped_column(Integer)
    # The series revision of the write that last changed the row: what a reader kept at
    # revision N is brought up to date by the rows stamped after N.
    revision: Mapped[int] = mapped_column(Integer, server_default="0")


class PairCount(Base):
    """How many live incidents with one filter value hold each value of another key, for the
    pairs of keys that is_paired names.

    A filtered `stats` over the whole series reads its breakdowns by those keys here (a row
    per value), not every matching incident. `other_value` is "" for incidents without one.
    """

    __tablename__ = "pair_counts"
    __table_args__ = ({"sqlite_with_rowid": False},)

    series_id: Mapped[int] = mapped_column(ForeignKey("series.id"), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(600), primary_key=True)  # normalised
    other_dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    other_value: Mapped[str] = mapped_column(String(600), primary_key=True)  # normalised
    incidents: Mapped[int] = mapped_column(Integer)


class FilterValue(Base):
    """A value a filterable field holds in a series, with its live incidents.

    The vocabulary (plain words read as filters) reads these few rows, never the incidents.
    """

    __tablename__ = "filter_values"
    __table_args__ = (Index("ix_filter_values_changes", "series_id", "revision"),)

    series_id: Mapped[int] = mapped_column(ForeignKey("series.id"), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(600), primary_key=True)  # normalised
    # The value as first written since no live incident held it (a deleted or taken-back
    # incident's spelling gives way to the next one written).
    label: Mapped[str] = mapped_column(String(200))
    incidents: Mapped[int] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer, server_default="0")  # as DayCount's


def values_of(
    columns: Sequence[Any], groups: Iterable[tuple[tuple[int, str], Sequence[str]]]
) -> Select[Any] | CompoundSelect[Any]:
    """Return a SELECT of `columns` of some filter values, given as ((series, key), values):
    one SELECT a series and key, a seek of its values, joined with UNION ALL. SQLite answered
    a list of (series, key, value) rows, or keys joined by OR, by reading every value of the
    series (13 ms at 55,000 values, 46 ms at 112,000)."""
    selects = [
        select(*columns).where(
            FilterValue.series_id == series_id,
            FilterValue.dimension == key,
            FilterValue.value.in_(values),
        )
        for (series_id, key), values in groups
    ]
    return selects[0] if len(selects) == 1 else union_all(*selects)
