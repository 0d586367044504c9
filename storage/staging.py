"""An import's chunk stored in SQL: staged, its duplicates dropped, inserted and counted.

Per row, Python's share of an import was most of its time: looking up which rows were
stored, counting each one into its days and values, converting the counts for the driver.
Here a chunk of checked rows goes into a temporary table in one bulk load, and the database
does the rest in a few set-based statements over it. Only the rows without an external id
are matched against the stored ones in Python, from one read of the chunk's days: a lookup
per staged row, in SQL, read a busy day's incidents once per row.

The keys a row is a duplicate by are those of `storage.importers.row_key`: the same external
id in the series, or, for a row without one, the same day, location key, kind key and source.
Deleted incidents count as stored, and of rows that share a key in one file the first is kept;
a row without an id is also a duplicate of a row kept before it with an id and the same day,
location, kind and source, as it would be once that row is stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ARRAY, String, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.filters import EXACT_DAY
from storage.bulk import driver_of, driver_values, relabeled, table_of
from storage.counts import PAIRS, Revisions
from storage.kept_pairs import Crossings, ValueKey, crossed_sql, keep_in_step, kept_before_sql
from storage.models import ALL, COUNTED_DIMENSIONS, IMPRECISE, Incident
from storage.writes import BULK_COLUMNS

STAGED = "import_staged"
# The staged row's place in its file, then an incident's bulk columns.
STAGED_COLUMNS = ("line", *BULK_COLUMNS)
_INCIDENT_COLUMNS = ", ".join(BULK_COLUMNS)
_PLACE = {name: place for place, name in enumerate(STAGED_COLUMNS)}
# What a row without an external id is known by: its series, day, location, kind and source.
_NATURAL = tuple(
    _PLACE[name] for name in ("series_id", "occurred_on", "location_key", "kind_key", "source")
)


@dataclass
class StoredChunk:
    """What storing one chunk did: rows added per series, and each series' newest day."""

    added: dict[int, int] = field(default_factory=dict)
    newest: dict[int, date] = field(default_factory=dict)
    # The values the chunk brought to PAIRED_FROM: their pairs are the caller's to make, from
    # their incidents (storage.kept_pairs.keep_in_step), at once or once its rows are stored.
    paired: list[ValueKey] = field(default_factory=list)


async def store_chunk(
    session: AsyncSession, rows: Sequence[tuple[Any, ...]], revisions: Revisions
) -> StoredChunk:
    """Store the rows that are not stored yet (values in STAGED_COLUMNS order), in file order,
    and count them into their days, values and pairs of values (but for the pairs of the
    values they bring to PAIRED_FROM: StoredChunk.paired)."""
    rows = await _new_by_natural_key(session, rows)
    async with driver_of(session) as (driver, dialect):
        statements = _Statements(dialect.name == "postgresql")
        await driver.execute(statements.create)
        if statements.postgresql:
            await driver.copy_records_to_table(STAGED, records=rows, columns=STAGED_COLUMNS)
        else:
            await driver.executemany(
                statements.stage,
                driver_values(dialect, table_of(Incident), STAGED_COLUMNS, list(rows)),
            )
        for statement in statements.dropping_stored():
            await driver.execute(statement)
        await driver.execute(statements.insert)
        for statement in statements.counting(revisions, sign=1):
            await driver.execute(statement)
        stored = StoredChunk(paired=await statements.crossed(driver, revisions, sign=1))
        for series_id, added, newest in await statements.fetch(driver, statements.by_series):
            stored.added[series_id] = added
            # SQLite gives the day back as its text.
            stored.newest[series_id] = (
                newest if isinstance(newest, date) else date.fromisoformat(newest)
            )
        await driver.execute(statements.empty)
    return stored


# The tables whose rows may name an incident: an incident taken back is named no more.
_NAMING_INCIDENTS = ("audit_log", "review_candidates")


async def take_back(
    session: AsyncSession,
    first_id: int,
    last_id: int,
    series_ids: Iterable[int],
    revisions: Revisions,
) -> None:
    """Remove the incidents of these series with ids from `first_id` to `last_id`, as stored
    by store_chunk, and count their live ones out as it counted them in.

    Each is counted out as it stands now: as edited since, and not at all when deleted since.
    """
    series = ", ".join(str(int(sid)) for sid in sorted(set(series_ids)))
    taken = f"id BETWEEN {int(first_id)} AND {int(last_id)} AND series_id IN ({series})"
    async with driver_of(session) as (driver, dialect):
        statements = _Statements(dialect.name == "postgresql")
        await driver.execute(statements.create)
        await driver.execute(
            f"INSERT INTO {STAGED} ({', '.join(STAGED_COLUMNS)}) "
            f"SELECT id, {_INCIDENT_COLUMNS} FROM incidents WHERE {taken} AND deleted_at IS NULL"
        )
        for statement in statements.counting(revisions, sign=-1):
            await driver.execute(statement)
        crossed = await statements.crossed(driver, revisions, sign=-1)
        await driver.execute(statements.empty)
        for table in _NAMING_INCIDENTS:
            await driver.execute(
                f"UPDATE {table} SET incident_id = NULL WHERE incident_id IN ("
                f"SELECT id FROM incidents WHERE {taken})"
            )
        await driver.execute(f"DELETE FROM incidents WHERE {taken}")
    await keep_in_step(session, Crossings(up=[], down=crossed))


def natural_key(
    series_id: int, day: date, location_key: str | None, kind_key: str | None, source: str | None
) -> tuple[Any, ...]:
    """Return what a row without an external id is known by, a missing value as ""."""
    return (series_id, day, location_key or "", kind_key or "", source or "")


async def stored_natural_keys(
    session: AsyncSession, days: Mapping[int, Iterable[date]]
) -> set[tuple[Any, ...]]:
    """Return the natural keys stored on these days of each series, deleted incidents too.

    Each day's incidents are read once: for a chunk, a few thousand rows.
    """
    keys: set[tuple[Any, ...]] = set()
    for series_id, wanted in days.items():
        stored = select(
            Incident.occurred_on, Incident.location_key, Incident.kind_key, Incident.source
        ).where(Incident.series_id == series_id, Incident.occurred_on.in_(sorted(wanted)))
        keys.update(natural_key(series_id, *values) for values in await session.execute(stored))
    return keys


async def stored_external_ids(
    session: AsyncSession, ids: Mapping[int, Iterable[str]]
) -> set[tuple[Any, ...]]:
    """Return which of these (series id, external id) pairs are stored, deleted ones too."""
    stored: set[tuple[Any, ...]] = set()
    # One query per series. On PostgreSQL the ids go as one array joined to the unique index:
    # a list of thousands of parameters is compared row by row while the table's statistics
    # still say it is small (as in a first import), which grows with the square of the rows.
    postgresql = session.get_bind().dialect.name == "postgresql"
    for series_id, wanted in ids.items():
        if postgresql:
            given = func.unnest(cast(sorted(wanted), ARRAY(String))).table_valued("id")
            given = given.render_derived(name="wanted")
            query = select(Incident.external_id).join(
                given, (Incident.series_id == series_id) & (Incident.external_id == given.c.id)
            )
        else:
            query = select(Incident.external_id).where(
                Incident.series_id == series_id, Incident.external_id.in_(sorted(wanted))
            )
        stored.update((series_id, found) for found in await session.scalars(query))
    return stored


async def _new_by_natural_key(
    session: AsyncSession, rows: Sequence[tuple[Any, ...]]
) -> list[tuple[Any, ...]]:
    """Drop the rows without an external id whose key is that of a stored incident, or of a
    row kept earlier in the file, with an id or without one.

    Which chunk a row falls in must not matter: a row with an id in an earlier chunk is stored
    by the time a later one is read, so one earlier in the same chunk counts as well.
    """
    series, day, external = _PLACE["series_id"], _PLACE["occurred_on"], _PLACE["external_id"]
    without_id = [row for row in rows if row[external] is None]
    if not without_id:
        return list(rows)
    days: dict[int, set[date]] = {}
    for row in without_id:
        days.setdefault(row[series], set()).add(row[day])
    seen = await stored_natural_keys(session, days)
    open_keys = {_natural_key_of(row) for row in without_id} - seen
    # A row with an id takes its key only if it is kept (its id not stored, and not on an
    # earlier row): asked of the database only for the ids whose key a row without one has.
    sharing: dict[int, set[str]] = {}
    for row in rows:
        if row[external] is not None and _natural_key_of(row) in open_keys:
            sharing.setdefault(row[series], set()).add(row[external])
    stored_ids = await stored_external_ids(session, sharing) if sharing else set()
    ids_seen: set[tuple[Any, ...]] = set()
    new = []
    for row in rows:
        key = _natural_key_of(row)
        if row[external] is None:
            if key in seen:
                continue
            seen.add(key)
        else:
            identity = (row[series], row[external])
            if identity not in ids_seen:  # the first row with its id, the one kept if any
                ids_seen.add(identity)
                if row[external] in sharing.get(row[series], ()) and identity not in stored_ids:
                    seen.add(key)
        new.append(row)
    return new


def _natural_key_of(row: Sequence[Any]) -> tuple[Any, ...]:
    return natural_key(*(row[place] for place in _NATURAL))


class _Statements:
    """The SQL of one chunk, in the dialect's words where the two differ."""

    def __init__(self, postgresql: bool) -> None:
        self.postgresql = postgresql
        columns = ", ".join(STAGED_COLUMNS)
        if postgresql:
            # Emptied when the import commits, and gone with its connection.
            self.create = (
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGED} ON COMMIT DELETE ROWS AS "
                f"SELECT 0 AS line, {_INCIDENT_COLUMNS} FROM incidents WITH NO DATA"
            )
        else:
            self.create = (
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGED} AS "
                f"SELECT 0 AS line, {_INCIDENT_COLUMNS} FROM incidents LIMIT 0"
            )
        # PostgreSQL keeps a deleted row's space until a vacuum: each chunk would read again
        # the pages of every chunk before it.
        self.empty = f"TRUNCATE {STAGED}" if postgresql else f"DELETE FROM {STAGED}"
        placeholders = ", ".join("?" for _ in STAGED_COLUMNS)
        self.stage = f"INSERT INTO {STAGED} ({columns}) VALUES ({placeholders})"
        self.insert = (
            f"INSERT INTO incidents ({_INCIDENT_COLUMNS}) "
            f"SELECT {_INCIDENT_COLUMNS} FROM {STAGED} ORDER BY line"
        )
        self.by_series = (
            f"SELECT series_id, count(*), max(occurred_on) FROM {STAGED} GROUP BY series_id"
        )

    def dropping_stored(self) -> list[str]:
        """Return the statements that drop the staged rows whose external id is stored already,
        or staged earlier (the unique index finds each one in a seek)."""
        return [
            f"DELETE FROM {STAGED} WHERE line IN (SELECT line FROM ("
            "SELECT line, row_number() OVER (PARTITION BY series_id, external_id ORDER BY line) "
            f"AS n FROM {STAGED} WHERE external_id IS NOT NULL) AS numbered WHERE n > 1)",
            f"DELETE FROM {STAGED} WHERE external_id IS NOT NULL AND EXISTS ("
            f"SELECT 1 FROM incidents i WHERE i.series_id = {STAGED}.series_id "
            f"AND i.external_id = {STAGED}.external_id)",
        ]

    def counting(self, revisions: Revisions, sign: int) -> list[str]:
        """Return the upserts that count the staged rows into (sign 1) or out of (-1) their
        days, values and pairs of values, stamped with their series' revisions."""
        if not revisions:
            return []
        # The pairs before the values: a value's pairs are counted in while filter_values
        # still holds its count before these rows (storage.kept_pairs).
        return [
            self.day_counts(revisions, sign),
            self.pairs(sign),
            self.values(revisions, sign),
        ]

    def _first_per(self, column: str, groups: str) -> str:
        """Return a SELECT's columns and FROM: `groups`, their rows counted as `n`, and the
        value of `column` in each group's first row (by line) as `first_label`."""
        if self.postgresql:
            first = f"(array_agg({column} ORDER BY line))[1]"
            return f"SELECT {groups}, count(*) AS n, {first} AS first_label FROM {STAGED}"
        # SQLite takes a bare column from the row that gave the query's one min().
        return f"SELECT {groups}, count(*) AS n, {column} AS first_label, min(line) FROM {STAGED}"

    def values(self, revisions: Revisions, sign: int) -> str:
        """Return the upsert of the staged rows' counts per filter value (storage.counts: a
        value's label is its first spelling since no live incident held it)."""
        parts = [
            f"SELECT series_id, '{dimension}' AS dimension, value, n, first_label FROM ("
            + self._first_per(dimension, f"series_id, {dimension}_key AS value")
            + f" WHERE {dimension}_key <> '' GROUP BY series_id, {dimension}_key) AS v"
            for dimension in COUNTED_DIMENSIONS
        ]
        n = "n" if sign > 0 else "-n"
        return (
            "INSERT INTO filter_values (series_id, dimension, value, incidents, label, revision) "
            f"SELECT series_id, dimension, value, {n}, first_label, {self._revision(revisions)} "
            f"FROM ({' UNION ALL '.join(parts)}) AS counted "
            "WHERE true ORDER BY series_id, dimension, value "
            "ON CONFLICT (series_id, dimension, value) DO UPDATE SET "
            "incidents = filter_values.incidents + excluded.incidents, "
            "revision = excluded.revision, "
            f"label = {relabeled('filter_values', 'incidents', 'label')}"
        )

    def pairs(self, sign: int) -> str:
        """Return the upsert of the staged rows' counts per pair of values (storage.counts.PAIRS:
        a filter on the first key, which has a value, broken down by the second), for the
        values whose pairs are kept."""
        n = "count(*)" if sign > 0 else "-count(*)"
        parts = [
            f"SELECT series_id, '{key}' AS dimension, {key}_key AS value, "
            f"'{other}' AS other_dimension, coalesce({other}_key, '') AS other_value, "
            f"{n} AS incidents FROM {STAGED} WHERE {key}_key <> '' "
            f"AND {kept_before_sql(STAGED, key)} "
            f"GROUP BY series_id, {key}_key, coalesce({other}_key, '')"
            for _, key, _, other in PAIRS
        ]
        return (
            "INSERT INTO pair_counts "
            "(series_id, dimension, value, other_dimension, other_value, incidents) "
            "SELECT series_id, dimension, value, other_dimension, other_value, incidents "
            f"FROM ({' UNION ALL '.join(parts)}) AS counted "
            "WHERE true ORDER BY series_id, dimension, value, other_dimension, other_value "
            "ON CONFLICT (series_id, dimension, value, other_dimension, other_value) "
            "DO UPDATE SET incidents = pair_counts.incidents + excluded.incidents"
        )

    @staticmethod
    def _revision(revisions: Revisions) -> str:
        """Return each row's series' revision, as SQL."""
        cases = " ".join(f"WHEN {int(sid)} THEN {int(rev)}" for sid, rev in revisions.items())
        return f"CASE series_id {cases} END"

    def day_counts(self, revisions: Revisions, sign: int) -> str:
        """Return the upsert of the staged rows' day counts, stamped with their revisions: added
        to the stored ones (sign 1) or taken from them (-1)."""
        n = "count(*)" if sign > 0 else "-count(*)"
        parts = [
            f"SELECT series_id, '{ALL}' AS dimension, '' AS value, occurred_on, "
            f"{n} AS incidents FROM {STAGED} GROUP BY series_id, occurred_on",
            f"SELECT series_id, '{IMPRECISE}', '', occurred_on, {n} FROM {STAGED} "
            f"WHERE time_precision <> {EXACT_DAY} GROUP BY series_id, occurred_on",
        ]
        for dimension in COUNTED_DIMENSIONS:
            key = f"coalesce({dimension}_key, '')"
            parts.append(
                f"SELECT series_id, '{dimension}', {key}, occurred_on, {n} FROM {STAGED} "
                f"GROUP BY series_id, {key}, occurred_on"
            )
        return (
            "INSERT INTO day_counts "
            "(series_id, dimension, value, occurred_on, incidents, revision) "
            "SELECT series_id, dimension, value, occurred_on, incidents, "
            f"{self._revision(revisions)} FROM ({' UNION ALL '.join(parts)}) AS counted "
            # In the key's order, which writes the index a page at a time (a third faster);
            # WHERE: SQLite would read ON CONFLICT as a join's ON without it.
            "WHERE true ORDER BY series_id, dimension, value, occurred_on "
            "ON CONFLICT (series_id, dimension, value, occurred_on) DO UPDATE SET "
            "incidents = day_counts.incidents + excluded.incidents, "
            "revision = excluded.revision"
        )

    async def crossed(self, driver: Any, revisions: Revisions, sign: int) -> list[ValueKey]:
        """Return the values whose count the staged rows just moved across PAIRED_FROM."""
        if not revisions:
            return []
        return [
            (series_id, key, value)
            for series_id, key, value in await self.fetch(driver, crossed_sql(STAGED, sign))
        ]

    async def fetch(self, driver: Any, statement: str) -> list[tuple[Any, ...]]:
        """Return a statement's rows as tuples."""
        if self.postgresql:
            return [tuple(row) for row in await driver.fetch(statement)]
        cursor = await driver.execute(statement)
        try:
            return list(await cursor.fetchall())
        finally:
            await cursor.close()
