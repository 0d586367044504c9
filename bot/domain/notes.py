"""Notes on a series' timeline: their text checked, those of a span picked, and said in a reply.

Pure. A note is a day and a line of text ("U.S. strikes on 85 targets in Iraq and Syria")
that explains what happened around a pause; it counts in no pause.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from bot.domain.fields import FieldError, clean_text
from bot.domain.wording import counted, day_text

MAX_NOTE_LENGTH = 300
# A reply names this many notes; the rest are counted ("and 2 more: `note list`").
NOTES_NAMED = 3
NOTE_EXAMPLE = 'note add 2024-02-02 "U.S. strikes on 85 targets in Iraq and Syria"'


@dataclass(frozen=True)
class Note:
    """One live note: its id, its series, its day and its text."""

    id: int
    series: str
    day: date
    text: str


def note_text(raw: str) -> str:
    """Return a note's text cleaned; raise FieldError when it is empty or too long."""
    text = clean_text(raw).strip()
    if not text:
        raise FieldError(f"the note has no text; write it in quotes: {NOTE_EXAMPLE}")
    if len(text) > MAX_NOTE_LENGTH:
        raise FieldError(
            f"the note is {len(text):,} characters long; keep it to {MAX_NOTE_LENGTH} "
            "(a line that says what happened, with a link in the incidents' source: if needed)"
        )
    return text


def notes_within(notes: Iterable[Note], first: date, last: date) -> list[Note]:
    """Return the notes from `first` to `last` (both included), oldest first."""
    return sorted((n for n in notes if first <= n.day <= last), key=lambda n: (n.day, n.id))


def note_line(note: Note) -> str:
    """Write one note as a reply lists it: "#3 · 2 Feb 2024 · U.S. strikes on 85 targets"."""
    return f"#{note.id} · {day_text(note.day)} · {note.text}"


def notes_text(notes: Sequence[Note], *, within: str) -> str | None:
    """Say which notes fall `within` a span ("since the last attack"), the first few named:
    "Since the last attack: 1 note, U.S. strikes on 2 Feb 2024." None when there are none."""
    if not notes:
        return None
    named = "; ".join(f"{n.text} on {day_text(n.day)}" for n in notes[:NOTES_NAMED])
    more = len(notes) - NOTES_NAMED
    rest = f"; and {more:,} more (`note list`)" if more > 0 else ""
    return (
        f"{within[:1].upper()}{within[1:]}: {counted(len(notes), 'note', 'notes')}, {named}{rest}."
    )
