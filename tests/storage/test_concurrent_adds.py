"""Concurrent adds on PostgreSQL: each reply tells the series as that add left it."""

from __future__ import annotations

import asyncio
import random
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.commands.context import console_caller
from bot.commands.core import Core
from bot.commands.render_text import render_text
from bot.domain.wording import day_text
from storage.database import open_database
from storage.models import Incident
from tests.conftest import Clock, make_settings

ADDS = 50
FIRST = date(2024, 1, 1)
RECORDED = re.compile(r"^Recorded attack #(\d+) on (.+)$", re.MULTILINE)


def new_days() -> list[date]:
    days = [FIRST + timedelta(days=3 * n + 2) for n in range(ADDS)]
    random.Random(6).shuffle(days)  # arriving in no order: some end the pause, some backfill
    return days


def assert_truthful(replies: list[str], stored: dict[int, date]) -> None:
    """Check each reply against the incidents stored before it (ids follow the series lock)."""
    assert len(replies) == ADDS
    for reply in replies:
        match = RECORDED.search(reply)
        assert match, reply
        incident_id = int(match[1])
        day = stored[incident_id]
        last = max(d for i, d in stored.items() if i < incident_id)
        if day > last:
            length = (day - last).days + 1
            assert f"It is the first attack since {day_text(last)}: it ends" in reply, reply
            assert f"{length}-day pause" in reply, reply
        else:
            assert f"It is a backfill before the last attack ({day_text(last)})" in reply, reply


async def stored_days(core: Core) -> dict[int, date]:
    async with core.database.read() as session:
        rows = await session.execute(select(Incident.id, Incident.occurred_on))
        return {incident_id: day for incident_id, day in rows.all()}


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_fifty_concurrent_adds_from_one_engine_are_answered_truthfully(core: Core) -> None:
    await core.handle(f"add {FIRST}", console_caller())
    replies = await asyncio.gather(
        *(core.handle(f"add {day}", console_caller()) for day in new_days())
    )
    assert_truthful([render_text(r) for r in replies], await stored_days(core))


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_fifty_concurrent_adds_from_ten_engines_are_answered_truthfully(
    core: Core, database_url: str
) -> None:
    await core.handle(f"add {FIRST}", console_caller())
    cores = [
        Core(
            database=open_database(database_url),
            settings=make_settings(database_url),
            clock=Clock(),
        )
        for _ in range(10)
    ]
    days = new_days()
    try:
        replies = await asyncio.gather(
            *(cores[n % 10].handle(f"add {day}", console_caller()) for n, day in enumerate(days))
        )
    finally:
        for other in cores:
            await other.database.dispose()
    assert_truthful([render_text(r) for r in replies], await stored_days(core))
