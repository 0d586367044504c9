"""Notes through the CLI: `export --notes` and `import` of their own file, on both databases."""

from __future__ import annotations

import asyncio
import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage.database import open_database
from storage.models import AuditEntry, Incident, Note
from tests.bot.test_cli import SAMPLE_DATA, pausewatch

NOTES = [
    ("attacks", "2024-02-02", 'U.S. strikes on 85 targets, "Iraq and Syria"'),
    ("attacks", "2024-07-16", "=Ain al-Assad attacked"),  # a formula to a spreadsheet
    ("us-strikes", "2024-02-07", "The last round"),
]


def counted(url: str) -> tuple[int, int, int]:
    """Return (live notes, incidents, audit rows) in the database at `url`."""

    async def count() -> tuple[int, int, int]:
        database = open_database(url)
        async with database.read() as session:
            notes = await session.scalar(
                select(func.count()).select_from(Note).where(Note.deleted_at.is_(None))
            )
            incidents = await session.scalar(select(func.count()).select_from(Incident))
            audits = await session.scalar(select(func.count()).select_from(AuditEntry))
        await database.dispose()
        return notes or 0, incidents or 0, audits or 0

    return asyncio.run(count())


def noted(url: str) -> None:
    assert pausewatch("import", str(SAMPLE_DATA), url=url).returncode == 0
    for series, day, text in NOTES:
        quoted = text.replace('"', "'")
        said = pausewatch("ask", f'note add {day} "{quoted}" {series}', url=url)
        assert said.returncode == 0, said.stderr


@pytest.mark.parametrize("file_format", ["csv", "json"])
def test_export_then_import_of_notes_adds_nothing(
    database_url: str, tmp_path: Path, file_format: str
) -> None:
    noted(database_url)
    out = tmp_path / f"notes.{file_format}"
    exported = pausewatch(
        "export", "--notes", "--format", file_format, "--output", str(out), url=database_url
    )
    assert exported.returncode == 0 and f"Exported {len(NOTES)} notes" in exported.stderr
    if file_format == "csv":
        with out.open(encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        assert rows[0] == ["series", "date", "text"]  # told apart from an incident file
        assert rows[1:][1][2] == "'=Ain al-Assad attacked"  # no formula for a spreadsheet
    else:
        items = json.loads(out.read_text(encoding="utf-8"))
        assert all(set(item) == {"series", "date", "text"} for item in items)
        assert len(items) == len(NOTES)
    before = counted(database_url)
    again = pausewatch("import", str(out), url=database_url)
    assert again.returncode == 0, again.stderr
    assert f"Imported 0 notes; skipped {len(NOTES)} already stored" in again.stdout
    notes, incidents, audits = counted(database_url)
    assert (notes, incidents) == before[:2] and audits == before[2] + 1  # the import's row
    # The incidents' export is the incidents alone, and imports as before.
    incidents_out = tmp_path / "incidents.csv"
    assert pausewatch("export", "--output", str(incidents_out), url=database_url).returncode == 0
    assert "series,date,time" in incidents_out.read_text(encoding="utf-8").splitlines()[0]


def test_a_notes_file_with_a_bad_row_changes_nothing(database_url: str, tmp_path: Path) -> None:
    noted(database_url)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "series,date,text\n"
        "attacks,2024-03-01,A good line\n"
        "nosuch,2024-03-02,Unknown series\n"
        "attacks,2026-11-26,Tomorrow\n"
        "attacks,2024-03-03,\n",
        encoding="utf-8",
    )
    before = counted(database_url)
    result = pausewatch("import", str(bad), url=database_url)
    assert result.returncode == 1
    assert "was not imported; nothing was changed" in result.stderr
    assert "line 3: series 'nosuch' is not a series" in result.stderr
    assert "line 4: date 2026-11-26 is in the future (today is 2026-11-25)" in result.stderr
    assert "line 5: the note has no text" in result.stderr
    assert "Traceback" not in result.stderr
    assert counted(database_url) == before
    good = tmp_path / "good.csv"
    good.write_text("series,date,text\nattacks,2024-03-01,A good line\n", encoding="utf-8")
    assert "Imported 1 note;" in pausewatch("import", str(good), url=database_url).stdout
    assert counted(database_url)[0] == before[0] + 1
