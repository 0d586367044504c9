"""Start-up shared by every entry point: settings, database, migrations, the command core."""

from __future__ import annotations

import getpass
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, OperationalError

from bot.commands.core import Caller, Clock, Core, utc_now
from bot.notify import alerts
from bot.settings import Settings
from storage.database import migrate, open_database
from storage.importers import ImportResult, import_rows, read_rows
from storage.models import AuditEntry, Incident, Series

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
    database = open_database(settings.database_url)
    try:
        try:
            await migrate(database)
            core = Core(database=database, settings=settings, clock=clock)
            await core.prepare()
        except (OperationalError, DBAPIError, OSError) as error:
            raise StartupError(
                f"cannot open the database {database.engine.url!r}: {_first_line(error)}\n"
                "Set PAUSEWATCH_DATABASE_URL to a reachable database, "
                "e.g. sqlite+aiosqlite:///pausewatch.db"
            ) from None
        yield core
    finally:
        await database.dispose()


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error)
    return text.strip().splitlines()[0] if text.strip() else type(error).__name__


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
    """Import one file in one transaction, with the alerts it causes unless `quiet`.

    An import alerts at most once per subscription: for its newest incident, when that
    ends the current pause.
    """
    rows = read_rows(path, file_format, series or core.settings.default_series)
    today, now = core.today(), core.clock()
    async with core.database.write() as session:
        watches = {}
        if not quiet:
            for stored in await session.scalars(select(Series)):
                watches[stored.id] = (stored, await alerts.watch(session, stored, today))
        result = await import_rows(
            session,
            rows,
            today=today,
            actor=caller.user,
            now=now,
            source_name=path.name,
            on_row=on_row,
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
    core.notify()
    return result


EMPTY_HINT = (
    "The database holds no incidents yet: `pausewatch import --sample` loads the sample data "
    "set (the reference article's dates), `pausewatch import FILE` your own, and admins can "
    "`add` them in chat."
)


async def empty_database_hint(core: Core) -> str | None:
    """Say how to load incidents when there are none (a platform never loads the sample)."""
    async with core.database.read() as session:
        stored = await session.scalar(select(func.count()).select_from(Incident).limit(1))
    return EMPTY_HINT if not stored else None


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
