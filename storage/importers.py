"""Bulk import of the project's CSV/JSON schema and of ACLED export CSV: all rows or none."""

from __future__ import annotations

import asyncio
import csv
import json
import pickle
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from difflib import get_close_matches
from operator import attrgetter
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.fields import COLUMNS as FIELD_COLUMNS
from bot.domain.fields import (
    DATE_HINT,
    FIELD_NAMES,
    FieldError,
    IncidentFields,
    from_spreadsheet,
    parse_fields,
)
from bot.domain.filters import FILTER_KEYS
from storage.counts import Counts
from storage.models import Series, filter_key
from storage.staging import (
    natural_key,
    store_chunk,
    stored_external_ids,
    stored_natural_keys,
)
from storage.writes import audit_import, bump_revision

# The project's own schema: the same names as the chat fields, plus the series.
COLUMNS = ("series", *FIELD_NAMES)
ACLED_REQUIRED = ("event_id_cnty", "event_date", "country", "location")
# ACLED column → our field; columns not named here (latitude, admin1, ...) are not stored.
ACLED_FIELDS = {
    "event_id_cnty": "external_id",
    "event_date": "date",
    "sub_event_type": "kind",
    "actor1": "actor",
    "country": "country",
    "location": "location",
    "fatalities": "killed",
    "source": "source",
    "notes": "notes",
}
ACLED_DATE_FORMATS = ("%Y-%m-%d", "%d %B %Y", "%d-%B-%Y", "%d %b %Y")
FORMATS = ("csv", "json", "acled")
CHUNK_ROWS = 5_000
YIELD_EVERY = 200
MAX_REPORTED_ERRORS = 50


@dataclass(frozen=True)
class RowError:
    """One bad row: where it is and what is wrong with it."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class ImportFailed(Exception):
    """The file was not imported; nothing was stored. Holds every problem found."""

    def __init__(self, errors: list[RowError], total_errors: int | None = None) -> None:
        self.errors = errors
        self.total_errors = total_errors if total_errors is not None else len(errors)
        super().__init__("\n".join(map(str, errors)))


@dataclass
class ImportResult:
    """What an import did."""

    read: int = 0
    added: int = 0
    skipped: int = 0
    added_by_series: Counter[str] = field(default_factory=Counter)
    newest: dict[str, date] = field(default_factory=dict)


@dataclass(frozen=True)
class RawRow:
    """One row as read from the file: where it was, and field name → text."""

    where: str
    values: dict[str, str]


def detect_format(path: Path, header: list[str] | None) -> str:
    """Guess the format from the file name and, for CSV, its header."""
    if path.suffix.lower() == ".json":
        return "json"
    if header is not None and "event_id_cnty" in header and "event_date" in header:
        return "acled"
    return "csv"


def count_lines(path: Path) -> int:
    """Count lines quickly, for a progress bar."""
    with path.open("rb") as handle:
        return sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b""))


def read_rows(path: Path, file_format: str | None, default_series: str) -> Iterator[RawRow]:
    """Read raw rows of any supported format; file-level problems raise ImportFailed."""
    if not path.is_file():
        raise ImportFailed([RowError(str(path), "no such file")])
    if file_format is None and detect_format(path, None) == "json":
        file_format = "json"
    if file_format == "json":
        return _json_rows(path, default_series)
    return _csv_rows(path, file_format, default_series)


class _Lines:
    """A file's lines decoded one at a time, so that a bad byte is told on its own line.

    Text mode decodes in blocks ahead of the csv reader, so its error came lines early. A
    line that is not UTF-8 is given to the reader with the bad bytes replaced, and its
    number is kept for the row that holds it to be refused.
    """

    def __init__(self, handle: Any) -> None:
        self.handle = handle
        self.number = 0
        self.bad: dict[int, str] = {}

    def __iter__(self) -> Iterator[str]:
        for raw in self.handle:
            self.number += 1
            if self.number == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as error:
                self.bad[self.number] = f"byte {raw[error.start]:#04x} at column {error.start + 1}"
                yield raw.decode("utf-8", errors="replace")


NOT_UTF8 = "is not UTF-8 ({}); save the file as UTF-8"


def _csv_rows(path: Path, file_format: str | None, default_series: str) -> Iterator[RawRow]:
    handle = path.open("rb")
    lines = _Lines(handle)
    reader = csv.reader(lines)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        handle.close()
        raise ImportFailed(
            [RowError(f"{path}", "the file is empty; it needs a header row")]
        ) from None
    except csv.Error as error:
        handle.close()
        raise ImportFailed([RowError(f"{path}", f"not a CSV file ({error})")]) from None
    if lines.bad:
        handle.close()
        raise ImportFailed([RowError("line 1", NOT_UTF8.format(lines.bad[1]))])
    file_format = file_format or detect_format(path, header)
    try:
        mapping = _acled_mapping(header) if file_format == "acled" else _own_mapping(header)
    except ImportFailed:
        handle.close()
        raise
    return _csv_iter(handle, lines, reader, header, mapping, file_format, default_series)


def _csv_iter(
    handle: Any,
    lines: _Lines,
    reader: Any,
    header: list[str],
    mapping: dict[int, str],
    file_format: str,
    default_series: str,
) -> Iterator[RawRow]:
    width = len(header)
    # Our own export quoted cells that looked like formulas; ACLED's files are taken as they are.
    unquote = from_spreadsheet if file_format != "acled" else str
    with handle:
        while True:
            first = reader.line_num + 1
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                yield RawRow(f"line {reader.line_num}", {"": f"cannot be read: {error}"})
                continue
            where = f"line {reader.line_num}"
            bad = [n for n in range(first, reader.line_num + 1) if n in lines.bad]
            if bad:
                yield RawRow(f"line {bad[0]}", {"": NOT_UTF8.format(lines.bad[bad[0]])})
                continue
            if not any(v.strip() for v in values):
                continue
            if len(values) != width:
                yield RawRow(
                    where,
                    {
                        "": f"has {len(values)} values but the header has {width} columns "
                        "(a value with a comma must be quoted)"
                    },
                )
                continue
            raw = {name: unquote(values[i]) for i, name in mapping.items() if values[i].strip()}
            if file_format == "acled" and "date" in raw:
                raw["date"] = _acled_date(raw["date"])
            raw.setdefault("series", default_series)
            yield RawRow(where, raw)


def _own_mapping(header: list[str]) -> dict[int, str]:
    errors = []
    for name in header:
        if name.lower() not in COLUMNS:
            close = get_close_matches(name.lower(), COLUMNS, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            errors.append(
                RowError(
                    "line 1",
                    f"column {name!r} is not in the pausewatch schema{hint}; "
                    f"the columns are {', '.join(COLUMNS)}",
                )
            )
    if "date" not in [n.lower() for n in header]:
        errors.append(
            RowError(
                "line 1", f"the header has no date column; the columns are {', '.join(COLUMNS)}"
            )
        )
    if errors:
        raise ImportFailed(errors)
    return {i: name.lower() for i, name in enumerate(header)}


def _acled_mapping(header: list[str]) -> dict[int, str]:
    missing = [name for name in ACLED_REQUIRED if name not in header]
    if missing:
        raise ImportFailed(
            [
                RowError(
                    "line 1",
                    f"this ACLED export has no {', '.join(missing)} column; "
                    "export the standard ACLED columns",
                )
            ]
        )
    return {i: ACLED_FIELDS[name] for i, name in enumerate(header) if name in ACLED_FIELDS}


def _acled_date(text: str) -> str:
    for pattern in ACLED_DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), pattern).date().isoformat()  # noqa: DTZ007
        except ValueError:
            continue
    return text  # left for the date check to report


def acled_rows(events: Iterable[Any], default_series: str) -> Iterator[RawRow]:
    """Read events as ACLED's API gives them (its export's column names) as raw rows."""
    for number, event in enumerate(events, start=1):
        if not isinstance(event, dict):
            yield RawRow(f"event {number}", {"": "is not an object of column: value"})
            continue
        where = f"event {event.get('event_id_cnty') or number}"
        missing = [name for name in ACLED_REQUIRED if not str(event.get(name) or "").strip()]
        if missing:
            yield RawRow(where, {"": f"has no {', '.join(missing)}"})
            continue
        raw = {
            ACLED_FIELDS[name]: str(value)
            for name, value in event.items()
            if name in ACLED_FIELDS and value is not None and str(value).strip()
        }
        raw["date"] = _acled_date(raw["date"])
        raw["series"] = default_series
        yield RawRow(where, raw)


def _json_rows(path: Path, default_series: str) -> Iterator[RawRow]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise ImportFailed([RowError(str(path), f"not a UTF-8 JSON file: {error}")]) from None
    except RecursionError:
        raise ImportFailed(
            [RowError(str(path), "not a list of incidents: its lists or objects nest too deeply")]
        ) from None
    except ValueError as error:  # a JSONDecodeError, or an integer of thousands of digits
        raise ImportFailed([RowError(str(path), f"not a JSON file: {error}")]) from None
    items = document.get("incidents") if isinstance(document, dict) else document
    if not isinstance(items, list):
        raise ImportFailed(
            [RowError(str(path), 'expected a list of incidents, or {"incidents": [...]}')]
        )
    return _json_iter(items, default_series)


def _json_iter(items: list[Any], default_series: str) -> Iterator[RawRow]:
    for number, item in enumerate(items, start=1):
        where = f"item {number}"
        if not isinstance(item, dict):
            yield RawRow(where, {"": "is not an object of field: value"})
            continue
        unknown = [key for key in item if key not in COLUMNS]
        if unknown:
            yield RawRow(
                where,
                {
                    "": f"{', '.join(map(repr, unknown))} not in the schema; "
                    f"the fields are {', '.join(COLUMNS)}"
                },
            )
            continue
        nested = [key for key, value in item.items() if isinstance(value, dict | list)]
        if nested:
            yield RawRow(
                where,
                {"": f"{', '.join(map(repr, nested))}: write a text or a number, not a list"},
            )
            continue
        raw = {k: str(v) for k, v in item.items() if v is not None and str(v).strip()}
        raw.setdefault("series", default_series)
        yield RawRow(where, raw)


@dataclass(frozen=True)
class ValidRow:
    """A row that passed validation, with its series resolved."""

    series_id: int
    fields: IncidentFields


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
        return ValidRow(series_ids[series], parse_fields(values, today=today))
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
    series_rows = (await session.execute(select(Series.name, Series.id))).all()
    names = {sid: name for name, sid in series_rows}
    result = ImportResult(read=staged.read)
    # The revisions first: the counts written are stamped with them (storage.counts).
    revisions = await bump_revision(session, staged.series_ids)
    # The day counts are written with each chunk; the few thousand counts per value and per
    # pair of values, which every chunk would write again, once at the end.
    counts = Counts()
    line = 0
    width = len(FIELD_COLUMNS) + 1  # the fields and the series
    for rows in staged.tuples():
        chunk = []
        for row in rows:
            line += 1
            chunk.append((line, *row[:width], actor, now, *row[width:]))
        stored = await store_chunk(session, chunk, counts, revisions)
        for series_id, added in stored.added.items():
            name = names[series_id]
            result.added += added
            result.added_by_series[name] += added
            newest = stored.newest[series_id]
            result.newest[name] = max(result.newest.get(name, newest), newest)
    result.skipped = result.read - result.added
    await counts.write_totals(session, revisions)
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
    return result


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
