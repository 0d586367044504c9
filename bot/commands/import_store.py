"""An import's checked rows stored: in one transaction, or chunk by chunk, with its alerts.

The request key is claimed, and the last incident days watched, before anything is stored;
the alerts are queued and the result kept under the key in the same transaction as the last
rows. A large import goes chunk by chunk (storage.import_runs) and is taken back if it fails.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands.context import Caller, Context
from bot.notify import alerts
from storage import import_runs, seen
from storage.import_runs import Chunking
from storage.import_tables import importing_series
from storage.importers import ImportResult, Staged, series_names, store_rows
from storage.models import Series

log = logging.getLogger(__name__)


async def store_whole(
    context: Context,
    staged: Staged,
    source_name: str,
    caller: Caller,
    today: date,
    quiet: bool,
    request_key: str | None,
    _chunking: Chunking,
) -> tuple[ImportResult, bool]:
    """Store an import in one transaction with its alerts: all rows or none.

    Return the result and whether it was stored now (False: the result of an import sent
    earlier under the same request key, nothing stored).
    """
    now = context.clock()
    async with context.database.write() as session:
        if request_key is not None:
            earlier = await seen.claim(session, request_key, now)
            if earlier is not None:
                return _replayed(earlier), False
        await _refuse_while_importing(session, staged)
        watches = await _watches(session, today) if not quiet else {}
        result = await store_rows(
            session, staged, actor=caller.user, now=now, source_name=source_name
        )
        await _queue_alerts(context, session, watches, result, today, now)
        if request_key is not None:
            await seen.answer(session, request_key, {"import": _result_data(result)})
    return result, True


async def store_in_chunks(
    context: Context,
    staged: Staged,
    source_name: str,
    caller: Caller,
    today: date,
    quiet: bool,
    request_key: str | None,
    chunking: Chunking,
) -> tuple[ImportResult, bool]:
    """Store a large import chunk by chunk, each chunk in its own transaction, so that
    others' writes go on between them; take back what it stored if it fails.

    The request key is claimed, and the last incident days watched, before the first
    chunk; the alerts are queued and the result kept under the key in the last transaction.
    """
    clock = context.clock
    now = clock()
    database = context.database
    async with database.write() as session:
        if request_key is not None:
            earlier = await seen.claim(session, request_key, now)
            if earlier is not None:
                return _replayed(earlier), False
            await seen.answer(session, request_key, {IMPORTING: True})
        await _refuse_while_importing(session, staged)
        watches = await _watches(session, today) if not quiet else {}
        names = await series_names(session)
        import_id = await import_runs.begin(
            session,
            staged,
            actor=caller.user,
            file_name=source_name,
            request_key=request_key,
            now=now,
            watched={
                str(sid): alerts.watched_data(kept)
                for sid, (_, kept) in watches.items()
                if sid in staged.series_ids
            },
        )
    result = ImportResult(read=staged.read, placed=staged.placed)
    series = sorted(staged.series_ids)
    try:
        rows = chunking.rows  # each chunk's, paced by the one before (Chunking.next_rows)
        parts = import_runs.chunks(staged, lambda: rows, caller.user, now)
        held = 0.0
        for n, chunk in enumerate(parts):
            if n and chunking.between is not None:
                await chunking.between()
            await database.let_writers_in(held)
            added = result.added
            async with database.write() as session:
                # Timed once the write lock is held (SQLite's, taken as the write begins):
                # the wait for an add is not the chunk's pace.
                began = time.perf_counter()
                await import_runs.store_part(
                    session,
                    import_id,
                    series,
                    chunk,
                    names=names,
                    result=result,
                    now=clock(),
                )
            held = time.perf_counter() - began
            rows = chunking.next_rows(len(chunk), held, added=result.added - added)
        async with database.write() as session:
            # Stored now, minutes after it began: its alerts are held by the hours of now.
            finished = clock()
            await import_runs.finish(
                session,
                import_id,
                result,
                actor=caller.user,
                now=finished,
                source_name=source_name,
            )
            # Against the days watched before the first chunk (alerts wait while an import
            # stores: bot.notify.alerts), so an add between two chunks alerts here, once:
            # in each of its series, the rows it added or not.
            if watches:
                await _queue_alerts_of(context, session, watches, series, today, finished)
            if request_key is not None:
                await seen.answer(session, request_key, {"import": _result_data(result)})
    except BaseException as error:
        if not await _take_back(context, import_id):
            if isinstance(error, Exception):
                raise LeftPartWay from error
        elif watches:
            await _alert_after_take_back(context, watches, series, today)
        raise
    return result, True


Watches = dict[int, tuple[Series, list[alerts.Watch]]]


async def _watches(session: AsyncSession, today: date) -> Watches:
    """Note each series' subscriptions' last incident days before an import writes."""
    watches = {}
    for stored in await session.scalars(select(Series)):
        watches[stored.id] = (stored, await alerts.watch(session, stored, today))
    return watches


async def _queue_alerts(
    context: Context,
    session: AsyncSession,
    watches: Watches,
    result: ImportResult,
    today: date,
    now: datetime,
) -> None:
    added = [sid for sid, (stored, _) in watches.items() if stored.name in result.added_by_series]
    await _queue_alerts_of(context, session, watches, added, today, now)


async def _queue_alerts_of(
    context: Context,
    session: AsyncSession,
    watches: Watches,
    series: list[int],
    today: date,
    now: datetime,
) -> None:
    """Queue the alerts of these series' writes since their watches were taken."""
    for series_id in series:
        stored, watched = watches[series_id]
        await alerts.queue_alerts(
            session,
            settings=context.settings,
            series=stored,
            watches=watched,
            today=today,
            now=now,
        )


async def _alert_after_take_back(
    context: Context, watches: Watches, series: list[int], today: date
) -> None:
    """Queue the alerts others' writes between the chunks held back (bot.notify.alerts waits
    while an import stores), now that the series are as they were without the import."""
    try:
        async with context.database.write() as session:
            await _queue_alerts_of(context, session, watches, series, today, context.clock())
    except (DBAPIError, OSError) as error:
        log.warning("the alerts held back by a failed import could not be queued: %s", error)


async def _take_back(context: Context, import_id: int) -> bool:
    """Take back a failed import's chunks; say whether that was done. A database that fails
    here leaves them to be taken back after the lease (storage.import_runs.LEASE)."""
    try:
        await import_runs.take_back_import(context.database, import_id, context.clock)
    except (DBAPIError, OSError) as error:
        log.warning("import #%s could not be taken back yet: %s", import_id, error)
        return False
    return True


# What a chunked import keeps under its request key until its last chunk keeps its result.
IMPORTING = "importing"


class SeriesImporting(Exception):
    """Another import is storing into the series, chunk by chunk: `names` are those series."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(", ".join(names))
        self.names = names


async def _refuse_while_importing(session: AsyncSession, staged: Staged) -> None:
    """Refuse an import into a series another import is storing: a row skipped here as one
    that import stored would be lost if that import were then taken back."""
    busy = await importing_series(session) & staged.series_ids
    if busy:
        names = await series_names(session)
        raise SeriesImporting(sorted(names[series_id] for series_id in busy))


class ImportInProgress(Exception):
    """An import sent again under the key of one still being stored, chunk by chunk."""


def _replayed(earlier: dict[str, object]) -> ImportResult:
    """Return the result kept under a request key; raise ImportInProgress while the import
    that claimed it is still storing (its result is kept with its last chunk)."""
    kept = earlier.get("import")
    if kept is None and earlier.get(IMPORTING):
        raise ImportInProgress
    return result_from_data(kept if isinstance(kept, dict) else {})


class LeftPartWay(Exception):
    """A chunked import failed and what it stored could not be taken back yet."""


# Imported again before then, its rows would count as stored, and then be taken back.
IMPORT_LEFT_PART_WAY = (
    "the database was not available (busy, read-only or unreachable) part-way through; the "
    "rows stored so far are taken back when the bot starts or another import begins, 10 "
    "minutes after: import the file again after that"
)


async def take_back_interrupted(context: Context) -> int:
    """Take back the imports a process that stopped left part-way (at the bot's start and
    before each import); return how many."""
    taken = await import_runs.take_back_stale(context.database, context.clock)
    if taken:
        log.warning("took back %s imports left part-way by a process that stopped", len(taken))
    for run in taken:
        if run.watched:
            await _alert_after_stale(context, run)
    return len(taken)


async def _alert_after_stale(context: Context, run: import_runs.TakenBack) -> None:
    """Queue the alerts that writes between the chunks of an import whose process stopped
    held back, against the days noted before it (its own watches died with it)."""
    watched = run.watched or {}
    watches: Watches = {}
    try:
        async with context.database.read() as session:
            for series_id in run.series:
                series = await session.get(Series, series_id)
                if series is not None:
                    data = watched.get(str(series_id), [])
                    kept = await alerts.watches_of(session, series_id, data)
                    watches[series_id] = (series, kept)
    except (DBAPIError, OSError) as error:
        log.warning("the alerts held back by a stopped import could not be read: %s", error)
        return
    await _alert_after_take_back(context, watches, sorted(watches), context.today())


def _result_data(result: ImportResult) -> dict[str, object]:
    return {
        "read": result.read,
        "added": result.added,
        "skipped": result.skipped,
        "added_by_series": dict(result.added_by_series),
        "placed": result.placed,
    }


def result_from_data(data: dict[str, object]) -> ImportResult:

    by_series = data.get("added_by_series")
    return ImportResult(
        read=int(str(data.get("read", 0))),
        added=int(str(data.get("added", 0))),
        skipped=int(str(data.get("skipped", 0))),
        added_by_series=Counter(by_series if isinstance(by_series, dict) else {}),
        placed=int(str(data.get("placed", 0))),
    )
