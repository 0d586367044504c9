"""Many rows at driver speed: the driver lent inside a session's transaction, and counter upserts.

SQLAlchemy's per-row parameter handling costs more than the database's own work when a
million rows arrive, so these go straight to the driver, inside the session's transaction,
applying the same value conversions SQLAlchemy would (taken from the column types).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import Dialect, Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.database import driver_says_unavailable


def table_of(model: type[Any]) -> Table:
    """Return the Table of a mapped class (typed as such, which `__table__` is not)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


@asynccontextmanager
async def driver_of(session: AsyncSession) -> AsyncIterator[tuple[Any, Dialect]]:
    """Lend the session's driver connection; one the database broke is not pooled again."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    try:
        yield raw.driver_connection, connection.dialect
    except Exception as error:
        if type(error).__module__.split(".")[0] not in ("sqlite3", "asyncpg"):
            raise
        # SQLAlchemy's own error handling sees none of the driver's errors: drop a
        # connection an outage broke (or left read-only) here, and wrap the error as
        # SQLAlchemy would, so that callers meet one kind of database error.
        broken = driver_says_unavailable(error)
        if broken:
            await connection.invalidate(error)
        raise DBAPIError.instance(
            None, None, error, Exception, connection_invalidated=broken, dialect=connection.dialect
        ) from error


def relabeled(table: str, counter: str, label: str) -> str:
    """Return an upsert's new `label`, as SQL: the row's own where the stored `counter` is
    zero (a value no live incident holds takes the spelling of the next one), else kept."""
    return f"CASE WHEN {table}.{counter} = 0 THEN excluded.{label} ELSE {table}.{label} END"


def _placeholders(dialect: Dialect, count: int) -> str:
    if dialect.name == "postgresql":
        return ", ".join(f"${n}" for n in range(1, count + 1))
    return ", ".join("?" for _ in range(count))


def driver_values(
    dialect: Dialect, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> list[Any]:
    """Convert values as SQLAlchemy would before handing them to this dialect's driver.

    Columns that are not the table's own are given as they are.
    """
    # Dates repeat across thousands of rows: convert each distinct value once.
    converters = [
        (index, lru_cache(maxsize=8192)(processor))
        for index, name in enumerate(columns)
        if name in table.c
        and (processor := table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
        is not None
    ]
    if not converters:
        return rows
    converted = []
    for row in rows:
        values = list(row)
        for index, processor in converters:
            if values[index] is not None:
                values[index] = processor(values[index])
        converted.append(values)
    return converted


async def add_to_counters(
    session: AsyncSession,
    table: Table,
    columns: Sequence[str],
    key: Sequence[str],
    counter: str,
    rows: list[tuple[Any, ...]],
    *,
    stamp: str | None = None,
    relabel: str | None = None,
) -> None:
    """Insert rows, or where the key exists add the row's `counter` to the stored one.

    An added delta, unlike a recount, stays right when two writers touch one row at once.
    The `stamp` column, if named, is set to the row's own value either way; the `relabel`
    one, if named, where the stored counter is zero (the row counts nothing any more).
    """
    async with driver_of(session) as (driver, dialect):
        await _upsert(driver, dialect, table, columns, key, counter, rows, stamp, relabel)


async def _upsert(
    driver: Any,
    dialect: Dialect,
    table: Table,
    columns: Sequence[str],
    key: Sequence[str],
    counter: str,
    rows: list[tuple[Any, ...]],
    stamp: str | None,
    relabel: str | None,
) -> None:
    names = ", ".join(columns)
    on_conflict = (
        f"ON CONFLICT ({', '.join(key)}) "
        f"DO UPDATE SET {counter} = {table.name}.{counter} + excluded.{counter}"
    )
    if stamp is not None:
        on_conflict += f", {stamp} = excluded.{stamp}"
    if relabel is not None:
        on_conflict += f", {relabel} = {relabeled(table.name, counter, relabel)}"
    if dialect.name == "postgresql":
        # One set-based upsert from a COPY is many times faster than a row-by-row one.
        staging = f"{table.name}_staged"
        await driver.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} "
            f"(LIKE {table.name}) ON COMMIT DELETE ROWS"
        )
        await driver.copy_records_to_table(staging, records=rows, columns=list(columns))
        await driver.execute(
            f"INSERT INTO {table.name} ({names}) SELECT {names} FROM {staging} {on_conflict}"  # noqa: S608
        )
        await driver.execute(f"TRUNCATE {staging}")
        return
    statement = (
        f"INSERT INTO {table.name} ({names}) "  # noqa: S608 (names from the models)
        f"VALUES ({_placeholders(dialect, len(columns))}) {on_conflict}"
    )
    await driver.executemany(statement, driver_values(dialect, table, columns, rows))
