"""Notes in and out of files: their own CSV or JSON (series, date, text), apart from incidents.

An analyst keeps the timeline's notes beside the incidents, not among them: `pausewatch export
--notes` writes them to a file of their own, whose columns (series, date, text) no incident
file has, so that `pausewatch import` tells the two apart by their header (CSV) or first
item's keys (JSON), read the same way as the rows: spaces trimmed, any case. A notes file is
checked whole and stored all or nothing; a note already stored (same series, day and text,
even deleted since) is skipped, so that export → import adds nothing.
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
    """One note read from a file and checked: its series, day and text."""

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


# How far into a JSON file its first item is looked for: a note is a few hundred characters.
JSON_PREFIX_CHARS = 64 * 1024


def column_name(name: object) -> str:
    """Return a column's or key's name as notes are read by: spaces trimmed, lower case."""
    return str(name).strip().lower()


def notes_columns(columns: Iterable[object]) -> bool | None:
    """Say what a file's columns are: True for notes (text, and only series, date and text),
    False for incidents (no text column), None for a text column among incident columns."""
    names = {column_name(name) for name in columns}
    if "text" not in names:
        return False
    return True if names <= set(NOTE_COLUMNS) else None


MIXED_COLUMNS = (
    "text is a note's column, not an incident's: a notes file has only the columns series, "
    "date and text (as `pausewatch export --notes` writes it); put the notes in a file of "
    "their own and the incidents (with notes for their own remarks) in another"
)


def is_notes_file(path: Path) -> bool:
    """Say whether a file holds notes, by its CSV header or its JSON first item's keys; raise
    ImportFailed when a text column stands among incident columns.

    Only the header or the first item is read (a bounded prefix of a JSON file), so that an
    incidents file of a million rows is not parsed twice.
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            if path.suffix.lower() == ".json":
                columns = _first_json_keys(handle.read(JSON_PREFIX_CHARS))
                where = "item 1"
            else:
                columns = next(csv.reader(handle), [])
                where = "line 1"
    except (OSError, UnicodeDecodeError, csv.Error):
        return False  # the incidents' import says what is wrong with it
    found = notes_columns(columns)
    if found is None:
        raise ImportFailed([RowError(where, MIXED_COLUMNS)])
    return found


def _first_json_keys(prefix: str) -> list[str]:
    """Return the keys of a JSON list's first object, read from the file's first characters
    (none when it is no list of objects, or the object runs past them)."""
    text = prefix.lstrip()
    if not text.startswith("["):
        return []
    start = len(text) - len(text[1:].lstrip())
    try:
        first, _ = json.JSONDecoder().raw_decode(text, start)
    except ValueError:
        return []
    return list(first) if isinstance(first, dict) else []


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
            raw = list(_csv_items(handle))
    series = set(known)
    checked: list[NoteRow] = []
    errors: list[RowError] = []
    for where, item in raw:
        try:
            checked.append(_note_row(item, series, default_series, today))
        except FieldError as error:
            errors.append(RowError(where, str(error)))
    if errors:
        raise ImportFailed(errors[:MAX_ERRORS_KEPT], len(errors))
    return checked


def _csv_items(handle: TextIO) -> Iterable[tuple[str, Any]]:
    """Give each CSV row as (where, column → cell), or (where, message) for a row with more
    cells than the header (a comma in an unquoted text)."""
    reader = csv.reader(handle)
    header = [column_name(cell) for cell in next(reader, [])]
    for cells in reader:
        where = f"line {reader.line_num}"
        if not cells:
            continue  # a blank line, as csv.DictReader passes over it
        if len(cells) > len(header):
            yield (
                where,
                (
                    f"the row has {len(cells)} cells where the header has {len(header)} "
                    f"({', '.join(header)}): quote a text that holds commas (write it between "
                    'double quotes, and a double quote inside it as two: "")'
                ),
            )
            continue
        yield where, dict(zip(header, cells, strict=False))


def _note_row(item: Any, series: set[str], default_series: str, today: date) -> NoteRow:
    if isinstance(item, str):
        raise FieldError(item)
    if not isinstance(item, dict):
        raise FieldError("a note is an object of series, date and text")
    values = {
        column_name(key): from_spreadsheet(str(value))
        for key, value in item.items()
        if value is not None
    }
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
    return NoteRow(name, day, note_text(values.get("text", "")))


async def store_notes(
    session: AsyncSession, rows: Sequence[NoteRow], *, actor: str, now: datetime
) -> dict[str, int]:
    """Store the notes not stored yet (same series, day and text, live or deleted); return how
    many each series gained (the rest were skipped). One audit row says what the import added."""
    ids = {name: key for name, key in await session.execute(select(Series.name, Series.id))}
    # Deleted notes count as stored, as deleted incidents do: an old export imported again
    # does not bring back what was deleted since.
    stored = await session.execute(select(Note.series_id, Note.noted_on, Note.text))
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
