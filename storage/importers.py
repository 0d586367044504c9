"""An import's rows checked and stored: every row checked before any is written, all or none.

The rows come from storage.import_formats (a file) or from a source's fetch; checked rows wait
in a temporary file (Staged) until they are stored in one transaction (storage.staging).
"""

from __future__ import annotations

import asyncio
import pickle
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import attrgetter
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.fields import COLUMNS as FIELD_COLUMNS
from bot.domain.fields import DATE_HINT, FieldError, IncidentFields, parse_fields
from bot.domain.filters import FILTER_KEYS
from storage.counts import Revisions
from storage.gazetteer import placed
from storage.import_formats import ImportFailed, RawRow, RowError
from storage.kept_pairs import Crossings, ValueKey, keep_in_step
from storage.models import Series, filter_key
from storage.set_aside import covering_indexes_set_aside
from storage.staging import (
    natural_key,
    store_chunk,
    stored_external_ids,
    stored_natural_keys,
)
from storage.writes import audit_import, bump_revision

CHUNK_ROWS = 5_000
YIELD_EVERY = 200
MAX_REPORTED_ERRORS = 50


@dataclass
class ImportResult:
    """What an import did."""

    read: int = 0
    added: int = 0
    skipped: int = 0
    added_by_series: Counter[str] = field(default_factory=Counter)
    newest: dict[str, date] = field(default_factory=dict)
    placed: int = 0  # rows read without a point that the gazetteer placed


@dataclass(frozen=True)
class ValidRow:
    """A row that passed validation, with its series resolved."""

    series_id: int
    fields: IncidentFields
    placed: bool = False  # the gazetteer gave it its point


def validate(row: RawRow, series_ids: dict[str, int], today: date) -> ValidRow | RowError:
    """Check one raw row; return it validated or say what is wrong."""
    values = dict(row.values)
    if "" in values:
        return RowError(row.where, values[""])
    series = values.pop("series")
    if series not in series_ids:
        known = ", ".join(sorted(series_ids))
        return RowError(row.where, f"series {series!r} is not known; the series are {known}")
    if "date" not in values:
        return RowError(row.where, f"date is missing; {DATE_HINT}")
    try:
        # A row naming a known place and no point is given the gazetteer's (storage.gazetteer).
        fields = parse_fields(values, today=today)
        located = placed(fields)
        return ValidRow(series_ids[series], located, located is not fields)
    except FieldError as error:
        return RowError(row.where, str(error))


class Staged:
    """Checked rows waiting to be stored, kept in a temporary file in chunks (bounded memory).

    Each row is kept as its fields, its series and its filter keys: the shape it is stored
    in (storage.staging), worked out while no lock is held.
    """

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        self.read = 0
        self.placed = 0  # rows the gazetteer gave a point
        self.series_ids: set[int] = set()  # the series the rows are in

    def put(self, chunk: list[ValidRow]) -> None:
        """Keep one chunk of checked rows."""
        # As plain tuples: pickling them takes a fifth of the time of the dataclasses.
        rows = [
            (*row.fields.as_tuple(), row.series_id, *map(filter_key, _filtered(row.fields)))
            for row in chunk
        ]
        self.series_ids.update(row.series_id for row in chunk)
        pickle.dump(rows, self.file, protocol=pickle.HIGHEST_PROTOCOL)

    def tuples(self) -> Iterator[list[tuple[Any, ...]]]:
        """Give back the chunks in the order they were put, as (*fields, series, *keys)."""
        self.file.seek(0)
        while True:
            try:
                yield pickle.load(self.file)  # noqa: S301 (a file this process wrote)
            except EOFError:
                return

    def chunks(self) -> Iterator[list[ValidRow]]:
        """Give back the chunks in the order they were put."""
        width = len(FIELD_COLUMNS)
        for rows in self.tuples():
            yield [ValidRow(row[width], IncidentFields(*row[:width])) for row in rows]

    def close(self) -> None:
        """Remove the temporary file."""
        self.file.close()


_filtered = attrgetter(*FILTER_KEYS)


async def check_rows(
    rows: Iterable[RawRow],
    series_ids: dict[str, int],
    *,
    today: date,
    on_row: Callable[[int], None] | None = None,
) -> Staged:
    """Read and check every row before anything is written; raise ImportFailed on any bad row.

    No database lock is held meanwhile: checking is most of an import's time, and the bot's
    own writes go on during it.
    """
    staged = Staged()
    errors: list[RowError] = []
    total_errors = 0
    chunk: list[ValidRow] = []
    try:
        for row in rows:
            staged.read += 1
            checked = validate(row, series_ids, today)
            if isinstance(checked, RowError):
                total_errors += 1
                if len(errors) < MAX_REPORTED_ERRORS:
                    errors.append(checked)
            elif not total_errors:
                staged.placed += checked.placed
                chunk.append(checked)
                if len(chunk) >= CHUNK_ROWS:
                    staged.put(chunk)
                    chunk = []
            if on_row is not None:
                on_row(1)
            if staged.read % YIELD_EVERY == 0:
                await asyncio.sleep(0)  # let the bot's other tasks run
        if total_errors:
            raise ImportFailed(errors, total_errors)
        if chunk:
            staged.put(chunk)
    except BaseException:
        staged.close()
        raise
    return staged


async def store_rows(
    session: AsyncSession, staged: Staged, *, actor: str, now: datetime, source_name: str
) -> ImportResult:
    """Store checked rows in the caller's transaction, skipping those already stored.

    Rows already stored are skipped: the same external id in the series, or, for rows
    without one, the same day, location, kind and source.
    """
    names = await series_names(session)
    result = ImportResult(read=staged.read, placed=staged.placed)
    # The revisions first: the counts written are stamped with them (storage.counts).
    revisions = await bump_revision(session, staged.series_ids)
    line = 0
    paired: list[ValueKey] = []
    async with covering_indexes_set_aside(session, staged.read):
        for rows in staged.tuples():
            chunk = numbered(rows, line, actor, now)
            line += len(chunk)
            await store_numbered(session, chunk, revisions, names, result, paired=paired)
    # Made once every row is stored, through the covering indexes (a large import on SQLite
    # sets them aside while it stores, and each value's pairs would read the whole series).
    await keep_in_step(session, Crossings(up=sorted(set(paired)), down=[]))
    audit_result(session, result, actor=actor, now=now, source_name=source_name)
    return result


def numbered(
    rows: list[tuple[Any, ...]], before: int, actor: str, now: datetime
) -> list[tuple[Any, ...]]:
    """Return staged rows (Staged.tuples) as store_chunk takes them, numbered on from `before`."""
    width = len(FIELD_COLUMNS) + 1  # the fields and the series
    return [(before + n, *row[:width], actor, now, *row[width:]) for n, row in enumerate(rows, 1)]


async def store_numbered(
    session: AsyncSession,
    chunk: list[tuple[Any, ...]],
    revisions: Revisions,
    names: dict[int, str],
    result: ImportResult,
    *,
    paired: list[ValueKey] | None = None,
) -> None:
    """Store one chunk of numbered rows (store_chunk) and add what it did to `result`; make
    the pairs of the values it brought to PAIRED_FROM, or add those to `paired` when given
    (storage.kept_pairs)."""
    stored = await store_chunk(session, chunk, revisions)
    if paired is None:
        await keep_in_step(session, Crossings(up=stored.paired, down=[]))
    else:
        paired.extend(stored.paired)
    for series_id, added in stored.added.items():
        name = names[series_id]
        result.added += added
        result.added_by_series[name] += added
        newest = stored.newest[series_id]
        result.newest[name] = max(result.newest.get(name, newest), newest)


def audit_result(
    session: AsyncSession, result: ImportResult, *, actor: str, now: datetime, source_name: str
) -> None:
    """Record a stored import in the audit log (and count the rows it skipped)."""
    result.skipped = result.read - result.added
    audit_import(
        session,
        now=now,
        actor=actor,
        details={
            "file": source_name,
            "read": result.read,
            "added": result.added,
            "skipped": result.skipped,
        },
    )


async def series_names(session: AsyncSession) -> dict[int, str]:
    """Return every stored series' name by id."""
    return {sid: name for name, sid in (await session.execute(select(Series.name, Series.id)))}


async def series_ids(session: AsyncSession) -> dict[str, int]:
    """Return every stored series' id by name, to check rows against."""
    return {name: sid for name, sid in (await session.execute(select(Series.name, Series.id)))}


async def stored_among(
    session: AsyncSession, rows: list[ValidRow]
) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    """Return which rows are already stored (deleted ones included), by `row_key`: the
    (series id, external id) pairs, and the natural keys of the rows without one."""
    external: dict[int, set[str]] = {}
    natural_days: dict[int, set[date]] = {}
    for row in rows:
        if row.fields.external_id is not None:
            external.setdefault(row.series_id, set()).add(row.fields.external_id)
        else:
            natural_days.setdefault(row.series_id, set()).add(row.fields.occurred_on)
    stored_ids = await stored_external_ids(session, external)
    return stored_ids, await stored_natural_keys(session, natural_days)


def row_key(row: ValidRow) -> tuple[Any, ...]:
    """Return the key a row is known by: its external id, else its day, place, kind, source."""
    if row.fields.external_id is not None:
        return (row.series_id, row.fields.external_id)
    return natural_key_of(row)


def natural_key_of(row: ValidRow) -> tuple[Any, ...]:
    """Return a row's day, place, kind and source, which a row without an id is known by."""
    values = row.fields
    return natural_key(
        row.series_id,
        values.occurred_on,
        filter_key(values.location),
        filter_key(values.kind),
        values.source,
    )


def staged_of(rows: list[ValidRow], read: int) -> Staged:
    """Put checked rows into a new Staged, to be stored by store_rows."""
    staged = Staged()
    staged.read = read
    for start in range(0, len(rows), CHUNK_ROWS):
        staged.put(rows[start : start + CHUNK_ROWS])
    return staged
