"""A large import's covering indexes set aside on SQLite: dropped before its rows go in, made after.

Each of the six covering indexes (storage.models: a filter key, the day and the other keys)
takes a row at a random place in a large B-tree, so a million rows cost millions of scattered
page writes; made again from the table, each is one sort. It is done inside the import's
transaction: SQLite's other connections read the snapshot before it, indexes and all, and a
failed import rolls the drop back with the rest. Not on PostgreSQL, where dropping an index
locks the table against every reader until the import commits.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import Connection, Index, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.bulk import table_of
from storage.models import Incident

# An import of at least this many rows, and a quarter of the stored ones, sets them aside:
# below it, making the indexes again from the whole table costs more than it saves.
BULK_ROWS = 50_000
COVERING: tuple[Index, ...] = tuple(
    index
    for index in sorted(table_of(Incident).indexes, key=lambda index: str(index.name))
    if str(index.name).startswith("ix_incidents_live_")
)


@asynccontextmanager
async def covering_indexes_set_aside(session: AsyncSession, rows: int) -> AsyncIterator[bool]:
    """Drop the covering indexes for an import of `rows` rows when that pays, and make them
    again when it is done; say whether they were set aside."""
    if not await _pays(session, rows):
        yield False
        return
    connection = await session.connection()
    await connection.run_sync(_drop)
    yield True
    await connection.run_sync(_create)
    # Dropping an index drops its statistics, which a question with two filters needs to
    # pick the better index; an import that added few new rows would not refresh them.
    await connection.exec_driver_sql("ANALYZE incidents")


def _drop(connection: Connection) -> None:
    for index in COVERING:
        index.drop(connection)


def _create(connection: Connection) -> None:
    for index in COVERING:
        index.create(connection)


async def _pays(session: AsyncSession, rows: int) -> bool:
    if session.get_bind().dialect.name != "sqlite" or rows < BULK_ROWS:
        return False
    # The highest id, not a count: a count reads the whole table.
    stored = await session.scalar(select(func.max(Incident.id))) or 0
    return rows * 4 >= stored
