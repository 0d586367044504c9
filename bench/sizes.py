"""The raw insert the import is measured against, and the space the database and the raw table take.

The raw insert writes the same rows, unchecked, with the driver alone (one `executemany` on
SQLite, `COPY` on PostgreSQL) into one table: with the incidents' own indexes (the small
profile's limit), or lean, as issue 28 measures it: the row's id, a unique external id and a
(series, day) index. Sizes are bytes: a table's with its indexes; the database's as the file
with its write-ahead log after a checkpoint (SQLite) or all of pausewatch's tables (PostgreSQL).
"""

from __future__ import annotations

import csv
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bot.commands.core import Core
from bot.domain.filters import normalised

NAMES = (
    "series_id, occurred_on, country, location, actor, kind, killed, source, external_id, "
    "recorded_by, recorded_at, country_key, location_key, actor_key, kind_key"
)
# The tables whose sizes and rows are shown: the incidents and the counts kept beside them.
TABLES = ("incidents", "day_counts", "pair_counts", "filter_values")
LEAN_SQLITE = (
    "CREATE UNIQUE INDEX raw_ext ON raw_bench (series_id, external_id)",
    "CREATE INDEX raw_day ON raw_bench (series_id, occurred_on)",
)
LEAN_POSTGRESQL = (
    "ALTER TABLE raw_bench ADD PRIMARY KEY (id)",  # SQLite's rowid
    *LEAN_SQLITE,
)


def raw_rows(data: Path) -> list[tuple[Any, ...]]:
    """The file's rows as the incidents table holds them, all in series 1."""
    with data.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        now = datetime.now(UTC)
        return [
            (
                1,
                date.fromisoformat(r[1]),
                r[2],
                r[3],
                r[4],
                r[5],
                int(r[6]) if r[6] else None,
                r[7],
                r[8],
                "bench",
                now,
                *(normalised(v) if v else None for v in r[2:6]),
            )
            for r in reader
        ]


def postgres(core: Core) -> bool:
    return core.database.engine.dialect.name == "postgresql"


async def copy_postgresql(raw: Any, rows: list[tuple[Any, ...]], indexes: str) -> float:
    """COPY the rows into a temporary table: seconds."""
    including = "ALL" if indexes == "incidents" else "DEFAULTS"
    await raw.execute(f"CREATE TEMPORARY TABLE raw_bench (LIKE incidents INCLUDING {including})")
    for statement in LEAN_POSTGRESQL if indexes == "lean" else ():
        await raw.execute(statement)
    began = time.perf_counter()
    await raw.copy_records_to_table("raw_bench", records=rows, columns=NAMES.split(", "))
    return time.perf_counter() - began


async def sqlite_indexes(raw: Any, indexes: str) -> None:
    """Index the raw table as the incidents are (as PostgreSQL's LIKE ... INCLUDING ALL), or
    lean."""
    if indexes == "lean":
        for statement in LEAN_SQLITE:
            await raw.execute(statement)
        return
    cursor = await raw.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
        "AND tbl_name = 'incidents' AND sql IS NOT NULL"
    )
    for name, sql in await cursor.fetchall():
        copied = sql.replace(name, f"raw_{name}").replace(" ON incidents", " ON raw_bench")
        await raw.execute(copied)
    await raw.execute(LEAN_SQLITE[0])


async def insert_sqlite(raw: Any, rows: list[tuple[Any, ...]], indexes: str) -> float:
    """Insert the rows in one executemany into a table of the same file: seconds (a temporary
    table's own small cache made it twenty times slower)."""
    await raw.execute("DROP TABLE IF EXISTS raw_bench")
    await raw.execute("CREATE TABLE raw_bench AS SELECT * FROM incidents LIMIT 0")
    await sqlite_indexes(raw, indexes)
    placeholders = ", ".join("?" * len(NAMES.split(", ")))
    converted = [(r[0], r[1].isoformat(), *r[2:10], r[10].isoformat(), *r[11:]) for r in rows]
    began = time.perf_counter()
    # One transaction, as the import's (the connection itself commits each statement).
    await raw.execute("BEGIN")
    await raw.executemany(f"INSERT INTO raw_bench ({NAMES}) VALUES ({placeholders})", converted)
    await raw.execute("COMMIT")
    return time.perf_counter() - began


async def raw_insert(core: Core, data: Path, indexes: str = "incidents") -> tuple[float, int]:
    """Insert the same rows, unchecked, with the driver alone: rows per second, and the raw
    table's bytes with its indexes."""
    rows = raw_rows(data)
    async with core.database.engine.connect() as connection:
        raw: Any = (await connection.get_raw_connection()).driver_connection
        if postgres(core):
            seconds = await copy_postgresql(raw, rows, indexes)
        else:
            seconds = await insert_sqlite(raw, rows, indexes)
        size = await table_bytes(raw, postgres(core), "raw_bench")
        await connection.rollback()
        await raw.execute("DROP TABLE raw_bench")
    return len(rows) / seconds, size


async def table_bytes(raw: Any, postgresql: bool, table: str) -> int:
    """A table's bytes with its indexes, on the driver's own connection."""
    if postgresql:
        return int(await raw.fetchval("SELECT pg_total_relation_size($1::regclass)", table))
    cursor = await raw.execute("SELECT name FROM sqlite_master WHERE tbl_name = ?", (table,))
    total = 0
    for (name,) in await cursor.fetchall():
        cursor = await raw.execute(
            "SELECT pgsize FROM dbstat WHERE name = ? AND aggregate = 1", (name,)
        )
        total += sum(row[0] or 0 for row in await cursor.fetchall())
    return total


async def database_bytes(core: Core) -> int:
    """The database's bytes: SQLite's file with its log after a checkpoint; on PostgreSQL,
    every table of pausewatch's with its indexes."""
    async with core.database.engine.connect() as connection:
        if postgres(core):
            result = await connection.exec_driver_sql(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n "
                "ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'"
            )
            return int(result.scalar_one())
        await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return file_bytes(Path(str(core.database.engine.url.database)))


def file_bytes(path: Path) -> int:
    """A SQLite file's bytes with its write-ahead log."""
    files = (Path(f"{path}{end}") for end in ("", "-wal"))
    return sum(file.stat().st_size for file in files if file.exists())


async def tables(core: Core) -> dict[str, tuple[int, int]]:
    """Each shown table's rows and bytes with its indexes."""
    shown = {}
    async with core.database.engine.connect() as connection:
        raw = (await connection.get_raw_connection()).driver_connection
        for table in TABLES:
            result = await connection.exec_driver_sql(f"SELECT count(*) FROM {table}")
            shown[table] = (int(result.scalar_one()), await table_bytes(raw, postgres(core), table))
        await connection.rollback()
    return shown


def megabytes(size: float) -> str:
    return f"{size / 1e6:,.1f} MB"


def report_sizes(results: dict[str, Any], rows: int, goal: float | None) -> None:
    """Print the database beside the raw table, and where the space went."""
    size, raw = results["database_bytes"], results["raw_bytes"]
    aim = f" (goal ≤ {goal}×)" if goal else ""
    print(
        f"  database          {megabytes(size):>13}   raw table  {megabytes(raw):>13}   "
        f"ratio {size / raw:.1f}×{aim}"
    )
    print(f"  {'table':<16} {'rows':>12} {'size':>13} {'bytes/event':>12}")
    for table, (count, table_size) in results["tables"].items():
        print(f"  {table:<16} {count:>12,} {megabytes(table_size):>13} {table_size / rows:>12.0f}")
    print(f"  {'database':<16} {'':>12} {megabytes(size):>13} {size / rows:>12.0f}")
    print(f"  {'raw table':<16} {rows:>12,} {megabytes(raw):>13} {raw / rows:>12.0f}")
