"""The incident database's tables: series, incidents, incident days and the audit log."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every table; constraint names are fixed so migrations can refer to them."""

    metadata = MetaData(naming_convention=NAMING)


class Series(Base):
    """A named series of incidents (attacks, us-strikes, ...)."""

    __tablename__ = "series"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    # Raised by every write to the series' incidents, in the writing transaction: a reader
    # that saw revision N may reuse what it computed from the incidents at revision N.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Incident(Base):
    """One dated incident of a series; deleted ones are kept with `deleted_at` set."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id"))
    occurred_on: Mapped[date] = mapped_column(Date)
    occurred_at: Mapped[time | None] = mapped_column(Time)
    country: Mapped[str | None] = mapped_column(String(100))
    location: Mapped[str | None] = mapped_column(String(200))
    actor: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str | None] = mapped_column(String(100))
    quantity: Mapped[int | None] = mapped_column(Integer)
    killed: Mapped[int | None] = mapped_column(Integer)
    wounded: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(100))
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_by: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (
        UniqueConstraint("series_id", "external_id", name="uq_incidents_series_external_id"),
        Index("ix_incidents_series_day", "series_id", "occurred_on"),
    )


# The dimensions whose incident days are counted; ALL counts every incident.
ALL = ""
COUNTED_DIMENSIONS = ("country", "kind")


class DayCount(Base):
    """How many live incidents a series has on a day, in all and per country and per kind.

    Pause questions and counts read these rows (at most one per day) instead of incidents.
    """

    __tablename__ = "day_counts"

    series_id: Mapped[int] = mapped_column(ForeignKey("series.id"), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(200), primary_key=True)  # lower-cased
    occurred_on: Mapped[date] = mapped_column(Date, primary_key=True)
    incidents: Mapped[int] = mapped_column(Integer)
    label: Mapped[str | None] = mapped_column(String(200))  # the value as first written


class AuditEntry(Base):
    """One write: who did what to which incident, with the fields it changed."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(20))
    series_id: Mapped[int | None] = mapped_column(ForeignKey("series.id"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
