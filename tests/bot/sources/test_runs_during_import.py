"""A source's run waits for a large import into its series: unfetched, its slot given back."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.commands import sources
from bot.commands.core import Core
from storage.import_runs import Chunking
from tests.bot.commands.test_core import ask
from tests.bot.sources.fake_feeds import FakeSheet
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
