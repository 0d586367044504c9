"""The shapes of the API's sources and review queue: what `source list|run` and `review ...` say.

As bot/web/shapes.py does for the questions and writes: the answers are made of these models,
and bot/web/components.py derives the document's schemas from them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from bot.web.shapes import Count, Shape, StoredIncident, Words


class Source(Shape):
    """A source as `source list` shows it: what it reads, how its runs went, when it runs next."""

    name: str
    kind: Literal["csv", "json", "acled"]
    url: str | None = Field(description="The file's address; null for ACLED's API.")
    series: str
    reviewed: bool = Field(description="Its new rows wait in the review queue.")
    every_minutes: int = Field(description="How often it runs.")
    every: str = Field(description="The same, as chat writes it (every:6h).")
    query: dict[str, str] = Field(description="What an ACLED source asks for (country, ...).")
    status: Literal["never", "ok", "failed"] = Field(description="How its last run went.")
    message: str | None = Field(description="What its last run said.")
    last_error: str | None = Field(description="The last run's error, while it failed.")
    last_run: datetime | None
    last_success: datetime | None
    next_run: datetime | None
    next_run_due: bool = Field(description="Its slot has come: it runs within a minute.")
    waiting: Count = Field(description="Its incidents waiting for review.")


class SourceList(Shape):
    """Every source, by name, and chat's `source list`."""

    sources: list[Source]
    words: Words


class RunResult(Shape):
    """What one run did, as `source run NAME` says it (a failed run stored nothing)."""

    source: str
    ok: bool
    message: str
    added: Count
    updated: Count
    deleted: Count
    queued: Count = Field(description="New rows of a reviewed source, waiting for review.")
    alerts: Count
    words: Words


class Review(Shape):
    """An incident of a reviewed source waiting for an admin, as `review list` shows it."""

    id: int
    series: str
    source: str
    kind: Literal["add", "update", "delete", "left"] = Field(
        description="A new incident (add), a correction of a stored one (update), or its "
        "removal: deleted at the source (delete) or no longer in the source's query (left)."
    )
    fields: dict[str, str] = Field(description="The incident's fields as the source gives them.")
    external_id: str | None = Field(description="The event it adds or changes at its source.")
    incident_id: int | None = Field(description="The stored incident it changes, if any.")
    created_at: datetime = Field(description="When its source brought it.")
    incident: str = Field(description="The incident as chat writes it.")


class ReviewList(Shape):
    """A page of the incidents waiting for review, oldest first, of every source or of one."""

    source: str | None = Field(description="The source asked for; null: every source.")
    offset: int
    limit: int
    total: Count = Field(description="How many are waiting (of that source).")
    next_offset: int | None = Field(description="The offset of the next page; null: none.")
    reviews: list[Review]
    words: Words


class Decision(Shape):
    """What approving or rejecting a review did."""

    review: int
    decision: Literal["approved", "rejected"]
    incident: StoredIncident | None = Field(description="The incident approving stored.")
    words: Words
