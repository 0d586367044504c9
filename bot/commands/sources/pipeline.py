"""A source's run: fetch, check every row, store all or nothing; and which source is due.

A run keeps the source's position only with the data it read, so that a failed run stores
nothing and starts again from the last good position. The run that begins a source's
failures, and the one that ends them, tell its channels in the same transaction (notices.py).
The fetching itself (HTTP, ACLED's API) is an adapter's (bot/sources) behind the port of
bot/commands/fetching.py.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from bot.commands.command import CommandError
from bot.commands.context import Context
from bot.commands.fetching import Fetched, SourceError, SourceSpec
from bot.commands.sources import notices, tally
from bot.commands.sources.reports import RunReport
from bot.commands.sources.schedule import slot_of
from bot.commands.sources.store import store
from storage import sources as stored_sources
from storage.database import is_unavailable
from storage.import_formats import ImportFailed, RawRow, acled_rows, read_rows
from storage.import_tables import is_importing
from storage.importers import check_rows
from storage.models import Series, Source
from storage.writes import WriteError

# The package's name, so that the run's log lines read as they did before the split.
log = logging.getLogger("bot.commands.sources")
SHOWN_ERRORS = 3


async def run_due(context: Context) -> list[RunReport]:
    """Run each source whose slot has come and that no replica has claimed (the scheduler)."""
    now = context.clock()
    async with context.database.read() as session:
        due = [(s.id, s.name, s.every_minutes) for s, _, _ in await stored_sources.listing(session)]
    reports = []
    for source_id, name, every in due:
        slot = slot_of(name, every, now)
        async with context.database.write() as session:
            claimed = await stored_sources.claim_slot(session, source_id, slot)
        if claimed:
            try:
                report = await run(context, name)
            except asyncio.CancelledError:
                # The bot is stopping mid-run: a run stores all or nothing, so the slot goes
                # back for the next start (or another replica) to run.
                async with context.database.write() as session:
                    await stored_sources.release_slot(session, source_id, slot)
                raise
            if report.put_off:  # the slot goes back: the next check runs it
                async with context.database.write() as session:
                    await stored_sources.release_slot(session, source_id, slot)
            reports.append(report)
    return reports


async def run(context: Context, name: str) -> RunReport:
    """Run one source now: fetch, check every row, store all or nothing, alert, queue reviews."""
    report = await _run(context, name)
    if not report.put_off:
        tally.record(context.database, report)
    return report


async def _run(context: Context, name: str) -> RunReport:
    async with context.database.read() as session:
        source = await stored_sources.by_name(session, name)
        if source is None:
            raise CommandError(f"there is no source {name!r}; `source list` lists them")
        series = await session.get(Series, source.series_id)
        assert series is not None
        if await is_importing(session, series.id):
            # A row it took as known from a half-stored import would be lost were that
            # import taken back: the run waits, unfetched (run_due gives its slot back).
            return RunReport(
                source.name,
                ok=True,
                message=f"put off: an import into {series.name} is being stored; it runs "
                "once that is done",
                put_off=True,
            )
    fetcher = context.fetcher
    if fetcher is None:
        raise CommandError("sources cannot be read here: this process has no network fetcher")
    spec = SourceSpec(
        name=source.name,
        kind=source.kind,
        url=source.url,
        query=dict(source.query),
        etag=source.etag,
        last_modified=source.last_modified,
        position=dict(source.position or {}),
        now=context.clock(),
    )
    try:
        fetched = await fetcher.fetch(spec)
    except SourceError as error:
        return await _failed(context, source, str(error))
    if fetched.unchanged:
        return await _succeeded(
            context, source, fetched, "unchanged since the last run (the server said 304)"
        )
    today = context.today()
    try:
        rows = _raw_rows(source, series.name, fetched)
        staged = await check_rows(rows, {series.name: series.id}, today=today)
    except ImportFailed as failed:
        return await _failed(context, source, _bad_rows(failed))
    try:
        checked = [row for chunk in staged.chunks() for row in chunk]
        read = staged.read
    finally:
        staged.close()
    try:
        async with context.database.write() as session:
            report = await store(context, session, source, series, checked, read, fetched, today)
            now = context.clock()
            ended = await stored_sources.record_success(
                session,
                source.id,
                now=now,
                message=report.message,
                etag=fetched.etag,
                last_modified=fetched.last_modified,
                position=fetched.position or None,
            )
            told = await notices.after_success(
                session, source, ended, report.message, now, context.settings
            )
    except WriteError as error:
        return await _failed(context, source, f"{error}; nothing was stored")
    except (DBAPIError, OSError) as error:
        if not is_unavailable(error):
            raise
        log.warning("the database failed during the run of source %s: %s", name, error)
        return await _failed(
            context, source, "the database was not available, so nothing was stored"
        )
    if report.added or report.updated or report.deleted or report.queued or told:
        context.notify()
    return report


def _raw_rows(source: Source, series: str, fetched: Fetched) -> Iterator[RawRow]:
    if source.kind == "acled":
        return iter(list(acled_rows(fetched.events, series)))
    # The file readers take a path: the content goes through a temporary file, read whole
    # here so that the file can go at once.
    suffix = ".json" if source.kind == "json" else ".csv"
    with tempfile.TemporaryDirectory(prefix="pausewatch-source-") as folder:
        path = Path(folder) / f"{source.name}{suffix}"
        path.write_bytes(fetched.content or b"")
        rows = list(read_rows(path, "json" if source.kind == "json" else None, series))
        return iter([RawRow(row.where.replace(str(path), "the file"), row.values) for row in rows])


def _bad_rows(failed: ImportFailed) -> str:
    shown = "; ".join(str(e) for e in failed.errors[:SHOWN_ERRORS])
    more = failed.total_errors - min(len(failed.errors), SHOWN_ERRORS)
    tail = f" (and {more} more)" if more > 0 else ""
    return f"nothing was stored: {shown}{tail}"


async def _failed(context: Context, source: Source, message: str) -> RunReport:
    """Record a failed run; the run that begins a source's failures tells its channels."""
    log.warning("source %s: %s", source.name, message)
    told = 0
    try:
        async with context.database.write() as session:
            now = context.clock()
            streak = await stored_sources.record_failure(
                session, source.id, now=now, message=message
            )
            told = await notices.after_failure(
                session, source, streak, message, now, context.settings
            )
    except (DBAPIError, OSError) as error:
        if not is_unavailable(error):
            raise
    if told:
        context.notify()
    return RunReport(source.name, ok=False, message=message)


async def _succeeded(context: Context, source: Source, fetched: Fetched, message: str) -> RunReport:
    """Record a good run that stored nothing; one that ends failures tells the channels."""
    async with context.database.write() as session:
        now = context.clock()
        ended = await stored_sources.record_success(
            session,
            source.id,
            now=now,
            message=message,
            etag=fetched.etag or source.etag,
            last_modified=fetched.last_modified or source.last_modified,
            position=fetched.position or source.position,
        )
        told = await notices.after_success(session, source, ended, message, now, context.settings)
    if told:
        context.notify()
    return RunReport(source.name, ok=True, message=message)
