"""A large import sets the covering indexes aside on SQLite and makes them again, answers unchanged."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.commands.core import Core
from bot.domain.filters import FILTER_KEYS
from storage import set_aside
from storage.database import Database
from tests.bot.commands.test_core import ask
from tests.storage.test_importers import days_table_matches_incidents, load, write

COUNTRIES = ("Iraq", "Syria", "Jordan")
KINDS = ("drone", "rocket")


async def covering_indexes(database: Database) -> set[str]:
    """Return the names of the covering indexes the incidents table has now."""
    if database.is_sqlite:
        query = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'incidents'"
    else:
        query = "SELECT indexname FROM pg_indexes WHERE tablename = 'incidents'"
    async with database.read() as session:
        names = set((await session.execute(text(query))).scalars())
    return {name for name in names if name.startswith("ix_incidents_live_")}


def rows_file(tmp_path: Path, count: int) -> tuple[Path, list[tuple[str, str, str]]]:
    rows = [
        (f"2024-01-{1 + n % 28:02d}", COUNTRIES[n % 3], KINDS[n % 2 if n % 5 else 0])
        for n in range(count)
    ]
    lines = ["date,country,kind,location,external_id"]
    lines += [
        f"{day},{country},{kind},Base {n % 7},big-{n}"
        for n, (day, country, kind) in enumerate(rows)
    ]
    return write(tmp_path, "big.csv", "\n".join(lines) + "\n"), rows


async def test_the_indexes_are_dropped_only_for_an_import_that_pays(database: Database) -> None:
    every = {f"ix_incidents_live_{key}_day" for key in FILTER_KEYS}
    assert {str(index.name) for index in set_aside.COVERING} == every
    async with database.write() as session:
        async with set_aside.covering_indexes_set_aside(session, set_aside.BULK_ROWS) as aside:
            names = "SELECT name FROM sqlite_master WHERE name LIKE 'ix_incidents_live_%'"
            within = set((await session.execute(text(names))).scalars()) if aside else every
        assert aside == database.is_sqlite  # PostgreSQL would lock out every reader
        assert within == (set() if database.is_sqlite else every)
    assert await covering_indexes(database) == every
    async with database.write() as session:
        small = set_aside.covering_indexes_set_aside(session, set_aside.BULK_ROWS - 1)
        async with small as aside:
            assert not aside


async def test_a_failed_import_keeps_the_indexes(database: Database) -> None:
    with pytest.raises(RuntimeError):
        async with database.write() as session:
            aside = set_aside.covering_indexes_set_aside(session, set_aside.BULK_ROWS)
            async with aside:
                raise RuntimeError("the import failed half-way")
    assert len(await covering_indexes(database)) == len(FILTER_KEYS)


async def test_an_import_with_the_indexes_set_aside_answers_as_any_other(
    core: Core, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(set_aside, "BULK_ROWS", 100)
    path, rows = rows_file(tmp_path, 300)
    result = await load(core, path)
    assert result.added == len(rows)
    assert len(await covering_indexes(core.database)) == len(FILTER_KEYS)
    if core.database.is_sqlite:  # the planner's statistics of the indexes made again
        async with core.database.read() as session:
            query = "SELECT idx FROM sqlite_stat1 WHERE tbl = 'incidents'"
            analysed = set((await session.execute(text(query))).scalars())
        assert {str(index.name) for index in set_aside.COVERING} <= analysed
    await days_table_matches_incidents(core)
    counted = Counter((country, kind) for _, country, kind in rows)
    for (country, kind), n in counted.items():
        reply = await ask(core, f"stats country:{country} kind:{kind}")
        assert f"{n} {kind} attacks" in reply, reply
