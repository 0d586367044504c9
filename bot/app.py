"""Start-up shared by every entry point: settings, database, migrations, the command core."""

from __future__ import annotations

import getpass
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from bot.commands.core import Caller, Clock, Core, utc_now
from bot.notify import alerts
from bot.settings import Settings, redacted_url
from storage.database import is_unavailable, migrate, open_database
from storage.importers import (
    ImportFailed,
    ImportResult,
    RowError,
    Staged,
    check_rows,
    read_rows,
    series_ids,
    store_rows,
)
from storage.models import AuditEntry, Series

log = logging.getLogger(__name__)


class StartupError(Exception):
    """The bot cannot start; the message says why and what to change."""


def console_caller() -> Caller:
    """Return the local user of a terminal, who is the admin of their own database."""
    return Caller(user=f"console:{getpass.getuser()}", is_admin=True)


def settings_clock(settings: Settings) -> Clock:
    """Return the real clock, or one that runs on from the `now` setting."""
    start = settings.now
    if start is None:
        return utc_now
    began = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - began)


@asynccontextmanager
async def started(settings: Settings, clock: Clock | None = None) -> AsyncIterator[Core]:
    """Open and migrate the database, store the configured series, and yield the core."""
    clock = clock or settings_clock(settings)
    try:
        database = open_database(settings.database_url)
    except (ArgumentError, ValueError) as error:
        raise _cannot_open(settings.database_url, error) from None
    try:
        try:
            await migrate(database)
            core = Core(database=database, settings=settings, clock=clock)
            await core.prepare()
        except (OperationalError, DBAPIError, OSError, TypeError) as error:
            # TypeError: the driver refused a URL query option (`?sslmode=` for asyncpg).
            raise _cannot_open(settings.database_url, error) from None
        yield core
    finally:
        await database.dispose()


def _cannot_open(url: str, error: BaseException) -> StartupError:
    return StartupError(
        f"cannot open the database {redacted_url(url)}: {_first_line(error)}\n"
        "Set PAUSEWATCH_DATABASE_URL to a reachable database, "
        "e.g. sqlite+aiosqlite:///pausewatch.db"
    )


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error)
    line = text.strip().splitlines()[0] if text.strip() else type(error).__name__
    return redacted_url(line)


async def import_file(
    core: Core,
    path: Path,
    *,
    file_format: str | None,
    series: str | None,
    caller: Caller,
    on_row: Callable[[int], None] | None = None,
    quiet: bool = False,
) -> ImportResult:
    """Import one file, all rows or none, with the alerts it causes unless `quiet`.

    Every row is read and checked first, holding no lock, so that the bot's writes go on
    meanwhile; then the checked rows are stored in one transaction. An import alerts at
    most once per subscription: for its newest incident, when that ends the current pause.
    A database that fails on the way is an ImportFailed that says nothing was stored.
    """
    rows = read_rows(path, file_format, series or core.settings.default_series)
    today = core.today()
    try:
        async with core.database.read() as session:
            known = await series_ids(session)
        staged = await check_rows(rows, known, today=today, on_row=on_row)
        try:
            result = await _store(core, staged, path.name, caller, today, quiet)
        finally:
            staged.close()
    except (DBAPIError, OSError) as error:
        if not is_unavailable(error):
            raise
        log.warning("the database failed during an import: %s", error)
        raise ImportFailed([RowError(str(path), IMPORT_UNAVAILABLE)]) from None
    core.notify()
    return result


IMPORT_UNAVAILABLE = (
    "the database was not available (busy, read-only or unreachable), so nothing was stored; "
    "import the file again once it is back"
)


async def _store(
    core: Core, staged: Staged, source_name: str, caller: Caller, today: date, quiet: bool
) -> ImportResult:
    now = core.clock()
    async with core.database.write() as session:
        watches = {}
        if not quiet:
            for stored in await session.scalars(select(Series)):
                watches[stored.id] = (stored, await alerts.watch(session, stored, today))
        result = await store_rows(
            session, staged, actor=caller.user, now=now, source_name=source_name
        )
        for stored, watched in watches.values():
            if stored.name in result.added_by_series:
                await alerts.queue_alerts(
                    session,
                    settings=core.settings,
                    series=stored,
                    watches=watched,
                    today=today,
                    now=now,
                )
    return result


async def load_sample_on_first_run(core: Core) -> ImportResult | None:
    """Import the sample data set into a database that has never been written to."""
    settings = core.settings
    if not settings.load_sample_data:
        return None
    async with core.database.read() as session:
        writes = await session.scalar(select(func.count()).select_from(AuditEntry))
    if writes:
        return None
    if not settings.sample_data.is_file():
        log.warning(
            "sample data %s not found; starting with an empty database", settings.sample_data
        )
        return None
    return await import_file(
        core,
        settings.sample_data,
        file_format="csv",
        series=None,
        caller=Caller("sample", True),
        quiet=True,
    )
