"""An import its process left part-way is taken back after the lease, never one still storing."""

from __future__ import annotations

import itertools
import shutil
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.commands.context import console_caller
from bot.commands.core import Core
from bot.commands.import_store import IMPORT_LEFT_PART_WAY
from bot.commands.imports import IMPORT_TAKEN_BACK, import_file, take_back_interrupted
from bot.commands.scheduled import check_records
from bot.domain.replies import reply_from_data
from storage import database as storage_database
from storage import import_runs
from storage.database import open_database
from storage.import_formats import ImportFailed, read_rows
from storage.import_runs import LEASE, Chunking
from storage.import_tables import STORING, TAKEN_BACK, ImportRun
from storage.importers import ImportResult, check_rows, series_ids, series_names
from storage.models import FilterValue, Incident
from tests.bot.commands.test_core import ADMIN, ask
from tests.bot.sources.test_reviews import messages
from tests.conftest import Clock, make_settings
from tests.storage.test_chunked_imports import Hold, importing, rows_file, wait_for
from tests.storage.test_importers import days_table_matches_incidents


async def left_part_way(core: Core, path: Path, chunks: int | None, rows: int = 3) -> int:
    """Store the first `chunks` chunks (all: None) of `rows` rows of an import as its own code
    does, and stop there, as a process that is killed leaves it; return its id."""
    async with core.database.read() as session:
        known = await series_ids(session)
        names = await series_names(session)
    staged = await check_rows(read_rows(path, None, "attacks"), known, today=core.context.today())
    now = core.context.clock()
    async with core.database.write() as session:
        import_id = await import_runs.begin(
            session, staged, actor="crashed", file_name=path.name, request_key=None, now=now
        )
    result = ImportResult(read=staged.read)
    parts = import_runs.chunks(staged, lambda: rows, "crashed", now)
    taken = itertools.count() if chunks is None else range(chunks)
    for _, chunk in zip(taken, parts, strict=False):
        async with core.database.write() as session:
            await import_runs.store_part(
                session,
                import_id,
                sorted(staged.series_ids),
                chunk,
                names=names,
                result=result,
                now=now,
            )
    staged.close()
    return import_id


async def count(core: Core) -> int:
    async with core.database.read() as session:
        return int(await session.scalar(select(func.count(Incident.id))) or 0)


async def states(core: Core) -> list[str]:
    async with core.database.read() as session:
        return list(await session.scalars(select(ImportRun.state).order_by(ImportRun.id)))


@pytest.mark.parametrize("by", ["start", "next import", "daily check"])
async def test_an_import_left_part_way_is_taken_back_once_its_lease_ran_out(
    core: Core, clock: Clock, tmp_path: Path, by: str
) -> None:
    await left_part_way(core, rows_file(tmp_path, 9), chunks=2)
    await days_table_matches_incidents(core)
    assert await count(core) == 6
    # Within the lease it may be another replica's import, still storing: left alone.
    clock.now += LEASE - timedelta(seconds=1)
    assert await take_back_interrupted(core.context) == 0
    small = rows_file(tmp_path, 2, name="small.csv")
    with pytest.raises(ImportFailed):  # another import into the series is storing
        await import_file(
            core.context, small, file_format=None, series=None, caller=console_caller()
        )
    await core.handle("add 2024-03-01", ADMIN)  # an add goes on
    assert await count(core) == 7
    assert await states(core) == [STORING]
    clock.now += timedelta(seconds=2)
    if by == "start":
        assert await take_back_interrupted(core.context) == 1
    elif by == "daily check":
        assert await check_records(core.context) == 0  # no subscriptions: nothing to tell
    else:
        other = rows_file(tmp_path, 3, name="other.csv")
        await import_file(
            core.context, other, file_format=None, series=None, caller=console_caller()
        )
    assert await count(core) == (4 if by == "next import" else 1)  # the add stays
    assert await states(core) == [TAKEN_BACK]
    await days_table_matches_incidents(core)


async def test_an_import_that_seemed_stopped_and_was_taken_back_stores_nothing_more(
    core: Core, clock: Clock, tmp_path: Path
) -> None:
    hold = Hold(at=1)
    task = importing(core, rows_file(tmp_path, 9), Chunking(from_rows=1, rows=3, between=hold))
    await wait_for(hold.reached)
    clock.now += LEASE + timedelta(seconds=1)  # held past the lease: it seems stopped
    assert await take_back_interrupted(core.context) == 1
    hold.release.set()
    with pytest.raises(ImportFailed) as failed:
        await task
    [error] = failed.value.errors
    assert error.message == IMPORT_TAKEN_BACK
    assert await count(core) == 0
    assert await states(core) == [TAKEN_BACK]
    await days_table_matches_incidents(core)


async def test_alerts_an_import_held_back_are_queued_when_it_is_taken_back_as_stopped(
    core: Core, clock: Clock, tmp_path: Path
) -> None:
    # Its process may be gone, and the watches it took with it: the take-back after the
    # lease alerts the add made between its chunks, against the days kept with the import.
    await ask(core, "add 2023-12-01")
    await ask(core, "subscribe alerts")
    hold = Hold(at=1)
    task = importing(core, rows_file(tmp_path, 9), Chunking(from_rows=1, rows=3, between=hold))
    try:
        await wait_for(hold.reached)
        await ask(core, "add 2024-03-01")  # ends the pause; its alert waits for the import
        assert await messages(core, "alert") == []
        clock.now += LEASE + timedelta(seconds=1)
        assert await take_back_interrupted(core.context) == 1
        [alert] = await messages(core, "alert")
        assert alert.key.endswith(":2024-03-01"), alert.key
        headline = reply_from_data(alert.payload["reply"]).headline
        # The pause from the last day before the import, not from a day it had stored.
        pause = (date(2024, 3, 1) - date(2023, 12, 1)).days + 1  # counted inclusive
        assert headline == f"New attack on 1 Mar 2024 ends a {pause}-day pause", headline
    finally:
        hold.release.set()
    with pytest.raises(ImportFailed):
        await task
    assert len(await messages(core, "alert")) == 1  # its own take-back queued it once more
    assert await count(core) == 2


async def test_an_import_whose_database_went_away_says_its_rows_are_taken_back_later(
    tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A short busy timeout: the write lock another process holds fails the next chunk, and
    # the take-back after it, at once.
    monkeypatch.setattr(storage_database, "SQLITE_BUSY_TIMEOUT_MS", 100)
    path = tmp_path / "bot.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite+aiosqlite:///{path}"
    clock = Clock()
    core = Core(database=open_database(url), settings=make_settings(url), clock=clock)
    await core.prepare()
    other = sqlite3.connect(path, isolation_level=None)

    async def between() -> None:
        if not other.in_transaction:
            other.execute("BEGIN IMMEDIATE")  # another process takes the write lock

    try:
        with pytest.raises(ImportFailed) as failed:
            await import_file(
                core.context,
                rows_file(tmp_path, 9),
                file_format=None,
                series=None,
                caller=console_caller(),
                chunking=Chunking(from_rows=1, rows=3, between=between),
            )
        assert [error.message for error in failed.value.errors] == [IMPORT_LEFT_PART_WAY]
        other.execute("ROLLBACK")
        assert await count(core) == 3  # the first chunk, until the lease runs out
        clock.now += LEASE + timedelta(seconds=1)
        assert await take_back_interrupted(core.context) == 1
        assert await count(core) == 0
        await days_table_matches_incidents(core)
    finally:
        other.close()
        await core.database.dispose()


async def _label(core: Core, location: str) -> str | None:
    async with core.database.read() as session:
        return await session.scalar(
            select(FilterValue.label).where(
                FilterValue.dimension == "location", FilterValue.value == location
            )
        )


async def test_a_place_first_spelled_by_a_taken_back_import_is_spelled_as_written_next(
    core: Core, tmp_path: Path
) -> None:
    path = tmp_path / "z.csv"
    path.write_text("date,location,external_id\n2024-01-01,PLACE Z,z1\n2024-01-02,PLACE Z,z2\n")
    import_id = await left_part_way(core, path, None)
    assert await _label(core, "place z") == "PLACE Z"
    assert await import_runs.take_back_import(core.database, import_id, core.context.clock)
    await ask(core, 'add 2024-01-03 location:"Place Z"')
    assert await _label(core, "place z") == "Place Z"
    # Held by a live incident, a value keeps its first spelling.
    await ask(core, 'add 2024-01-04 location:"place z"')
    assert await _label(core, "place z") == "Place Z"
    await days_table_matches_incidents(core)


async def test_a_place_whose_incidents_were_all_deleted_is_spelled_as_written_next(
    core: Core,
) -> None:
    await ask(core, 'add 2024-01-01 location:"BASE ONE"')
    await ask(core, "delete 1")
    await ask(core, 'add 2024-01-02 location:"Base One"')
    assert await _label(core, "base one") == "Base One"
    assert "Base One" in await ask(core, "stats by:location")
