"""Database outages: every answer says the database is unavailable, and the bot recovers alone."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.commands.context import console_caller
from bot.commands.core import UNAVAILABLE, Core
from bot.commands.imports import import_file
from bot.commands.render_text import render_text
from storage.database import open_database
from storage.import_formats import ImportFailed
from storage.models import Incident
from tests.conftest import Clock, make_settings

ADMIN = console_caller()


async def answer(core: Core, text: str) -> str:
    return render_text(await core.handle(text, ADMIN))


async def stored(core: Core) -> int:
    async with core.database.read() as session:
        return await session.scalar(select(func.count()).select_from(Incident)) or 0


def sample(tmp_path: Path) -> Path:
    path = tmp_path / "rows.csv"
    path.write_text("date,location\n2024-07-01,Base\n", encoding="utf-8")
    return path


def set_read_only(path: Path, read_only: bool) -> None:
    """Make a file unwritable, for root too (chattr +i), or writable again."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i" if read_only else "-i", str(path)], check=True)
    else:
        path.chmod(0o444 if read_only else 0o644)


async def test_sqlite_recovers_after_its_file_was_read_only(
    tmp_path: Path, sqlite_template: Path
) -> None:
    path = tmp_path / "bot.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite+aiosqlite:///{path}"
    # Another engine keeps the database open (its WAL files stay) through the outage.
    keeper = Core(database=open_database(url), settings=make_settings(url), clock=Clock())
    await keeper.prepare()
    set_read_only(path, True)
    # The bot (re)starts while the file is read-only: its connections open read-only.
    database = open_database(url)
    core = Core(database=database, settings=make_settings(url), clock=Clock())
    try:
        with pytest.raises(ImportFailed, match="nothing was stored"):
            await import_file(
                core.context, sample(tmp_path), file_format=None, series=None, caller=ADMIN
            )
        assert (await answer(core, "since")).startswith("No attacks")  # reading still works
        during = await answer(core, "add 2024-07-16 location:Tower")
        assert during == UNAVAILABLE
    finally:
        set_read_only(path, False)
    after = await answer(core, "add 2024-07-16 location:Tower")
    assert after.startswith("Recorded attack #1"), after
    assert (await answer(core, "since as-of 2024-07-17")).startswith("1 day since")
    assert await stored(core) == 1
    await database.dispose()
    await keeper.database.dispose()


class CuttingProxy:
    """A loopback TCP proxy to PostgreSQL that can cut every connection and refuse new ones."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.refusing = False
        self.writers: set[asyncio.StreamWriter] = set()
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.refusing:
            writer.close()
            return
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self.writers |= {writer, up_writer}

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def cut(self) -> None:
        """Close every connection going through, as a restart or a broken network would."""
        for writer in self.writers:
            writer.transport.abort()
        self.writers.clear()

    async def stop(self) -> None:
        self.cut()
        if self.server is not None:
            self.server.close()


@pytest.fixture
async def proxied(
    postgresql_url: str, database_url: str
) -> AsyncIterator[tuple[str, CuttingProxy]]:
    url = make_url(postgresql_url)
    proxy = CuttingProxy(url.host or "127.0.0.1", url.port or 5432)
    port = await proxy.start()
    yield url.set(host="127.0.0.1", port=port).render_as_string(hide_password=False), proxy
    await proxy.stop()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_postgresql_recovers_after_a_cut_and_an_outage(
    proxied: tuple[str, CuttingProxy], tmp_path: Path
) -> None:
    url, proxy = proxied
    database = open_database(url)
    core = Core(database=database, settings=make_settings(url), clock=Clock())
    await core.prepare()
    assert (await answer(core, "add 2024-07-01")).startswith("Recorded attack #1")
    proxy.cut()  # a restart: pooled connections are dead, the server is back at once
    assert (await answer(core, "since as-of 2024-07-02")).startswith("1 day since")
    proxy.refusing = True
    proxy.cut()  # an outage
    assert await answer(core, "since") == UNAVAILABLE
    assert await answer(core, "add 2024-07-16") == UNAVAILABLE
    with pytest.raises(ImportFailed, match="nothing was stored"):
        await import_file(
            core.context, sample(tmp_path), file_format=None, series=None, caller=ADMIN
        )
    proxy.refusing = False
    assert (await answer(core, "add 2024-07-16")).startswith("Recorded attack #")
    assert await stored(core) == 2
    await database.dispose()
