"""A source's run, and a review matching an import's row, wait for a large import into the series."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.commands import sources
from bot.commands.core import Core
from storage.import_formats import ImportFailed
from storage.import_runs import Chunking
from tests.bot.commands.test_core import ask, refused
from tests.bot.sources.fake_feeds import FakeSheet
from tests.bot.sources.test_reviews import stored
from tests.bot.sources.test_runs import HEADER
from tests.storage.test_chunked_imports import Hold, importing, rows_file, wait_for


async def test_a_source_run_waits_for_an_import_into_its_series(
    feeds_core: Core, fake_sheet: FakeSheet, tmp_path: Path
) -> None:
    # Had it taken a row as one the half-stored import holds, that row would be lost were
    # the import taken back.
    core = feeds_core
    fake_sheet.publish(HEADER + "attacks,2024-07-16,Iraq,Ain al-Assad,drone,Reuters,S1\n", '"v1"')
    await ask(core, f"source add sheet kind:csv url:{fake_sheet.url}")
    hold = Hold(at=1)
    task = importing(core, rows_file(tmp_path, 9), Chunking(from_rows=1, rows=3, between=hold))
    await wait_for(hold.reached)
    [report] = await sources.run_due(core.context)
    assert report.put_off and report.message == (
        "put off: an import into attacks is being stored; it runs once that is done"
    )
    assert fake_sheet.requests == []  # not fetched
    [again] = await sources.run_due(core.context)  # its slot was given back
    assert again.put_off
    hold.release.set()
    assert (await asyncio.wait_for(task, 60)).added == 9
    [ran] = await sources.run_due(core.context)
    assert not ran.put_off and ran.message.startswith("read 1, 1 added")
    assert len(fake_sheet.requests) == 1


async def reviewed_candidate(core: Core, fake_sheet: FakeSheet, external_id: str) -> None:
    """Queue one candidate for review, with this external id, before any import."""
    fake_sheet.publish(HEADER + f"attacks,2024-01-01,Iraq,B0,rocket,Reuters,{external_id}\n", "1")
    await ask(core, f"source add sheet kind:csv url:{fake_sheet.url} reviewed")
    assert (await ask(core, "source run sheet")).startswith("Source sheet: read 1, 1 queued")


async def test_a_review_matching_a_row_of_an_import_still_storing_waits_for_it(
    feeds_core: Core, fake_sheet: FakeSheet, tmp_path: Path
) -> None:
    # Approved as "already stored" by that row, the candidate would be lost were the
    # import then taken back.
    core = feeds_core
    await reviewed_candidate(core, fake_sheet, "big.csv-0")  # the file's first row
    hold = Hold(at=1)
    task = importing(core, rows_file(tmp_path, 9), Chunking(from_rows=1, rows=3, between=hold))
    await wait_for(hold.reached)
    said = await refused(core, "review approve 1")
    assert "review #1 matches incident #1, a row of an import into attacks" in said, said
    assert "nothing was decided; approve it again once that import is done" in said, said
    assert (await ask(core, "review list")).startswith("1 incident waiting for review")
    hold.release.set()
    assert (await asyncio.wait_for(task, 60)).added == 9
    said = await ask(core, "review approve 1")
    assert "it was already stored as incident #1" in said, said


async def test_a_review_waiting_for_an_import_taken_back_is_then_stored(
    feeds_core: Core, fake_sheet: FakeSheet, tmp_path: Path
) -> None:
    core = feeds_core
    await reviewed_candidate(core, fake_sheet, "big.csv-0")
    hold = Hold(at=1)

    async def failing() -> None:
        await hold()
        raise OSError("the disk is full")

    task = importing(core, rows_file(tmp_path, 9), Chunking(from_rows=1, rows=3, between=failing))
    await wait_for(hold.reached)
    await refused(core, "review approve 1")
    hold.release.set()
    with pytest.raises((ImportFailed, OSError)):
        await asyncio.wait_for(task, 60)
    said = await ask(core, "review approve 1")
    assert "recorded as incident #" in said, said
    assert [external_id for external_id, _ in await stored(core)] == ["big.csv-0"]
