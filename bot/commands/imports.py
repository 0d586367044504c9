"""Imports: a file or a request's content, checked whole, stored all or nothing, with its alerts.

Also the first run's sample data. Every row is read and checked before the write (holding no
lock), then stored in one transaction with the alerts it causes, or, a large import, chunk by
chunk with others' writes between them and taken back whole if it fails
(storage.import_runs); a request key makes an import sent twice store once.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from bot.commands.context import Caller, Context
from bot.commands.import_store import (
    IMPORT_LEFT_PART_WAY,
    LeftPartWay,
    SeriesImporting,
    store_in_chunks,
    store_whole,
    take_back_interrupted,
)
from storage.database import is_unavailable
from storage.import_formats import ImportFailed, RowError, read_rows
from storage.import_runs import BY_DEFAULT, Chunking, ImportTakenBack
from storage.importers import ImportResult, check_rows, series_ids
from storage.models import AuditEntry

log = logging.getLogger(__name__)


async def import_file(
    context: Context,
    path: Path,
    *,
    file_format: str | None,
    series: str | None,
    caller: Caller,
    on_row: Callable[[int], None] | None = None,
    quiet: bool = False,
    chunking: Chunking = BY_DEFAULT,
) -> ImportResult:
    """Import one file, all rows or none, with the alerts it causes unless `quiet`.

    Every row is read and checked first, holding no lock, so that the bot's writes go on
    meanwhile; then the checked rows are stored in one transaction, or from
    `chunking.from_rows` rows on, chunk by chunk, taken back if one fails. An import alerts
    at most once per subscription: for its newest incident, when that ends the current
    pause. A database that fails on the way is an ImportFailed that says nothing was stored.
    """
    result, _ = await _import(
        context,
        path,
        file_format=file_format,
        series=series,
        caller=caller,
        on_row=on_row,
        quiet=quiet,
        request_key=None,
        chunking=chunking,
    )
    return result


async def _import(
    context: Context,
    path: Path,
    *,
    file_format: str | None,
    series: str | None,
    caller: Caller,
    on_row: Callable[[int], None] | None,
    quiet: bool,
    request_key: str | None,
    chunking: Chunking = BY_DEFAULT,
) -> tuple[ImportResult, bool]:

    rows = read_rows(path, file_format, series or context.settings.default_series)
    today = context.today()
    try:
        async with context.database.read() as session:
            known = await series_ids(session)
        staged = await check_rows(rows, known, today=today, on_row=on_row)
        try:
            # An import its process left part-way is taken back before another is stored.
            await take_back_interrupted(context)
            store = store_in_chunks if chunking.applies(staged) else store_whole
            result, first_time = await store(
                context, staged, path.name, caller, today, quiet, request_key, chunking
            )
        finally:
            staged.close()
    except LeftPartWay:
        raise ImportFailed([RowError(str(path), IMPORT_LEFT_PART_WAY)]) from None
    except ImportTakenBack:
        raise ImportFailed([RowError(str(path), IMPORT_TAKEN_BACK)]) from None
    except SeriesImporting as busy:
        message = (
            f"another import into {', '.join(busy.names)} is still being stored, so nothing "
            "was stored; import this file again once it is done"
        )
        raise ImportFailed([RowError(str(path), message)]) from None
    except (DBAPIError, OSError) as error:
        if not is_unavailable(error):
            raise
        log.warning("the database failed during an import: %s", error)
        raise ImportFailed([RowError(str(path), IMPORT_UNAVAILABLE)]) from None
    if first_time:
        context.notify()
    if first_time and result.added >= ANALYZE_AFTER:
        await _analyze(context)
    return result, first_time


# An import of this many incidents refreshes the planner's statistics (a second at a million).
ANALYZE_AFTER = 1_000


async def _analyze(context: Context) -> None:
    try:
        await context.database.analyze()
    except (DBAPIError, OSError) as error:
        # The import itself is stored; the statistics can wait for the next import.
        if not is_unavailable(error):
            raise
        log.warning("the planner's statistics were not refreshed after an import: %s", error)


IMPORT_TAKEN_BACK = (
    "the import stored nothing for 10 minutes and was taken back as one whose process had "
    "stopped, so nothing was stored; import the file again"
)
IMPORT_UNAVAILABLE = (
    "the database was not available (busy, read-only or unreachable), so nothing was stored; "
    "import the file again once it is back"
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
    placed: int = 0  # rows the gazetteer gave a point


async def import_content(
    context: Context,
    content: bytes,
    *,
    file_format: str,
    series: str | None,
    caller: Caller,
    request_key: str | None = None,
    chunking: Chunking = BY_DEFAULT,
) -> ImportSummary:
    """Import a file's content sent over the network, once per `request_key`, like a file.

    Raise ImportRefused (nothing stored) when any row is bad.
    """

    suffix = ".json" if file_format == "json" else ".csv"
    with tempfile.TemporaryDirectory(prefix="pausewatch-import-") as folder:
        path = Path(folder) / f"{caller.platform}-import{suffix}"
        path.write_bytes(content)
        try:
            result, first_time = await _import(
                context,
                path,
                file_format=file_format,
                series=series,
                caller=caller,
                on_row=None,
                quiet=False,
                request_key=request_key,
                chunking=chunking,
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
        placed=result.placed,
    )


async def load_sample_on_first_run(context: Context) -> ImportResult | None:
    """Import the sample data set into a database that has never been written to."""
    settings = context.settings
    if not settings.load_sample_data:
        return None
    async with context.database.read() as session:
        writes = await session.scalar(select(func.count()).select_from(AuditEntry))
    if writes:
        return None
    if not settings.sample_data.is_file():
        log.warning(
            "sample data %s not found; starting with an empty database", settings.sample_data
        )
        return None
    return await import_file(
        context,
        settings.sample_data,
        file_format="csv",
        series=None,
        caller=Caller("sample", True),
        quiet=True,
    )
