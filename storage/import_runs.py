"""A large import stored chunk by chunk, each in its own transaction, and taken back if it fails.

One transaction for a million rows holds the series' lock (on SQLite, the one writer's) for
minutes: every add and edit waits. Committed chunk by chunk, others' writes go on between
two chunks and questions read the chunks stored so far. Each chunk records the incident ids
it took (storage.import_tables), so that an import that fails part-way, or whose process
stopped, is taken back: its incidents removed and counted out, chunk by chunk, as if it had
never run. Others' writes between the chunks stay.

The covering indexes are not set aside (storage.set_aside) on this path: that is undone only
within one transaction, and questions between two chunks read through them. Without it a
row costs more (at 200,000 ACLED-shaped rows on SQLite the store takes about twice as long
as in one transaction: bench/import_adds.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.database import Database
from storage.import_tables import (
    DONE,
    RUNNING,
    STORING,
    TAKEN_BACK,
    TAKING_BACK,
    ImportChunk,
    ImportRun,
)
from storage.importers import (
    ImportResult,
    Staged,
    audit_result,
    numbered,
    store_numbered,
)
from storage.models import Incident, SeenRequest
from storage.staging import take_back
from storage.writes import bump_revision

# An import of at least this many rows is stored in chunks; a smaller one in one
# transaction, all or nothing, which at this size holds the lock for a few seconds.
CHUNKED_FROM = 50_000
# The rows of a large import's first chunk; the next ones are as many as held the series'
# lock (SQLite's one writer's) about HOLD_S at the pace of the chunk before, for an add waits
# for one chunk at most. The pace falls as the tables grow (at 1M ACLED-shaped rows a chunk
# of 2,000 rows held the lock for 1 to 3 s), and each chunk writes its value and pair counts
# anew, so smaller chunks make the import slower: at 200,000 ACLED-shaped rows on SQLite
# (bench/import_adds.py), 0.3 s gave adds a p99 of 0.34 s and took 366 s, 0.6 s a p99 of
# 0.70 s in 206 s, chunks of 2,000 rows 1.6 s in 135 s.
CHUNK_ROWS = 2_000
HOLD_S = 0.5
MIN_CHUNK_ROWS = 100
MAX_CHUNK_ROWS = 10_000
# An import still storing whose last chunk is older than this was left by a process that
# stopped (a chunk takes a second or two), and is taken back.
LEASE = timedelta(minutes=10)


class ImportTakenBack(Exception):
    """The import was taken back while it was storing (it had seemed stopped)."""


@dataclass(frozen=True)
class Chunking:
    """How a large import is stored: from how many rows in chunks; how many rows its first
    chunk holds, and the next ones (all as many without `hold_s`, else as many as hold the
    lock about `hold_s` seconds); and what to await between two chunks (a test holds an
    import there)."""

    from_rows: int = CHUNKED_FROM
    rows: int = CHUNK_ROWS
    hold_s: float | None = None
    min_rows: int = MIN_CHUNK_ROWS
    max_rows: int = MAX_CHUNK_ROWS
    between: Callable[[], Awaitable[None]] | None = None

    def applies(self, staged: Staged) -> bool:
        """Say whether these rows are stored in chunks."""
        return staged.read >= self.from_rows

    def next_rows(self, rows: int, held: float, *, added: int | None = None) -> int:
        """Return the next chunk's rows after one of `rows`, of which it `added` (all if not
        said), held the lock `held` seconds: as many as would hold it `hold_s` at that pace,
        at most twice as many as it added or, if more, as many as the first chunk.

        Rows already stored cost little: a chunk of them is quick, and the next one, of new
        rows, must not be many times larger for it.
        """
        if self.hold_s is None or held <= 0:
            return rows
        paced = int(rows * self.hold_s / held)
        grown = max(2 * (rows if added is None else added), self.rows)
        return max(self.min_rows, min(paced, grown, self.max_rows))


BY_DEFAULT = Chunking(hold_s=HOLD_S)


def chunks(
    staged: Staged, size: Callable[[], int], actor: str, now: datetime
) -> Iterator[list[tuple[Any, ...]]]:
    """Give back the staged rows numbered (storage.importers.numbered) in chunks, each of as
    many rows as `size` says when it is cut (the last one fewer)."""
    line = 0
    waiting: list[tuple[Any, ...]] = []
    for rows in staged.tuples():
        waiting.extend(rows)
        while len(waiting) >= (wanted := size()):
            yield numbered(waiting[:wanted], line, actor, now)
            line += wanted
            del waiting[:wanted]
    while waiting:
        taken = waiting[: size()]
        yield numbered(taken, line, actor, now)
        line += len(taken)
        del waiting[: len(taken)]


async def begin(
    session: AsyncSession,
    staged: Staged,
    *,
    actor: str,
    file_name: str,
    request_key: str | None,
    now: datetime,
    watched: dict[str, Any] | None = None,
) -> int:
    """Record an import about to be stored in chunks, with what its alerts are counted from
    (ImportRun.watched); return its id."""
    run = ImportRun(
        state=STORING,
        series=sorted(staged.series_ids),
        actor=actor,
        file_name=file_name[:300],
        request_key=request_key,
        started_at=now,
        heartbeat_at=now,
        checked_rows=staged.read,
        watched=watched,
    )
    session.add(run)
    await session.flush()
    return run.id


async def store_part(
    session: AsyncSession,
    import_id: int,
    series: list[int],
    chunk: list[tuple[Any, ...]],
    *,
    names: dict[int, str],
    result: ImportResult,
    now: datetime,
) -> None:
    """Store one chunk of an import in the caller's transaction, with all its counts, and
    record the incident ids it took."""
    # Raising the revisions locks the series: no other writer adds to them until this
    # commits, so every id of theirs between the two reads of the highest id is this chunk's.
    revisions = await bump_revision(session, series)
    await _beat(session, import_id, now)
    before = await _highest_id(session)
    await store_numbered(session, chunk, revisions, names, result)
    after = await _highest_id(session)
    if after > before:
        session.add(ImportChunk(import_id=import_id, first_id=before + 1, last_id=after))


async def finish(
    session: AsyncSession,
    import_id: int,
    result: ImportResult,
    *,
    actor: str,
    now: datetime,
    source_name: str,
) -> None:
    """Mark an import stored, in its last transaction, and audit it as any import.

    Its series' revisions are raised: what was read of them while it stored (and said so)
    is read again.
    """
    run = await session.get_one(ImportRun, import_id)
    await bump_revision(session, run.series)
    await _beat(session, import_id, now, state=DONE)
    run.watched = None  # needed only while it could be taken back
    await session.execute(delete(ImportChunk).where(ImportChunk.import_id == import_id))
    audit_result(session, result, actor=actor, now=now, source_name=source_name)


async def take_back_import(
    database: Database, import_id: int, clock: Callable[[], datetime], *, stale: bool = False
) -> bool:
    """Take back what an import stored, a chunk per transaction; say whether it was taken back.

    An import's own failure takes it back; with `stale`, only one whose last chunk is older
    than the lease (its process stopped) is, never one still storing elsewhere. A take-back
    that stops part-way is picked up again after the lease.
    """
    async with database.write() as session:
        marked = update(ImportRun).where(ImportRun.id == import_id, ImportRun.state.in_(RUNNING))
        if stale:
            marked = marked.where(ImportRun.heartbeat_at < clock() - LEASE)
        taken = cast(
            CursorResult[Any],
            await session.execute(marked.values(state=TAKING_BACK, heartbeat_at=clock())),
        )
        if not taken.rowcount:
            return False
    while await _take_back_chunk(database, import_id, clock):
        pass
    return True


@dataclass(frozen=True)
class TakenBack:
    """An import taken back after its process stopped: its series, and what its alerts are
    counted from (ImportRun.watched)."""

    series: list[int]
    watched: dict[str, Any] | None


async def take_back_stale(database: Database, clock: Callable[[], datetime]) -> list[TakenBack]:
    """Take back every import whose process stopped part-way (see LEASE); return them."""
    async with database.read() as session:
        stale = await session.execute(
            select(ImportRun.id, ImportRun.series, ImportRun.watched).where(
                ImportRun.state.in_(RUNNING),
                ImportRun.heartbeat_at < clock() - LEASE,
            )
        )
        found = stale.all()
    taken = []
    for import_id, series, watched in found:
        if await take_back_import(database, import_id, clock, stale=True):
            taken.append(TakenBack(series, watched))
    return taken


async def _take_back_chunk(
    database: Database, import_id: int, clock: Callable[[], datetime]
) -> bool:
    """Take back an import's newest chunk; say whether there was one (else mark it taken back)."""
    async with database.write() as session:
        series = await session.scalar(select(ImportRun.series).where(ImportRun.id == import_id))
        # Locked first, as a chunk locks them: the chunk read next is not taken back twice.
        revisions = await bump_revision(session, series or [])
        chunk = await session.scalar(
            select(ImportChunk)
            .where(ImportChunk.import_id == import_id)
            .order_by(ImportChunk.id.desc())
            .limit(1)
        )
        if chunk is None:
            run = await session.get(ImportRun, import_id)
            assert run is not None
            run.state = TAKEN_BACK
            run.watched = None  # read by the caller before (take_back_stale)
            if run.request_key is not None:
                # Asked again under its key, the import is stored then.
                await session.execute(delete(SeenRequest).where(SeenRequest.key == run.request_key))
            return False
        await take_back(session, chunk.first_id, chunk.last_id, series or [], revisions)
        await session.delete(chunk)
        await _beat(session, import_id, clock(), state=TAKING_BACK, expected=TAKING_BACK)
        return True


async def _beat(
    session: AsyncSession,
    import_id: int,
    now: datetime,
    *,
    state: str = STORING,
    expected: str = STORING,
) -> None:
    """Write the import's heartbeat (and state); raise ImportTakenBack if it is not `expected`."""
    beaten = cast(
        CursorResult[Any],
        await session.execute(
            update(ImportRun)
            .where(ImportRun.id == import_id, ImportRun.state == expected)
            .values(heartbeat_at=now, state=state)
        ),
    )
    if not beaten.rowcount:
        raise ImportTakenBack(f"import #{import_id} was taken back: it had seemed stopped")


async def _highest_id(session: AsyncSession) -> int:
    # The highest id, not a count: one step down the primary key.
    return int(await session.scalar(select(func.max(Incident.id))) or 0)
