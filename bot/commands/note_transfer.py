"""Notes exported to and imported from a file of their own, for the CLI (storage/note_transfer.py).

Every note is read and checked before the write, which stores them all or none in one
transaction; notes already stored are skipped, so an export imported back adds nothing.
"""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot.commands.context import Caller, Context
from bot.commands.imports import ImportRefused
from storage.catalog import series_names
from storage.import_formats import ImportFailed
from storage.note_transfer import export_notes, is_notes_file, read_note_rows, store_notes


@dataclass(frozen=True)
class NotesImported:
    """What a notes import did."""

    read: int
    added_by_series: dict[str, int]

    @property
    def added(self) -> int:
        """Return how many notes were stored."""
        return sum(self.added_by_series.values())

    @property
    def skipped(self) -> int:
        """Return how many were stored already (same series, day and text)."""
        return self.read - self.added


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
    rows = await asyncio.to_thread(
        read_note_rows,
        path,
        known=known,
        default_series=series or context.settings.default_series,
        today=context.today(),
    )
    async with context.database.write() as session:
        gained = await store_notes(session, rows, actor=caller.user, now=context.clock())
    return NotesImported(read=len(rows), added_by_series=gained)


async def import_notes_content(
    context: Context, content: bytes, *, file_format: str, series: str | None, caller: Caller
) -> NotesImported | None:
    """Import a notes file sent over the network (the API's imports), all or nothing; None
    when the content is not a notes file (it holds incidents: the incidents' import reads it).
    Raise ImportRefused (nothing stored) when any note is bad, or a text column stands among
    incident columns. The file's writing and reading run off the event loop."""
    if file_format not in ("csv", "json"):
        return None
    suffix = ".json" if file_format == "json" else ".csv"
    with tempfile.TemporaryDirectory(prefix="pausewatch-notes-") as folder:
        path = Path(folder) / f"notes{suffix}"
        try:
            if not await asyncio.to_thread(_written_notes, path, content):
                return None
            return await import_notes(context, path, series=series, caller=caller)
        except ImportFailed as failed:
            problems = [(error.where, error.message) for error in failed.errors]
            raise ImportRefused(problems, failed.total_errors) from None


def _written_notes(path: Path, content: bytes) -> bool:
    """Write the content to `path`; say whether it holds notes (storage/note_transfer.py)."""
    path.write_bytes(content)
    return is_notes_file(path)
