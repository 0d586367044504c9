"""Start-up shared by every entry point: settings, database, migrations, the command core.

Wiring only: what the bot does is the command layer's (bot/commands), including the use
cases an entry point runs (imports, the schedule's jobs); this module builds and joins.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from bot import extras
from bot.commands.core import Core
from bot.commands.fetching import Fetched, Fetcher, SourceSpec
from bot.commands.metrics import NoMetrics
from bot.domain.clock import Clock, utc_now
from bot.settings import Settings, StartupError, redacted_url
from storage.database import migrate, open_database

if TYPE_CHECKING:
    # The schedule loads where the bot runs: a question never needs it (see bot/cli/boundary.py).
    from bot.notify.scheduler import Jobs

log = logging.getLogger(__name__)


def settings_clock(settings: Settings) -> Clock:
    """Return the real clock, or one that runs on from the `now` setting."""
    start = settings.now
    if start is None:
        return utc_now
    began = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - began)


@asynccontextmanager
async def started(
    settings: Settings, clock: Clock | None = None, *, metrics: bool = True
) -> AsyncIterator[Core]:
    """Open and migrate the database, store the configured series, and yield the core.

    `metrics=False` for a process that serves no /metrics (one question): it keeps none.
    """
    clock = clock or settings_clock(settings)
    if missing := extras.missing_for_database(settings.database_url):
        raise StartupError(missing)
    try:
        database = open_database(settings.database_url)
    except (ArgumentError, ValueError) as error:
        raise _cannot_open(settings.database_url, error) from None
    try:
        try:
            await migrate(database)
            core = Core(
                database=database,
                settings=settings,
                clock=clock,
                metrics=None if metrics else NoMetrics(),
            )
            core.fetcher = LazyFetcher(settings)
            await core.prepare()
        except (OperationalError, DBAPIError, OSError, TypeError) as error:
            # TypeError: the driver refused a URL query option (`?sslmode=` for asyncpg).
            raise _cannot_open(settings.database_url, error) from None
        yield core
    finally:
        await database.dispose()


class LazyFetcher:
    """The HTTP fetcher of sources, loaded at its first run (a question never pays for it)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._fetcher: Fetcher | None = None

    async def fetch(self, spec: SourceSpec) -> Fetched:
        """Fetch through bot/sources/http.py."""
        if self._fetcher is None:
            from bot.sources.http import HttpFetcher

            self._fetcher = HttpFetcher(self.settings)
        return await self._fetcher.fetch(spec)


def scheduled_jobs(core: Core) -> Jobs:
    """Return the schedule's jobs: the command layer's, on the core's context as it is when
    each runs (the delivery loop that a job wakes is set after the schedule starts)."""
    # The schedule's modules, not a question's: loaded by the commands that run it.
    from bot.commands import scheduled
    from bot.notify.scheduler import Jobs

    return Jobs(
        digests=lambda run_at: scheduled.post_digests(core.context, run_at),
        records=lambda: scheduled.check_records(core.context),
        sources=lambda: scheduled.run_sources(core.context),
        held=lambda: scheduled.post_held(core.context),
    )


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


class JsonLogFormatter(logging.Formatter):
    """Write each log record as one JSON object on one line (for a log collector)."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as JSON: time, level, logger, message, and the traceback if any."""
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(settings: Settings) -> None:
    """Switch every log handler to one JSON object a line when `log_format` is json."""
    if settings.log_format != "json":
        return
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig()
    for handler in root.handlers:
        handler.setFormatter(JsonLogFormatter())
