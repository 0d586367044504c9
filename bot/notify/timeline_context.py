"""What explains a pause, read for charts and digests: a series' notes, another series' days.

A chart shows its series' notes and, when asked (`chart attacks with:us-strikes`, or a
digest subscribed with `with:`), the other series' incident days in its window; a digest
lists the notes of the days it covers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.filters import Filters
from bot.domain.notes import Note, note_line
from storage.catalog import SeriesLike, series_by_name
from storage.days import daily_counts
from storage.models import Series
from storage.notes import notes_between

# A digest lists this many of its days' notes; the rest are counted.
DIGEST_NOTES_SHOWN = 5


async def chart_context(
    session: AsyncSession,
    series: SeriesLike,
    first: date,
    last: date,
    other: SeriesLike | None = None,
) -> tuple[list[Note], tuple[str, list[tuple[date, int]]] | None]:
    """Return the series' notes from `first` to `last`, and the other series' name and daily
    counts over those days (None without one): what a chart marks."""
    notes = await notes_between(session, [series.id], first, last)
    if other is None:
        return notes, None
    return notes, (other.name, await daily_counts(session, other.id, Filters(), first, last))


async def context_series(session: AsyncSession, name: str | None) -> Series | None:
    """Return the series a digest subscription names as its context, if it still exists."""
    return None if name is None else await series_by_name(session, name)


def digest_note_lines(notes: Sequence[Note]) -> list[str]:
    """Write the notes of a digest's days, the first few named and the rest counted."""
    if not notes:
        return []
    lines = [f"Notes: {len(notes):,}" if len(notes) > 1 else "Note:"]
    lines += [f"• {note_line(note)}" for note in notes[:DIGEST_NOTES_SHOWN]]
    if len(notes) > DIGEST_NOTES_SHOWN:
        lines.append(f"• and {len(notes) - DIGEST_NOTES_SHOWN:,} more (`note list`)")
    return lines
