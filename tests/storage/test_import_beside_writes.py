"""An import beside the running bot: questions and writes are answered, none lost or doubled."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.commands.context import console_caller
from bot.commands.core import Caller, Core
from bot.commands.imports import import_file
from bot.commands.render_text import render_text
from storage import database as storage_database
from storage.database import open_database
from storage.models import Incident
from tests.conftest import Clock, make_settings

ROWS = 3_000
PAUSE_AT = 1_000  # the import is held here, in the middle of reading its file


def big_file(tmp_path: Path) -> Path:
    path = tmp_path / "big.csv"
    lines = ["date,location,external_id"]
    lines += [f"2020-01-{1 + n % 28:02d},Base {n % 40},big-{n}" for n in range(ROWS)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def import_in_thread(url: str, path: Path, held: threading.Event, release: threading.Event):
    """Run `import` on its own engine and event loop, held part-way until `release` is set."""
    outcome: dict[str, object] = {}

    def on_row(_n: int, count: list[int] = [0]) -> None:  # noqa: B006 (a counter)
        count[0] += 1
        if count[0] == PAUSE_AT:
            held.set()
            release.wait(timeout=60)

    async def run() -> None:
        database = open_database(url)
        core = Core(database=database, settings=make_settings(url), clock=Clock())
        try:
            result = await import_file(
                core.context,
                path,
                file_format=None,
                series=None,
                caller=console_caller(),
                on_row=on_row,
            )
            outcome["added"] = result.added
        except Exception as error:
            outcome["error"] = error
        finally:
            await database.dispose()

    thread = threading.Thread(target=lambda: asyncio.run(run()))
    thread.start()
    return thread, outcome


async def test_a_question_and_an_add_during_a_long_import_are_answered(
    tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A short busy timeout so that a lock held by the import fails the add at once.
    monkeypatch.setattr(storage_database, "SQLITE_BUSY_TIMEOUT_MS", 300)
    path = tmp_path / "bot.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite+aiosqlite:///{path}"
    database = open_database(url)
    core = Core(database=database, settings=make_settings(url), clock=Clock())
    await core.prepare()
    held, release = threading.Event(), threading.Event()
    thread, outcome = import_in_thread(url, big_file(tmp_path), held, release)
    try:
        assert await asyncio.to_thread(held.wait, 30)
        question = await core.handle_once(
            "since", Caller("U1", False, "slack", "C1"), request_key="slack:question:1"
        )
        add = await core.handle_once(
            "add 2024-07-16 location:Tower", Caller("U2", True, "slack", "C1"), request_key="k:1"
        )
    finally:
        release.set()
        await asyncio.to_thread(thread.join, 60)
    assert not question.reply.is_error, render_text(question.reply)
    assert not add.reply.is_error, render_text(add.reply)
    assert outcome == {"added": ROWS}
    async with database.read() as session:
        stored = await session.scalar(select(func.count()).select_from(Incident))
        added = await session.scalar(select(Incident.id).where(Incident.location == "Tower"))
    await database.dispose()
    assert stored == ROWS + 1
    assert added is not None


async def test_a_question_never_waits_for_the_write_lock(
    tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storage_database, "SQLITE_BUSY_TIMEOUT_MS", 300)
    path = tmp_path / "bot.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite+aiosqlite:///{path}"
    database = open_database(url)
    core = Core(database=database, settings=make_settings(url), clock=Clock())
    await core.prepare()
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another process holds the write lock throughout
    writer.execute("UPDATE series SET revision = revision + 1")
    try:
        for n, text in enumerate(("since", "pause", "pauses", "stats", "last", "subscriptions")):
            outcome = await core.handle_once(
                text, Caller("U1", False, "slack", "C1"), request_key=f"slack:command:{n}"
            )
            assert not outcome.reply.is_error, (text, render_text(outcome.reply))
        add = await core.handle_once(
            "add 2024-07-16", Caller("U2", True, "slack", "C1"), request_key="slack:command:add"
        )
        assert add.reply.is_error  # a write does wait for the lock, and says so plainly
        assert "nothing was read or stored" in add.reply.headline
    finally:
        writer.execute("ROLLBACK")
        writer.close()
        await database.dispose()


async def test_an_id_added_while_an_import_checks_its_file_is_skipped_by_the_import(
    tmp_path: Path, database_url: str
) -> None:
    database = open_database(database_url)
    core = Core(database=database, settings=make_settings(database_url), clock=Clock())
    await core.prepare()
    admin = Caller("U2", True, "slack", "C1")
    held, release = threading.Event(), threading.Event()
    thread, outcome = import_in_thread(database_url, big_file(tmp_path), held, release)
    try:
        assert await asyncio.to_thread(held.wait, 30)
        # The import holds no lock while it checks its rows: these adds are stored first.
        for n in range(5):
            added = await core.handle(
                f"add 2024-07-{n + 1:02d} location:Tower external_id:big-{n}", admin
            )
            assert added.headline.startswith("Recorded attack #"), render_text(added)
        release.set()
        # These race the import for the lock: either one is stored first, never both.
        racing = await asyncio.gather(
            *(
                core.handle(f"add 2024-08-01 location:Tower external_id:big-{n}", admin)
                for n in range(5, 10)
            )
        )
    finally:
        release.set()
        await asyncio.to_thread(thread.join, 60)
    async with database.read() as session:
        stored = (await session.execute(select(Incident.external_id, Incident.location))).all()
    await database.dispose()
    assert sorted(external for external, _ in stored) == sorted(f"big-{n}" for n in range(ROWS))
    by_add = {external for external, location in stored if location == "Tower"}
    assert outcome == {"added": ROWS - len(by_add)}
    assert {f"big-{n}" for n in range(5)} <= by_add
    for n, reply in zip(range(5, 10), racing, strict=True):
        if f"big-{n}" in by_add:
            assert reply.headline.startswith("Recorded attack #"), render_text(reply)
        else:
            assert f"external_id 'big-{n}' is already incident #" in render_text(reply)
