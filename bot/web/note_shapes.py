"""The JSON API's shapes of notes (/api/v1/notes and a series' notes), as pydantic models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from bot.domain.notes import MAX_NOTE_LENGTH
from bot.web.shapes import Day, Shape, Words


class Note(Shape):
    """A note on a series' timeline: what happened on a day, beside the pauses."""

    id: int
    series: str
    date: Day
    text: str


class NoteList(Shape):
    """A series' notes on the days asked about, oldest first."""

    series: str
    first: Day | None = Field(description="The first day asked about; null: from the first note.")
    last: Day = Field(description="The last day asked about (default: today).")
    notes: list[Note]


class NoteWritten(Shape):
    """What a note write did: the note (as written, or as it was before its deletion), and
    chat's words."""

    note: Note | None
    words: Words
    replayed: bool = Field(description="A retry under the same Idempotency-Key.")


class NewNote(BaseModel):
    """A note to add, as `note add DATE "TEXT" [SERIES]` writes it."""

    model_config = ConfigDict(extra="forbid")

    series: str | None = Field(
        default=None, description="The series (default: the configured default series)."
    )
    date: str = Field(
        description="The day: YYYY-MM-DD or words (yesterday, 2 Feb 2024); not in the future."
    )
    text: str = Field(
        min_length=1, max_length=MAX_NOTE_LENGTH, description="What happened, in one line."
    )
