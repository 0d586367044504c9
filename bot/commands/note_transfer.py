"""Notes exported to and imported from a file of their own, for the CLI (storage/note_transfer.py).

Every note is read and checked before the write, which stores them all or none in one
transaction; notes already stored are skipped, so an export imported back adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot.commands.context import Caller, Context
from storage.catalog import series_names
from storage.note_transfer import export_notes, read_note_rows, store_notes


@dataclass(frozen=True)
class NotesImported:
    """What a notes import did."""

    read: int
    added: int
    skipped: int  # already stored


async def export(context: Context, out: TextIO, file_format: str) -> int:
    """Write every live note to `out` (CSV or JSON: series, date, text); return how many."""
    async with context.database.read() as session:
        return await export_notes(session, out, file_format)


async def import_notes(
    context: Context, path: Path, *, series: str | None, caller: Caller
) -> NotesImported:
    """Import a notes file, all or nothing; raise ImportFailed with every bad row."""
    async with context.database.read() as session:
        known = await series_names(session)
    rows = read_note_rows(
        path,
        known=known,
        default_series=series or context.settings.default_series,
        today=context.today(),
    )
    async with context.database.write() as session:
        added, skipped = await store_notes(session, rows, actor=caller.user, now=context.clock())
    return NotesImported(read=len(rows), added=added, skipped=skipped)
