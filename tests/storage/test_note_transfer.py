"""A notes file read and stored: its columns read as the header says them, bad rows said per line."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.commands.core import Core
from storage.import_formats import ImportFailed
from storage.models import Note, Series
from storage.note_transfer import (
    JSON_PREFIX_CHARS,
    NOTE_COLUMNS,
    is_notes_file,
    read_note_rows,
    store_notes,
)
from storage.notes import add_note, delete_note

SERIES = ("attacks", "us-strikes")
TODAY = date(2024, 7, 22)
ROWS = [
    ("attacks", "2024-02-02", "Strikes on the bases"),
    ("us-strikes", "2024-02-07", "The last round"),
]


def write(path: Path, lines: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(lines)
    return path


def read(path: Path) -> list[tuple[str, str, str]]:
    rows = read_note_rows(path, known=SERIES, default_series=SERIES[0], today=TODAY)
    return [(row.series, row.day.isoformat(), row.text) for row in rows]


def test_a_header_in_other_case_and_spacing_and_order_is_read_as_it_is_recognised(
    tmp_path: Path,
) -> None:
    header = [" Text", "SERIES ", "Date"]
    path = write(tmp_path / "notes.csv", [header, *([t, s, d] for s, d, t in ROWS)])
    assert is_notes_file(path)
    assert read(path) == ROWS


def test_a_row_with_more_cells_than_the_header_is_refused_with_its_line(tmp_path: Path) -> None:
    series, day, text = ROWS[0]
    path = tmp_path / "notes.csv"
    # The second row's text holds an unquoted comma: one cell more than the header.
    path.write_text(
        ",".join(NOTE_COLUMNS) + "\n" + ",".join(ROWS[1]) + f"\n{series},{day},{text}, again\n",
        encoding="utf-8",
    )
    assert is_notes_file(path)
    with pytest.raises(ImportFailed) as failed:
        read(path)
    assert [error.where for error in failed.value.errors] == ["line 3"]
    message = failed.value.errors[0].message
    assert f"{len(NOTE_COLUMNS) + 1} cells where the header has {len(NOTE_COLUMNS)}" in message
    assert "quote a text that holds commas" in message


def test_a_json_item_with_keys_in_other_case_is_read(tmp_path: Path) -> None:
    items = [{"Series": s, " DATE": d, "Text": t} for s, d, t in ROWS]
    path = tmp_path / "notes.json"
    path.write_text(json.dumps(items), encoding="utf-8")
    assert is_notes_file(path)
    assert read(path) == ROWS
    only_text = tmp_path / "text.json"
    only_text.write_text(json.dumps([{"text": ROWS[0][2]}]), encoding="utf-8")
    assert is_notes_file(only_text)  # any subset of the columns, with text


def test_a_text_column_among_incident_columns_is_refused_clearly(tmp_path: Path) -> None:
    path = write(tmp_path / "mixed.csv", [["date", "country", "text"], ["2024-02-02", "Iraq", "x"]])
    with pytest.raises(ImportFailed) as failed:
        is_notes_file(path)
    assert failed.value.errors[0].where == "line 1"
    assert "text is a note's column, not an incident's" in failed.value.errors[0].message
    mixed = tmp_path / "mixed.json"
    mixed.write_text(json.dumps([{"date": "2024-02-02", "location": "x", "text": "y"}]))
    with pytest.raises(ImportFailed):
        is_notes_file(mixed)


def test_incident_files_are_not_notes_and_only_a_json_prefix_is_read(tmp_path: Path) -> None:
    incidents = write(tmp_path / "incidents.csv", [["series", "date", "location"]])
    assert not is_notes_file(incidents)
    # A notes list whose tail is cut off (or too long to parse) is still told by its first item.
    first = json.dumps({"series": ROWS[0][0], "date": ROWS[0][1], "text": ROWS[0][2]})
    long = tmp_path / "long.json"
    long.write_text("[\n " + first + "," + "x" * JSON_PREFIX_CHARS, encoding="utf-8")
    assert is_notes_file(long)
    listed = tmp_path / "wrapped.json"
    listed.write_text(json.dumps({"incidents": [{"date": ROWS[0][1]}]}), encoding="utf-8")
    assert not is_notes_file(listed)


async def test_an_old_export_does_not_bring_back_a_deleted_note(core: Core, tmp_path: Path) -> None:
    now = datetime(2024, 7, 22, 12, tzinfo=UTC)
    deleted_series, deleted_day, deleted_text = ROWS[0]
    async with core.database.write() as session:
        series = await session.scalar(select(Series).where(Series.name == deleted_series))
        assert series is not None
        note = await add_note(
            session,
            series=series,
            day=date.fromisoformat(deleted_day),
            text=deleted_text,
            actor="analyst",
            now=now,
        )
        await delete_note(session, note=note, actor="analyst", now=now)
    # The export written before the delete holds both notes.
    path = write(tmp_path / "old.csv", [list(NOTE_COLUMNS), *(list(row) for row in ROWS)])
    rows = read_note_rows(path, known=SERIES, default_series=SERIES[0], today=TODAY)
    async with core.database.write() as session:
        gained = await store_notes(session, rows, actor="analyst", now=now)
    assert gained == {ROWS[1][0]: 1}  # the deleted note counts as stored, not added again
    async with core.database.read() as session:
        stored = (await session.execute(select(Note.text, Note.deleted_at))).all()
    assert sorted(text for text, gone in stored if gone is None) == [ROWS[1][2]]
    assert len(stored) == len(ROWS)
