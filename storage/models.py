"""The incident database's tables: series, incidents, the audit log, tokens, sources, reviews."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, validates

from bot.domain.filters import FILTER_KEYS, normalised
from storage.base import NAMING, Base, UtcDateTime
from storage.count_tables import (
    ALL,
    COUNTED_DIMENSIONS,
    IMPRECISE,
    DayCount,
    FilterValue,
    PairCount,
    is_paired,
)
from storage.import_tables import ImportChunk, ImportRun

# The count and import tables and the base live in their own modules; these names are read
# from here too.
__all__ = [
    "ALL",
    "COUNTED_DIMENSIONS",
    "IMPRECISE",
    "NAMING",
    "Base",
    "DayCount",
    "FilterValue",
    "ImportChunk",
    "ImportRun",
    "PairCount",
    "UtcDateTime",
    "is_paired",
]


class Series(Base):
    """A named series of incidents (attacks, us-strikes, ...)."""

    __tablename__ = "series"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    # Raised by every write to the series' incidents, in the writing transaction: a reader
    # that saw revision N may reuse what it computed from the incidents at revision N.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # The team that owns it ("slack:T0123", "discord:4567"): only that team sees and writes
    # it. None: the shared series, read by every team and written by the owner teams.
    team: Mapped[str | None] = mapped_column(String(64))


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
    # ACLED's event type, region (admin1) and district (admin2), its coordinates and how
    # precisely the place and the day are known (1 exact; 2, 3 less: bot.domain.fields).
    event_type: Mapped[str | None] = mapped_column(String(100))
    admin1: Mapped[str | None] = mapped_column(String(100))
    admin2: Mapped[str | None] = mapped_column(String(100))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    geo_precision: Mapped[int | None] = mapped_column(SmallInteger)
    time_precision: Mapped[int | None] = mapped_column(SmallInteger)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    deleted_by: Mapped[str | None] = mapped_column(String(100))
    # Each filterable value's key (bot.domain.filters.normalised), which every filter matches:
    # set with the value itself (below) or by the bulk insert. Casefolding can lengthen text
    # up to three times.
    country_key: Mapped[str | None] = mapped_column(String(300))
    location_key: Mapped[str | None] = mapped_column(String(600))
    actor_key: Mapped[str | None] = mapped_column(String(600))
    kind_key: Mapped[str | None] = mapped_column(String(300))
    event_type_key: Mapped[str | None] = mapped_column(String(300))
    admin1_key: Mapped[str | None] = mapped_column(String(300))

    __table_args__ = (
        UniqueConstraint("series_id", "external_id", name="uq_incidents_series_external_id"),
        Index("ix_incidents_series_day", "series_id", "occurred_on"),
        # Two filters together read the live incidents from one key's index, which holds the
        # other keys too: the second filter is checked without reading the table.
        *(
            Index(
                f"ix_incidents_live_{column}_day",
                "series_id",
                f"{column}_key",
                "occurred_on",
                *(f"{other}_key" for other in FILTER_KEYS if other != column),
                # Partial on PostgreSQL too (migration 0010): postgresql_where here would load
                # PostgreSQL's dialect into every process, SQLite's included.
                sqlite_where=text("deleted_at IS NULL"),
            )
            for column in FILTER_KEYS
        ),
    )

    @validates(*FILTER_KEYS)
    def _keep_key(self, column: str, value: str | None) -> str | None:
        setattr(self, f"{column}_key", filter_key(value))
        return value


def filter_key(value: str | None) -> str | None:
    """Return the stored key of a filterable value (None stays None)."""
    return None if value is None else normalised(value)


# The key column of each filterable column.
KEY_COLUMNS = tuple(f"{column}_key" for column in FILTER_KEYS)


class AuditEntry(Base):
    """One write: who did what to which incident, with the fields it changed."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(20))
    series_id: Mapped[int | None] = mapped_column(ForeignKey("series.id"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The team the actor wrote from; None: the install's own tools (console, CLI, API).
    team: Mapped[str | None] = mapped_column(String(64))


class Note(Base):
    """A line on a series' timeline: what happened on a day, beside the pauses (soft-deleted)."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id"))
    noted_on: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(String(300))
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # The team it was written from; None: the install's own tools.
    team: Mapped[str | None] = mapped_column(String(64))
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    deleted_by: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (Index("ix_notes_series_day", "series_id", "noted_on"),)


class Subscription(Base):
    """A channel that gets a series' alerts or its weekly digest, optionally filtered."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))  # "alerts" or "digest"
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id"))
    filters: Mapped[dict[str, str]] = mapped_column(JSON)
    # The filters written one way ("country:iraq kind:drone"), so that a channel cannot
    # subscribe twice to the same thing.
    filters_key: Mapped[str] = mapped_column(String(400))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # The team whose channel it is ("slack:T0123"); None: a channel of the install's own.
    team: Mapped[str | None] = mapped_column(String(64))
    # A digest's own schedule as written ("every monday 08:00"); None: the bot's digest_cron.
    schedule: Mapped[str | None] = mapped_column(String(100))
    # When the schedule was last set (None: when it was subscribed): no run due before it is
    # made up.
    scheduled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # A digest's other series, whose incidents its chart marks (`with:us-strikes`); None: none.
    context_series: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        UniqueConstraint(
            "platform",
            "channel",
            "kind",
            "series_id",
            "filters_key",
            name="uq_subscriptions_target",
        ),
    )


class OutboxMessage(Base):
    """A message to post, written in the transaction that caused it; sent by the delivery loop."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    # What caused it ("alert:<subscription>:<incident>"): the same cause never queues twice.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    platform: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))  # "alert", "record" or "digest"
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10))  # "pending", "sent" or "failed"
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # A sender holds a message until then; one that died holding it gives it up by itself.
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The parts already delivered ("message", "file:NAME"): a retry posts only the rest.
    parts_done: Mapped[list[str] | None] = mapped_column(JSON)
    # The Slack team (workspace) it goes to, with many workspaces; None with one.
    team: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (
        Index("ix_outbox_status_next_attempt", "status", "next_attempt_at"),
        Index("ix_outbox_team_status", "team", "status"),
    )


class SeenRequest(Base):
    """A request already carried out (a Slack trigger id, an Idempotency-Key): not done twice.

    `reply` is what it was answered, for a client that asks again.
    """

    __tablename__ = "seen_requests"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    reply: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class FailureNotice(Base):
    """The newest failed message an admin of a platform was told of: told once, restarts too."""

    __tablename__ = "failure_notices"

    platform: Mapped[str] = mapped_column(String(20), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    told_id: Mapped[int] = mapped_column(Integer)  # an outbox id


class Conversation(Base):
    """The question last asked in a thread, so that a follow-up can change one part of it.

    `asked` is the question as data (bot/commands/asked.py); `choices` the readings offered
    when the bot asked back which was meant. One row per thread, forgotten after a while.
    """

    __tablename__ = "conversations"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    asked: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    choices: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


# What a token may do: "read" (questions, the board, the badge), "write" (add, edit,
# delete, import, and read too), or "admin" (sources and the review queue, and write too).
TOKEN_SCOPES = ("read", "write", "admin")


class ApiToken(Base):
    """A bearer token for the HTTP side: only its SHA-256 is kept, never the token."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Writes through the token are audited as "token:<name>".
    name: Mapped[str] = mapped_column(String(64), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Tokens made before there were scopes were made to write: they keep that (0013).
    scope: Mapped[str] = mapped_column(String(10), default="write", server_default="write")

    @validates("scope")
    def _known_scope(self, key: str, value: str) -> str:
        if value not in TOKEN_SCOPES:
            raise ValueError(f"a token's scope is one of {TOKEN_SCOPES}, not {value!r}")
        return value


class Source(Base):
    """A feed that incidents are read from on a schedule: ACLED's API, or a CSV/JSON URL."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # "csv", "json" or "acled"
    url: Mapped[str | None] = mapped_column(Text)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id"))
    # Reviewed: its new incidents wait for an admin's approval; else they are stored at once.
    reviewed: Mapped[bool] = mapped_column(Boolean, default=False)
    every_minutes: Mapped[int] = mapped_column(Integer)
    # What to take (ACLED: country, event_type, actor1, notes, from): key → value.
    query: Mapped[dict[str, str]] = mapped_column(JSON)
    # Where the last successful run got to: the conditional request's validators for a
    # URL, ACLED's change and deletion timestamps for the API. Kept only with its data.
    etag: Mapped[str | None] = mapped_column(String(400))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    position: Mapped[dict[str, int] | None] = mapped_column(JSON)
    # The last scheduled slot a replica claimed: a slot is run once whatever the replicas.
    claimed_slot: Mapped[int | None] = mapped_column(BigInteger)
    last_run_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_ok_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_status: Mapped[str] = mapped_column(String(10))  # "never", "ok" or "failed"
    last_message: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # The team that added it; None: the install's own tools.
    team: Mapped[str | None] = mapped_column(String(64))


class ReviewCandidate(Base):
    """An incident a reviewed source brought, waiting for an admin; decided ones are kept.

    `key` is its external id (or, without one, its day, place, kind and source): a rejected
    one is remembered by it, so the next run does not bring it back.
    """

    __tablename__ = "review_candidates"

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id"))
    source_name: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(400))
    fields: Mapped[dict[str, str]] = mapped_column(JSON)  # field name → text, as written
    status: Mapped[str] = mapped_column(String(10))  # pending, approved, rejected, withdrawn
    queued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))

    __table_args__ = (
        UniqueConstraint("series_id", "key", name="uq_review_candidates_series_key"),
        Index("ix_review_candidates_status", "status"),
    )
