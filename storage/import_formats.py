"""Reading import files as raw rows: the project's CSV/JSON schema and ACLED's export columns.

Rows come out as text (field name → value) with where they were; file-level problems (no file,
no header, not UTF-8, not JSON) raise ImportFailed. Checking the values is storage.importers'.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from typing import Any

from bot.domain import acled
from bot.domain.fields import FIELD_NAMES, from_spreadsheet

# The project's own schema: the same names as the chat fields, plus the series.
COLUMNS = ("series", *FIELD_NAMES)
FORMATS = ("csv", "json", "acled")


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


@dataclass(frozen=True)
class RawRow:
    """One row as read from the file: where it was, and field name → text."""

    where: str
    values: dict[str, str]


def detect_format(path: Path, header: list[str] | None) -> str:
    """Guess the format from the file name and, for CSV, its header."""
    if path.suffix.lower() == ".json":
        return "json"
    if header is not None and acled.is_export(header):
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
                raw["date"] = acled.iso_date(raw["date"])
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
    missing = acled.missing_columns(header)
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
    return acled.header_fields(header)


def acled_rows(events: Iterable[Any], default_series: str) -> Iterator[RawRow]:
    """Read events as ACLED's API gives them (its export's column names) as raw rows."""
    for number, event in enumerate(events, start=1):
        if not isinstance(event, dict):
            yield RawRow(f"event {number}", {"": "is not an object of column: value"})
            continue
        where = acled.event_name(event, number)
        missing = acled.missing_in_event(event)
        if missing:
            yield RawRow(where, {"": f"has no {', '.join(missing)}"})
            continue
        raw = acled.event_fields(event)
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
