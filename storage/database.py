"""The engine, its sessions and the migrations: one engine per process, a session per command."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, event, text
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util import await_only

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.dialects import postgresql, sqlite

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The newest migration (a test holds it to Alembic's head): a schema already there is
# checked with one query, without loading Alembic, which takes longer than a question.
HEAD_REVISION = "0028"
# A write waits this long for the write lock: long enough for an import to store its checked
# rows (about 300,000 in 10 s on a small machine), short enough to say "try again".
SQLITE_BUSY_TIMEOUT_MS = 30_000
# The longest SQLite's busy handler sleeps between two tries for the lock.
SQLITE_RETRY_S = 0.1
# A write-ahead log of more pages than this (64 MiB of 4 KiB pages) is started over at once
# (writers wait while it is); of more than LOG_FRAMES (256 MiB), even if writers wait up to
# LOG_WAIT_S for the readers of its older pages to finish.
RESTART_FRAMES = 16_384
LOG_FRAMES = 65_536
LOG_WAIT_S = 1.0
# Write transactions on SQLite must take the write lock when they begin: a read transaction
# that later upgrades to a write fails with SQLITE_BUSY whatever the busy timeout says.
WRITE_OPTION = "pausewatch_write"


@dataclass
class Database:
    """The engine and the two session factories made from it at start-up."""

    engine: AsyncEngine
    reads: async_sessionmaker[AsyncSession]
    writes: async_sessionmaker[AsyncSession]
    # This process's writes waiting for SQLite's write lock (see let_writers_in).
    waiting_writers: int = 0

    @property
    def is_sqlite(self) -> bool:
        """Say whether this is the embedded SQLite database."""
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """Open a session for reading."""
        async with self.reads() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """Open a write transaction that commits on success and changes nothing on error."""
        async with self.writes() as session, session.begin():
            if self.is_sqlite:
                # Begun here (BEGIN IMMEDIATE, which waits for the lock), to be counted waiting.
                self.waiting_writers += 1
                try:
                    await session.connection()
                finally:
                    self.waiting_writers -= 1
            yield session

    async def let_writers_in(self, held: float) -> None:
        """Let the writes waiting for SQLite's write lock in, after a write that held it
        `held` seconds (a chunk of an import) and before the next one.

        SQLite does not queue its writers: each one waiting retries at intervals that grow
        to 100 ms, and a writer that takes the lock again as soon as it lets it go keeps
        them out chunk after chunk. So: a pause as long as one such interval (no longer
        than the write itself was), then until no write of this process is still waiting.
        PostgreSQL queues the series' lock itself: there this returns at once.
        """
        if not self.is_sqlite:
            return
        await self._restart_log()
        await asyncio.sleep(min(held, SQLITE_RETRY_S))
        # Polled: a millisecond is nothing beside a chunk, and no event is tied to a loop.
        while self.waiting_writers:  # noqa: ASYNC110
            await asyncio.sleep(0.001)

    async def _restart_log(self) -> None:
        """Copy SQLite's write-ahead log into the database, so that the next write starts it over.

        A commit copies what no reader still reads, but the log starts over only when none
        reads it: with questions coming all the time it grows by every chunk of an import,
        each writing again the index pages it touched (10 GB for half a million rows). So the
        log is copied (a passive checkpoint: writers go on meanwhile), which lets the next
        write start it over unless a reader still reads it; a log past RESTART_FRAMES is
        started over here, which holds writers back while it waits for the readers: a busy
        handler's sleep, or, once the log is past LOG_FRAMES, up to a second.
        """
        async with self.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            assert driver is not None  # a connection in use has its driver's
            _, frames, _ = await _pragma(driver, "wal_checkpoint(PASSIVE)")
            if frames < RESTART_FRAMES:
                return
            try:
                for wait in (SQLITE_RETRY_S, LOG_WAIT_S):
                    await _pragma(driver, f"busy_timeout={int(wait * 1000)}")
                    # Busy (not an error) if readers stay longer.
                    busy, frames, _ = await _pragma(driver, "wal_checkpoint(RESTART)")
                    if not busy or frames < LOG_FRAMES:
                        break
            finally:
                await _pragma(driver, f"busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")

    async def analyze(self) -> None:
        """Refresh the planner's statistics of the incidents, as after a bulk import.

        With two filters, a question reads one key's index: SQLite knows which key is the
        more selective only from these statistics (it has none until asked). PostgreSQL's
        autovacuum would take them some minutes after a load, and VACUUM also marks the new
        rows visible to all, which reading an index without the table needs.
        """
        if self.is_sqlite:
            async with self.write() as session:
                await session.execute(text("ANALYZE incidents"))
            return
        async with self.engine.connect() as connection:
            # VACUUM runs outside any transaction.
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("VACUUM (ANALYZE) incidents"))

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()


async def _pragma(driver: Any, pragma: str) -> tuple[Any, ...]:
    cursor = await driver.execute(f"PRAGMA {pragma}")
    try:
        return tuple(await cursor.fetchone() or ())
    finally:
        await cursor.close()


def upsert_insert(session: AsyncSession, table: Any) -> postgresql.Insert | sqlite.Insert:
    """Return an INSERT into `table` in the session's dialect, the one that has ON CONFLICT.

    The dialect's module is imported here, when a write needs it: a question on SQLite
    never loads the PostgreSQL dialect (a sizeable import).
    """
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table)


def open_database(url: str, **engine_options: Any) -> Database:
    """Create the engine for `url` and the session factories bound to it.

    A pooled connection that a restart or a network cut killed is found before it is used
    (pre-ping), so the first command after an outage is answered.
    """
    if not url.startswith("sqlite"):
        engine_options.setdefault("pool_pre_ping", True)
    engine = create_async_engine(url, **engine_options)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    write_engine = engine.execution_options(**{WRITE_OPTION: True})
    return Database(
        engine=engine,
        reads=async_sessionmaker(engine, expire_on_commit=False),
        writes=async_sessionmaker(write_engine, expire_on_commit=False),
    )


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself (below) instead of the driver's implicit one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "handle_error")
    def _on_error(context: ExceptionContext) -> None:
        # A connection opened while the file was read-only (or gone) stays so after the
        # file is back: drop it, and the pool, so that the next command opens a fresh one.
        message = str(context.original_exception).lower()
        if any(text in message for text in SQLITE_BROKEN):
            context.is_disconnect = True

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if connection.get_execution_options().get(WRITE_OPTION, False):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            return
        # A read's BEGIN goes to the driver in one hand-off to aiosqlite's thread, not three
        # (a cursor made, used and closed); a deferred BEGIN takes no lock and cannot wait.
        driver = connection.connection.driver_connection
        assert driver is not None  # a connection in use has its driver's
        try:
            await_only(driver.execute("BEGIN"))
        except Exception:
            connection.exec_driver_sql("BEGIN")  # again, to raise SQLAlchemy's own error


# What SQLite says when its file cannot be used right now (locked, read-only, gone, full).
SQLITE_UNAVAILABLE = (
    "database is locked",
    "unable to open database file",
    "readonly database",
    "disk i/o error",
    "database or disk is full",
    "database disk image is malformed",
)


# Of those, the errors that leave the connection itself unusable until it is opened again.
SQLITE_BROKEN = tuple(text for text in SQLITE_UNAVAILABLE if text != "database is locked")


def is_unavailable(error: BaseException) -> bool:
    """Say whether an error means the database cannot be reached or used just now.

    Such errors are told to the user as an outage; any other database error is a bug.
    """
    if isinstance(error, OSError | TimeoutError | ConnectionError):
        return True
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        return error.orig is not None and driver_says_unavailable(error.orig)
    # The bulk writes (storage.bulk) call the driver itself, whose errors are not wrapped.
    if type(error).__module__.split(".")[0] in ("sqlite3", "asyncpg"):
        return driver_says_unavailable(error)
    return False


def driver_says_unavailable(original: BaseException) -> bool:
    """Say whether a driver's own error means the database is out of reach or unusable."""
    if isinstance(original, OSError | TimeoutError | ConnectionError):
        return True
    name = type(original).__name__
    if "Connection" in name or name in ("InterfaceError", "CannotConnectNowError"):
        return True
    message = str(original).lower()
    # PostgreSQL: the database was dropped or renamed under the bot.
    if message.startswith("database ") and message.endswith("does not exist"):
        return True
    return any(text in message for text in SQLITE_UNAVAILABLE)


def alembic_config(connection: Connection | None = None) -> Config:
    """Return an Alembic configuration for the migrations shipped with the package."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def migrate(database: Database) -> None:
    """Bring the schema up to the newest migration."""
    if await stored_revision(database) == HEAD_REVISION:
        return
    from alembic import command

    async with database.engine.connect() as connection:
        await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), "head"))
        await connection.commit()


async def stored_revision(database: Database) -> str | None:
    """Return the revision in alembic_version, or None when there is no such table yet."""
    async with database.engine.connect() as connection:
        try:
            return await connection.scalar(text("SELECT version_num FROM alembic_version"))
        except DBAPIError:
            return None


async def current_revision(database: Database) -> str | None:
    """Return the schema's Alembic revision, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    async with database.engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


def head_revision() -> str | None:
    """Return the newest migration shipped with the package."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()
