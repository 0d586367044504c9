"""Notes in and out of files: their own CSV or JSON (series, date, text), apart from incidents.

An analyst keeps the timeline's notes beside the incidents, not among them: `pausewatch export
--notes` writes them to a file of their own, whose columns (series, date, text) no incident
file has, so that `pausewatch import` tells the two apart by their header (CSV) or keys
(JSON). A notes file is checked whole and stored all or nothing; a note already stored (same
series, day and text) is skipped, so that export → import adds nothing.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.fields import FieldError, from_spreadsheet, parse_date, spreadsheet_safe
from bot.domain.notes import note_text
from storage.import_formats import ImportFailed, RowError
from storage.models import Note, Series
from storage.writes import audit, bump_revision

NOTE_COLUMNS = ("series", "date", "text")
MAX_ERRORS_KEPT = 20


@dataclass(frozen=True)
class NoteRow:
    """One note read from a file and checked: where it was, its series, day and text."""

    where: str
    series: str
    day: date
    text: str


async def export_notes(session: AsyncSession, out: TextIO, file_format: str) -> int:
    """Write every live note, by series then day; return how many were written."""
    rows = await session.execute(
        select(Series.name, Note.noted_on, Note.text)
        .join(Series, Series.id == Note.series_id)
        .where(Note.deleted_at.is_(None))
        .order_by(Series.name, Note.noted_on, Note.id)
    )
    found = [(name, day.isoformat(), text) for name, day, text in rows.all()]
    if file_format == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(NOTE_COLUMNS)
        writer.writerows([spreadsheet_safe(cell) for cell in row] for row in found)
    else:
        items = [dict(zip(NOTE_COLUMNS, row, strict=True)) for row in found]
        out.write(json.dumps(items, ensure_ascii=False, indent=2) + "\n")
    return len(found)


def is_notes_file(path: Path) -> bool:
    """Say whether a file holds notes: a CSV whose header is series, date, text, or a JSON
    list whose first item has a text and no incident field."""
    try:
        with path.open(encoding="utf-8-sig") as handle:
            if path.suffix.lower() == ".json":
                items = json.load(handle)
                first = items[0] if isinstance(items, list) and items else None
                return (
                    isinstance(first, dict) and set(first) <= set(NOTE_COLUMNS) and "text" in first
                )
            header = next(csv.reader(handle), [])
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False  # the incidents' import says what is wrong with it
    return [cell.strip().lower() for cell in header] == list(NOTE_COLUMNS)


def read_note_rows(
    path: Path, *, known: Iterable[str], default_series: str, today: date
) -> list[NoteRow]:
    """Read and check every note of a notes file; raise ImportFailed with every bad row."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        if path.suffix.lower() == ".json":
            loaded = json.load(handle)
            items: list[Any] = loaded if isinstance(loaded, list) else []
            raw = [(f"item {n}", item) for n, item in enumerate(items, start=1)]
        else:
            reader = csv.DictReader(handle)
            raw = [(f"line {reader.line_num}", row) for row in reader]
    series = set(known)
    checked: list[NoteRow] = []
    errors: list[RowError] = []
    for where, item in raw:
        try:
            checked.append(_note_row(where, item, series, default_series, today))
        except FieldError as error:
            errors.append(RowError(where, str(error)))
    if errors:
        raise ImportFailed(errors[:MAX_ERRORS_KEPT], len(errors))
    return checked


def _note_row(where: str, item: Any, series: set[str], default_series: str, today: date) -> NoteRow:
    if not isinstance(item, dict):
        raise FieldError(
            'a note is an object: {"series": "attacks", "date": "2024-02-02", "text": "..."}'
        )
    values = {key: from_spreadsheet(str(value)) for key, value in item.items() if value is not None}
    unknown = set(values) - set(NOTE_COLUMNS)
    if unknown:
        raise FieldError(
            f"{', '.join(sorted(unknown))} is not a note's column: a note has series, date and text"
        )
    name = values.get("series", "").strip() or default_series
    if name not in series:
        raise FieldError(
            f"series {name!r} is not a series; the series are {', '.join(sorted(series))}"
        )
    if not values.get("date", "").strip():
        raise FieldError("the note has no date; write it as YYYY-MM-DD")
    day = parse_date(values["date"], today=today)
    return NoteRow(where, name, day, note_text(values.get("text", "")))


async def store_notes(
    session: AsyncSession, rows: Sequence[NoteRow], *, actor: str, now: datetime
) -> dict[str, int]:
    """Store the notes not stored yet (same series, day and text); return how many each series
    gained (the rest were skipped). One audit row says what the import added."""
    ids = {name: key for name, key in await session.execute(select(Series.name, Series.id))}
    stored = await session.execute(
        select(Note.series_id, Note.noted_on, Note.text).where(Note.deleted_at.is_(None))
    )
    seen = {(series_id, day, text) for series_id, day, text in stored}
    added: list[Note] = []
    gained: Counter[str] = Counter()
    for row in rows:
        key = (ids[row.series], row.day, row.text)
        if key in seen:
            continue
        seen.add(key)
        gained[row.series] += 1
        added.append(
            Note(
                series_id=key[0],
                noted_on=row.day,
                text=row.text,
                recorded_by=actor,
                recorded_at=now,
            )
        )
    session.add_all(added)
    await session.flush()
    if added:
        await bump_revision(session, {note.series_id for note in added})
    audit(session, now, actor, "import notes", None, None, {"added": len(added), "read": len(rows)})
    return dict(gained)
