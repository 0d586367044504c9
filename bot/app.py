"""Start-up shared by every entry point: settings, database, migrations, the command core."""

from __future__ import annotations

import getpass
import json
import logging
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from bot.commands.core import Caller, Core
from bot.commands.metrics import NoMetrics
from bot.domain.clock import Clock, utc_now
from bot.notify import alerts
from bot.settings import Settings, redacted_url
from storage import seen
from storage.database import is_unavailable, migrate, open_database
from storage.models import AuditEntry, Series

if TYPE_CHECKING:
    # Sources and the importers load where a source runs or a file is imported: a question
    # needs neither (see bot/cli.py).
    from bot.commands.fetching import Fetched, Fetcher, SourceSpec
    from bot.notify.scheduler import Jobs
    from storage.importers import ImportResult, Staged

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
async def started(
    settings: Settings, clock: Clock | None = None, *, metrics: bool = True
) -> AsyncIterator[Core]:
    """Open and migrate the database, store the configured series, and yield the core.

    `metrics=False` for a process that serves no /metrics (one question): it keeps none.
    """
    clock = clock or settings_clock(settings)
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
    result, _ = await _import(
        core,
        path,
        file_format=file_format,
        series=series,
        caller=caller,
        on_row=on_row,
        quiet=quiet,
        request_key=None,
    )
    return result


async def _import(
    core: Core,
    path: Path,
    *,
    file_format: str | None,
    series: str | None,
    caller: Caller,
    on_row: Callable[[int], None] | None,
    quiet: bool,
    request_key: str | None,
) -> tuple[ImportResult, bool]:
    from storage.import_formats import ImportFailed, RowError, read_rows
    from storage.importers import check_rows, series_ids

    rows = read_rows(path, file_format, series or core.settings.default_series)
    today = core.today()
    try:
        async with core.database.read() as session:
            known = await series_ids(session)
        staged = await check_rows(rows, known, today=today, on_row=on_row)
        try:
            result, first_time = await _store(
                core, staged, path.name, caller, today, quiet, request_key
            )
        finally:
            staged.close()
    except (DBAPIError, OSError) as error:
        if not is_unavailable(error):
            raise
        log.warning("the database failed during an import: %s", error)
        raise ImportFailed([RowError(str(path), IMPORT_UNAVAILABLE)]) from None
    if first_time:
        core.notify()
    if first_time and result.added >= ANALYZE_AFTER:
        await _analyze(core)
    return result, first_time


# An import of this many incidents refreshes the planner's statistics (a second at a million).
ANALYZE_AFTER = 1_000


async def _analyze(core: Core) -> None:
    try:
        await core.database.analyze()
    except (DBAPIError, OSError) as error:
        # The import itself is stored; the statistics can wait for the next import.
        if not is_unavailable(error):
            raise
        log.warning("the planner's statistics were not refreshed after an import: %s", error)


IMPORT_UNAVAILABLE = (
    "the database was not available (busy, read-only or unreachable), so nothing was stored; "
    "import the file again once it is back"
)


async def _store(
    core: Core,
    staged: Staged,
    source_name: str,
    caller: Caller,
    today: date,
    quiet: bool,
    request_key: str | None,
) -> tuple[ImportResult, bool]:
    from storage.importers import store_rows

    now = core.clock()
    async with core.database.write() as session:
        if request_key is not None:
            earlier = await seen.claim(session, request_key, now)
            if earlier is not None:
                return _result_from_data(earlier.get("import", {})), False
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
        if request_key is not None:
            await seen.answer(session, request_key, {"import": _result_data(result)})
    return result, True


def _result_data(result: ImportResult) -> dict[str, object]:
    return {
        "read": result.read,
        "added": result.added,
        "skipped": result.skipped,
        "added_by_series": dict(result.added_by_series),
    }


def _result_from_data(data: dict[str, object]) -> ImportResult:
    from storage.importers import ImportResult

    by_series = data.get("added_by_series")
    return ImportResult(
        read=int(str(data.get("read", 0))),
        added=int(str(data.get("added", 0))),
        skipped=int(str(data.get("skipped", 0))),
        added_by_series=Counter(by_series if isinstance(by_series, dict) else {}),
    )


class ImportRefused(Exception):
    """An import with bad rows: nothing was stored. `problems` are (where, what is wrong)."""

    def __init__(self, problems: list[tuple[str, str]], total: int) -> None:
        super().__init__("\n".join(f"{where}: {what}" for where, what in problems))
        self.problems = problems
        self.total = total


@dataclass(frozen=True)
class ImportSummary:
    """What an import did, and whether it was new (False: a replay under the same key)."""

    read: int
    added: int
    skipped: int
    added_by_series: dict[str, int]
    first_time: bool


async def import_content(
    core: Core,
    content: bytes,
    *,
    file_format: str,
    series: str | None,
    caller: Caller,
    request_key: str | None = None,
) -> ImportSummary:
    """Import a file's content sent over the network, once per `request_key`, like a file.

    Raise ImportRefused (nothing stored) when any row is bad.
    """
    from storage.import_formats import ImportFailed

    suffix = ".json" if file_format == "json" else ".csv"
    with tempfile.TemporaryDirectory(prefix="pausewatch-import-") as folder:
        path = Path(folder) / f"{caller.platform}-import{suffix}"
        path.write_bytes(content)
        try:
            result, first_time = await _import(
                core,
                path,
                file_format=file_format,
                series=series,
                caller=caller,
                on_row=None,
                quiet=False,
                request_key=request_key,
            )
        except ImportFailed as failed:
            problems = [
                (error.where.replace(str(path), "the body"), error.message)
                for error in failed.errors
            ]
            raise ImportRefused(problems, failed.total_errors) from None
    return ImportSummary(
        read=result.read,
        added=result.added,
        skipped=result.skipped,
        added_by_series=dict(result.added_by_series),
        first_time=first_time,
    )


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
