"""Shared fixtures: a migrated database on SQLite always and on PostgreSQL when configured."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import threading
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bot import extras
from bot.commands.core import Core
from bot.settings import Settings
from storage import count_tables
from storage.database import Database, migrate, open_database
from storage.models import Base

PG_URL_VARIABLE = "PAUSEWATCH_TEST_DATABASE_URL"
# A fixed "now" for tests that do not care which day it is: 25 Nov 2026, 12:00 UTC.
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
# Tests write a few incidents a value: from three, a place's or an actor's pairs are kept, so
# that writes make and drop them as counts cross it (storage.kept_pairs), and breakdowns are
# read from both the pairs and the incidents.
TEST_PAIRED_FROM = 3
PAIRED_FROM = count_tables.PAIRED_FROM  # the bot's own, read before any test sets it


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep the developer's settings and files out of every test."""
    for name in list(os.environ):
        if name.startswith("PAUSEWATCH_") and name != PG_URL_VARIABLE:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(count_tables, "PAIRED_FROM", TEST_PAIRED_FROM)


def _migrated(url: str) -> None:
    async def run() -> None:
        database = open_database(url)
        await migrate(database)
        await database.dispose()

    asyncio.run(run())


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate one SQLite file per test session; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    _migrated(f"sqlite+aiosqlite:///{path}")
    return path


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _emptying(tables: list[str], sequences: list[tuple[str, int]]) -> str:
    # DELETE of a few rows is far faster than TRUNCATE, which makes new files for every table;
    # children first so that no foreign key is ever violated. Each sequence starts again (as
    # with TRUNCATE ... RESTART IDENTITY: ids are 1, 2, ... in every test) through setval,
    # which, unlike ALTER SEQUENCE, writes no catalog row.
    known = [table.name for table in reversed(Base.metadata.sorted_tables)]
    ordered = [name for name in tables if name not in known] + known
    statements = [f'DELETE FROM "{name}"' for name in ordered if name in tables]
    if sequences:
        restarts = ", ".join(f"setval('\"{name}\"', {start}, false)" for name, start in sequences)
        statements.append(f"SELECT {restarts}")
    return "; ".join(statements)


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    """Create a fresh PostgreSQL database for this test session (each xdist worker its own),
    migrated once; drop it after."""
    base = os.environ.get(PG_URL_VARIABLE)
    if not base:
        pytest.skip(f"{PG_URL_VARIABLE} is not set")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")  # gw0, gw1, ... under xdist
    name = f"pausewatch_test_{worker}_{uuid.uuid4().hex[:10]}"

    async def admin(*statements: str) -> None:
        connection = await asyncpg.connect(_asyncpg_dsn(base))
        try:
            for statement in statements:
                await connection.execute(statement)
        finally:
            await connection.close()

    # The tests never crash the server, so a commit need not wait for the disk: without
    # this, waiting for the write-ahead log's flush is most of a PostgreSQL test's time.
    asyncio.run(
        admin(
            f'CREATE DATABASE "{name}"',
            f'ALTER DATABASE "{name}" SET synchronous_commit = off',
        )
    )
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        _migrated(url)
        yield url
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


class Emptier:
    """Empty the session's database before each test, on one connection kept open.

    A connection made for each test cost 7 ms of the server's CPU and 5 ms of the test's: a
    new server process, its catalogs read again. The connection lives on an event loop of
    its own, in a thread, since each test has its own loop.
    """

    def __init__(self, dsn: str, emptying: str) -> None:
        self.dsn, self.emptying = dsn, emptying
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.connection: asyncpg.Connection | None = None

    def _run(self, coroutine: Coroutine[object, object, object]) -> object:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    async def _empty(self) -> None:
        if self.connection is None or self.connection.is_closed():
            self.connection = await asyncpg.connect(self.dsn)
        try:
            await self.connection.execute(self.emptying)
        except (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, OSError):
            # A connection a test cut: another one.
            self.connection = await asyncpg.connect(self.dsn)
            await self.connection.execute(self.emptying)

    def empty(self) -> None:
        """Delete every row and restart every sequence."""
        self._run(self._empty())

    def close(self) -> None:
        """Close the connection and stop the thread's loop."""
        if self.connection is not None:
            self._run(self.connection.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


@pytest.fixture(scope="session")
def postgresql_emptier(postgresql_url: str, postgresql_emptying: str) -> Iterator[Emptier]:
    """Return what empties the session's database (closed before the database is dropped)."""
    emptier = Emptier(_asyncpg_dsn(postgresql_url), postgresql_emptying)
    yield emptier
    emptier.close()


@pytest.fixture(scope="session")
def postgresql_emptying(postgresql_url: str) -> str:
    """Return what empties the session's database in one round trip, read from its schema."""

    async def read() -> str:
        connection = await asyncpg.connect(_asyncpg_dsn(postgresql_url))
        try:
            tables = await connection.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                " AND tablename <> 'alembic_version'"
            )
            sequences = await connection.fetch(
                "SELECT sequencename, start_value FROM pg_sequences"
                " WHERE schemaname = current_schema()"
            )
        finally:
            await connection.close()
        return _emptying([row[0] for row in tables], [(row[0], row[1]) for row in sequences])

    return asyncio.run(read())


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Return the URL of an empty, migrated database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("postgresql_url")
    emptier: Emptier = request.getfixturevalue("postgresql_emptier")
    emptier.empty()
    return url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """Open the test database; fail the test if it leaves a connection checked out."""
    db = open_database(database_url)
    yield db
    checked_out = db.engine.pool.checkedout()  # type: ignore[attr-defined]
    await db.dispose()
    assert checked_out == 0, f"{checked_out} connections left checked out"


def make_settings(database_url: str, **overrides: object) -> Settings:
    """Return settings for a test, with nothing read from the environment."""
    return Settings(database_url=database_url, **overrides)  # type: ignore[arg-type]


class Clock:
    """A clock the test can set."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    """Return a settable clock at NOW."""
    return Clock()


@pytest.fixture
async def core(database: Database, database_url: str, clock: Clock) -> Core:
    """Return a command core on the test database with the default series stored."""
    instance = Core(database=database, settings=make_settings(database_url), clock=clock)
    await instance.prepare()
    return instance


@pytest.fixture
def without_charts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the test as an install without the charts extra: its modules cannot be imported.

    For tests of when and how often digests go out, not of what they show: drawing a digest's
    chart and map takes about 0.3 s of CPU, most of such a test's time. The digests are then
    sent without them, as the code does for such an install (tests/bot/test_extras.py).
    """
    for name in extras.EXTRAS["charts"].modules:
        monkeypatch.setitem(sys.modules, name, None)
    assert extras.missing("charts", "a test") is not None
