"""Record notices wait for a large import: half stored, a history shows pauses it does not have."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bot.commands.core import Core
from bot.commands.scheduled import check_records
from bot.domain.replies import reply_from_data
from storage.import_runs import Chunking
from storage.models import OutboxMessage
from tests.bot.commands.test_core import ask
from tests.conftest import Clock
from tests.storage.test_chunked_imports import Hold, importing, rows_file, wait_for


async def records(core: Core) -> list[str]:
    async with core.database.read() as session:
        found = await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "record"))
        return [reply_from_data(m.payload["reply"]).headline for m in found]


async def test_no_record_notice_from_an_import_half_stored(
    core: Core, clock: Clock, tmp_path: Path
) -> None:
    # Nine incidents over 1-28 Jan 2024, three to a chunk, in date order. After the first
    # chunk the series seems to end on 7 Jan: on 1 Jun that is a running pause far past
    # its record. The whole file ends on 28 Jan.
    await ask(core, "subscribe alerts")
    clock.now = datetime(2024, 6, 1, 12, tzinfo=UTC)
    hold = Hold(at=1)
    task = importing(core, rows_file(tmp_path, 9), Chunking(from_rows=1, rows=3, between=hold))
    await wait_for(hold.reached)
    # The first chunk is there, and only it.
    assert "The last attack was on 7 Jan 2024" in await ask(core, "since")
    assert await check_records(core.context) == 0
    hold.release.set()
    await asyncio.wait_for(task, 60)
    assert await check_records(core.context) == 1
    [headline] = await records(core)
    assert headline == "The current pause is a new record: 126 days"  # 28 Jan → 1 Jun 2024
