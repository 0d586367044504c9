"""Notes on a series' timeline: written and soft-deleted with an audit row, read by span or id.

A note write raises its series' revision (storage/writes.py bump_revision), as an incident's
does: an answer kept until the series changes (`pause`, which names the notes of the running
pause) is then read again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.notes import Note as NoteData
from storage.models import Note, Series
from storage.writes import WriteError, audit, bump_revision

# The audit log's actions for notes (its incident_id stays empty; the note's id is in changes).
ADDED, DELETED = "add note", "delete note"


def to_note(row: Note, series: str) -> NoteData:
    """Return a stored note as plain data."""
    return NoteData(id=row.id, series=series, day=row.noted_on, text=row.text)


async def add_note(
    session: AsyncSession,
    *,
    series: Series,
    day: date,
    text: str,
    actor: str,
    now: datetime,
    team: str | None = None,
) -> Note:
    """Record one note on a series' timeline, audited."""
    note = Note(
        series_id=series.id, noted_on=day, text=text, recorded_by=actor, recorded_at=now, team=team
    )
    session.add(note)
    await session.flush()
    await bump_revision(session, [series.id])
    audit(
        session,
        now,
        actor,
        ADDED,
        series.id,
        None,
        {"note": note.id, "date": day.isoformat(), "text": text},
        team,
    )
    return note


async def delete_note(
    session: AsyncSession, *, note: Note, actor: str, now: datetime, team: str | None = None
) -> None:
    """Soft-delete a live note: kept, marked, and no longer shown; audited."""
    if note.deleted_at is not None:
        raise WriteError(f"note #{note.id} was already deleted")
    note.deleted_at, note.deleted_by = now, actor
    await session.flush()
    await bump_revision(session, [note.series_id])
    audit(
        session,
        now,
        actor,
        DELETED,
        note.series_id,
        None,
        {"note": note.id, "date": note.noted_on.isoformat(), "text": note.text},
        team,
    )


async def live_note(session: AsyncSession, note_id: int) -> tuple[Note, Series] | None:
    """Return a live note and its series by the note's id, or None."""
    found = await stored_note(session, note_id)
    return None if found is None or found[0].deleted_at is not None else found


async def stored_note(session: AsyncSession, note_id: int) -> tuple[Note, Series] | None:
    """Return a note, live or deleted, and its series by the note's id, or None."""
    found = await session.execute(
        select(Note, Series).join(Series, Series.id == Note.series_id).where(Note.id == note_id)
    )
    row = found.first()
    return None if row is None else (row[0], row[1])


async def notes_between(
    session: AsyncSession,
    series_ids: Iterable[int],
    first: date | None = None,
    last: date | None = None,
    *,
    limit: int | None = None,
) -> list[NoteData]:
    """Return the live notes of the series from `first` to `last` (None: no bound), oldest
    first; with `limit`, the newest `limit` of them, still oldest first."""
    query = (
        select(Note, Series.name)
        .join(Series, Series.id == Note.series_id)
        .where(Note.series_id.in_(list(series_ids)), Note.deleted_at.is_(None))
    )
    if first is not None:
        query = query.where(Note.noted_on >= first)
    if last is not None:
        query = query.where(Note.noted_on <= last)
    if limit is not None:
        query = query.order_by(Note.noted_on.desc(), Note.id.desc()).limit(limit)
        rows = list((await session.execute(query)).all())[::-1]
    else:
        rows = list((await session.execute(query.order_by(Note.noted_on, Note.id))).all())
    return [to_note(note, name) for note, name in rows]
