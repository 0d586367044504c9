"""Incident fields: their names, how each is written, and validation of raw text (pure)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, time
from functools import lru_cache, partial
from operator import attrgetter
from typing import Any

from bot.domain.filters import FILTER_KEYS, normalised

DATE_HINT = "write dates as YYYY-MM-DD, e.g. 2024-07-16"
EARLIEST_DAY = date(1900, 1, 1)
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_TIME = re.compile(r"^([0-9]{1,2}):([0-9]{2})$")
_DIGITS = re.compile(r"^[0-9]+$")
# The largest count or id both databases hold in an INTEGER column.
MAX_INTEGER = 2_147_483_647

# The names users write (chat `key:value`, CSV and JSON columns), with their longest length.
TEXT_FIELDS = {
    "country": 100,
    "location": 200,
    "actor": 200,
    "kind": 100,
    "source": 2000,
    "notes": 4000,
    "external_id": 100,
    "event_type": 100,
    "admin1": 100,
    "admin2": 100,
}
COUNT_FIELDS = ("quantity", "killed", "wounded")
# Where it happened on a map, in decimal degrees (WGS 84, as ACLED gives them), and each one's
# range.
COORDINATE_FIELDS = {"latitude": 90, "longitude": 180}
# Short names people write for the coordinates (`add ... lat:N lon:N`).
FIELD_ALIASES = {"lat": "latitude", "lon": "longitude", "lng": "longitude"}
BOTH_COORDINATES_HINT = "give both, as lat:N lon:N in degrees (latitude:, longitude:)"
# How precisely the place and the day are known, as ACLED says it: 1 exact, 2 near (the place)
# or the week (the day), 3 the region or the month. Absent means exact.
PRECISION_FIELDS = {
    "geo_precision": "1 the place itself, 2 near it, 3 only its region",
    "time_precision": "1 the day is exact, 2 known only to the week, 3 only to the month",
}

# ACLED's own fields, kept as ACLED gives them (an ACLED correction updates them too).
ACLED_OWN_FIELDS = (
    "event_type",
    "admin1",
    "admin2",
    "latitude",
    "longitude",
    "geo_precision",
    "time_precision",
)
FIELD_NAMES = (
    "date",
    "time",
    "country",
    "location",
    "actor",
    "kind",
    "quantity",
    "killed",
    "wounded",
    "source",
    "notes",
    "external_id",
    *ACLED_OWN_FIELDS,
)
FIELD_HELP = {
    "date": "the day it happened, YYYY-MM-DD",
    "time": "local time of day, HH:MM (optional)",
    "country": "country, e.g. Iraq",
    "location": 'base or town, e.g. "Ain al-Assad"',
    "actor": 'who did it, e.g. "Islamic Resistance in Iraq"',
    "kind": "drone, rocket, missile, ...",
    "quantity": "how many (drones launched, targets struck), a whole number",
    "killed": "people killed, a whole number",
    "wounded": "people wounded, a whole number",
    "source": "where it was reported: a URL or a name",
    "notes": "free text",
    "external_id": "the id in the data set it came from (ACLED's event_id_cnty)",
    "event_type": 'ACLED\'s event type, e.g. "Explosions/Remote violence"',
    "admin1": 'the region (first-level division), e.g. "Al Anbar"',
    "admin2": "the district (second-level division)",
    "latitude": "decimal degrees, -90 to 90 (north positive)",
    "longitude": "decimal degrees, -180 to 180 (east positive)",
    "geo_precision": "how well the place is known: 1 exact, 2 near, 3 region only",
    "time_precision": "how well the day is known: 1 exact, 2 the week, 3 the month",
}


# A user's field names where they differ from the column names, and back.
COLUMN_OF = {"date": "occurred_on", "time": "occurred_at"}
FIELD_OF = {column: name for name, column in COLUMN_OF.items()}
# The columns an IncidentFields carries, in the order of FIELD_NAMES.
COLUMNS = tuple(COLUMN_OF.get(name, name) for name in FIELD_NAMES)


class FieldError(ValueError):
    """A field value that cannot be stored, with how to write it."""


@dataclass(frozen=True)
class IncidentFields:
    """The values of one incident as a user gives them, validated."""

    occurred_on: date
    occurred_at: time | None = None
    country: str | None = None
    location: str | None = None
    actor: str | None = None
    kind: str | None = None
    quantity: int | None = None
    killed: int | None = None
    wounded: int | None = None
    source: str | None = None
    notes: str | None = None
    external_id: str | None = None
    event_type: str | None = None
    admin1: str | None = None
    admin2: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    geo_precision: int | None = None
    time_precision: int | None = None

    def as_row(self) -> dict[str, Any]:
        """Return the fields as column values."""
        return {column: getattr(self, column) for column in COLUMNS}

    def as_tuple(self) -> tuple[Any, ...]:
        """Return the column values in the order of COLUMNS."""
        return _column_values(self)

    def with_changes(self, changes: dict[str, Any]) -> IncidentFields:
        """Return a copy with some columns replaced."""
        return replace(self, **changes)


_column_values = attrgetter(*COLUMNS)

# Each filter index holds all the filter keys of an incident (storage.models.Incident), and
# PostgreSQL refuses an index entry over 2,704 bytes. Any text of up to four bytes a character
# fits at every field's full length; only characters that casefold to longer ones can overflow.
FILTER_KEYS_BYTES = 2_400
MOST_KEY_BYTES_PER_CHARACTER = 5  # stored text is NFC: casefolding makes U+1FF7 (3 bytes) 5


def check_filter_keys(*values: str | None) -> None:
    """Refuse filter values (FILTER_KEYS' columns) whose keys are too long to index."""
    given = [value for value in values if value]
    if sum(map(len, given)) * MOST_KEY_BYTES_PER_CHARACTER <= FILTER_KEYS_BYTES:
        return  # as every incident written by a person: no need to work the keys out
    size = sum(len(normalised(value).encode()) for value in given)
    if size > FILTER_KEYS_BYTES:
        raise FieldError(
            f"{', '.join(FILTER_KEYS[:-1])} and {FILTER_KEYS[-1]} are {size:,} bytes together "
            "as stored; "
            f"keep them to {FILTER_KEYS_BYTES:,} (shorten the longest)"
        )


def parse_date(raw: str, *, today: date | None = None, what: str = "date") -> date:
    """Parse YYYY-MM-DD; refuse days after `today` when it is given."""
    text = raw.strip()
    if not _ISO_DATE.match(text):
        raise FieldError(f"{what} {raw!r} is not a date; {DATE_HINT}")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise FieldError(f"{what} {raw!r} is not a day of the calendar; {DATE_HINT}") from None
    if day < EARLIEST_DAY:
        raise FieldError(f"{what} {raw!r} is before {EARLIEST_DAY.isoformat()}; {DATE_HINT}")
    if today is not None and day > today:
        raise FieldError(
            f"{what} {day.isoformat()} is in the future (today is {today.isoformat()}); "
            "give a day that has happened"
        )
    return day


def parse_time(raw: str) -> time:
    """Parse HH:MM on the 24-hour clock."""
    match = _TIME.match(raw.strip())
    if match:
        hour, minute = int(match[1]), int(match[2])
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise FieldError(f"time {raw!r} is not a time of day; write HH:MM, e.g. 21:30")


def parse_count(name: str, raw: str) -> int:
    """Parse a whole number of zero or more, in ASCII digits, that the databases can hold."""
    text = raw.strip()
    if not _DIGITS.match(text):
        raise FieldError(f"{name} {shown(text)} is not a whole number; write e.g. {name}:2")
    if len(text) > 10 or int(text) > MAX_INTEGER:
        raise FieldError(f"{name} {shown(text)} is too large; the largest is {MAX_INTEGER:,}")
    return int(text)


_DECIMAL = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")


def parse_coordinate(name: str, raw: str) -> float:
    """Parse a latitude or longitude in decimal degrees, within its range."""
    text = raw.strip()
    bound = COORDINATE_FIELDS[name]
    if not _DECIMAL.match(text):
        raise FieldError(
            f"{name} {shown(text)} is not a number of degrees; write decimal degrees "
            f"from -{bound} to {bound}, as {name}:N (a dot before the decimals)"
        )
    value = float(text)
    if not -bound <= value <= bound:
        raise FieldError(
            f"{name} {shown(text)} is out of range; a {name} is from -{bound} to {bound} "
            f"degrees, as {name}:N"
        )
    return value


def parse_precision(name: str, raw: str) -> int:
    """Parse a precision code: 1, 2 or 3, as ACLED writes them."""
    text = raw.strip()
    if text not in ("1", "2", "3"):
        raise FieldError(
            f"{name} {shown(text)} is not 1, 2 or 3 ({PRECISION_FIELDS[name]}); write e.g. {name}:1"
        )
    return int(text)


def parse_id(raw: str) -> int | None:
    """Return an incident id written in ASCII digits (#12 or 12), or None when it is not one."""
    text = raw.strip().removeprefix("#")
    if not _DIGITS.match(text) or len(text) > 10 or not 1 <= int(text) <= MAX_INTEGER:
        return None
    return int(text)


_WHITESPACE = "\t\n\r\v\f\x1c\x1d\x1e\x1f\x85"
# Terminal escape sequences (CSI such as colours and cursor moves, OSC such as titles and
# links, and two-character escapes), dropped whole: removing the ESC alone leaves "[31m".
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|\x1b[ -~]?"
)
# bot.domain.replies marks the channels a reply names with these two private-use characters;
# text from people must never hold them, or it could name a channel.
RESERVED_MARKS = "\ue000\ue001"


# Imports clean the same countries, places and sources again and again.
@lru_cache(maxsize=65_536)
def clean_text(raw: str) -> str:
    """Return text as it is stored: NFC, no control characters, runs of spaces made one.

    A control character (a NUL, a terminal escape) would reach a database that refuses it
    or a terminal that obeys it.
    """
    text = unicodedata.normalize("NFC", raw)
    if not text.isprintable():
        text = _ESCAPES.sub("", text)
        text = "".join(
            " " if c in _WHITESPACE else c
            for c in text
            if c in _WHITESPACE
            or (unicodedata.category(c) not in ("Cc", "Cs") and c not in RESERVED_MARKS)
        )
    if "  " in text or text != text.strip():
        text = " ".join(text.split())
    return text


def parse_text(name: str, raw: str) -> str | None:
    """Clean text; refuse text longer than the column holds."""
    text = clean_text(raw)
    limit = TEXT_FIELDS[name]
    if len(text) > limit:
        raise FieldError(f"{name} is {len(text):,} characters long; keep it to {limit:,}")
    return text or None


def shown(text: str) -> str:
    """Quote a value for a message, cut short enough to read."""
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _optional(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    return lambda raw: parse(raw) if raw.strip() else None


# Field name → (column, parser of its text); the date is checked against today separately.
PARSERS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "date": ("occurred_on", parse_date),
    "time": ("occurred_at", _optional(parse_time)),
    **{name: (name, _optional(partial(parse_count, name))) for name in COUNT_FIELDS},
    **{name: (name, partial(parse_text, name)) for name in TEXT_FIELDS},
    **{name: (name, _optional(partial(parse_coordinate, name))) for name in COORDINATE_FIELDS},
    **{name: (name, _optional(partial(parse_precision, name))) for name in PRECISION_FIELDS},
}


def parse_field(name: str, raw: str, *, today: date | None) -> tuple[str, Any]:
    """Turn one user-written field into its column name and value."""
    if name == "date":
        return "occurred_on", parse_date(raw, today=today)
    if name not in PARSERS:
        raise FieldError(unknown_field_message(name))
    column, parse = PARSERS[name]
    return column, parse(raw)


def parse_fields(raw: dict[str, str], *, today: date | None) -> IncidentFields:
    """Validate a whole incident given as name → text; `date` is required."""
    if not raw.get("date", "").strip():
        raise FieldError(f"date is missing; {DATE_HINT}")
    values = {}
    for name, text in raw.items():
        if name not in PARSERS:
            raise FieldError(unknown_field_message(name))
        column, parse = PARSERS[name]
        values[column] = parse(text)
    if today is not None and values["occurred_on"] > today:
        parse_date(raw["date"], today=today)  # raises, saying how
    check_coordinates(values.get("latitude"), values.get("longitude"))
    check_filter_keys(*(values.get(column) for column in FILTER_KEYS))
    return IncidentFields(**values)


def check_coordinates(latitude: float | None, longitude: float | None) -> None:
    """Refuse a point with one coordinate: half a point is no place on a map."""
    if (latitude is None) != (longitude is None):
        given, missing = (
            ("latitude", "longitude") if longitude is None else ("longitude", "latitude")
        )
        raise FieldError(f"{given} is given without {missing}; {BOTH_COORDINATES_HINT}")


def unknown_field_message(name: str) -> str:
    """Say that `name` is not a field and list the ones there are."""
    from difflib import get_close_matches

    close = get_close_matches(name, FIELD_NAMES, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"{name!r} is not an incident field{hint}; the fields are {', '.join(FIELD_NAMES)}"


# A spreadsheet reads a cell starting with one of these as a formula (OWASP: CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: str) -> str:
    """Return a CSV cell a spreadsheet shows as text: a formula gets a leading quote.

    A cell that only looks quoted (quotes, then a formula) gets one more, so that
    `from_spreadsheet` gives back exactly what was written.
    """
    return "'" + cell if cell.lstrip("'").startswith(FORMULA_STARTS) else cell


def from_spreadsheet(cell: str) -> str:
    """Undo `spreadsheet_safe`: drop the one quote it added before a formula."""
    if cell.startswith("'") and cell.lstrip("'").startswith(FORMULA_STARTS):
        return cell[1:]
    return cell


def display_value(column: str, value: Any) -> str:
    """Write a column value back the way a user writes it."""
    if value is None:
        return ""
    if isinstance(value, date | time):
        return value.isoformat(timespec="minutes") if isinstance(value, time) else value.isoformat()
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back as the same number
    return str(value)
