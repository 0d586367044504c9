"""ACLED's data as incidents: its columns (an export's header, the API's event keys) → our fields.

One mapping for both ways ACLED's data comes in: an export file imported
(storage/import_formats.py) and the events its API sends a source (bot/sources/acled.py
reads them, bot/commands/sources/ stores them). Pure: text in, text out; the values are
checked as any import's are (bot/domain/fields.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.domain.fields import ACLED_OWN_FIELDS

# ACLED's own id of an event ("IRQ12345"): our external_id, what a deletion names.
ID_COLUMN = "event_id_cnty"
DATE_COLUMN = "event_date"
# Without these an event is not an incident.
REQUIRED = (ID_COLUMN, DATE_COLUMN, "country", "location")
# ACLED column → our field; columns not named here (admin3, sub_event_type's codes, ...) are
# not stored.
FIELDS = {
    ID_COLUMN: "external_id",
    DATE_COLUMN: "date",
    "sub_event_type": "kind",
    "actor1": "actor",
    "country": "country",
    "location": "location",
    "fatalities": "killed",
    "source": "source",
    "notes": "notes",
    "event_type": "event_type",
    "admin1": "admin1",
    "admin2": "admin2",
    "latitude": "latitude",
    "longitude": "longitude",
    "geo_precision": "geo_precision",
    "time_precision": "time_precision",
}
# The incident columns ACLED's data fills: an update from its API changes these and leaves
# the rest (a time, a quantity an analyst added) as they are.
COLUMNS = (
    "occurred_on",
    "country",
    "location",
    "actor",
    "kind",
    "killed",
    "source",
    "notes",
    *ACLED_OWN_FIELDS,
)
DATE_FORMATS = ("%Y-%m-%d", "%d %B %Y", "%d-%B-%Y", "%d %b %Y")


def is_export(header: Sequence[str]) -> bool:
    """Say whether a CSV header is an ACLED export's."""
    return ID_COLUMN in header and DATE_COLUMN in header


def missing_columns(header: Sequence[str]) -> list[str]:
    """Return the required columns an export's header lacks."""
    return [name for name in REQUIRED if name not in header]


def header_fields(header: Sequence[str]) -> dict[int, str]:
    """Return column position → our field, for the columns of an export that are stored."""
    return {i: FIELDS[name] for i, name in enumerate(header) if name in FIELDS}


def iso_date(text: str) -> str:
    """Return an ACLED date (2024-07-15, 15 July 2024, ...) as YYYY-MM-DD; other text as it
    is, for the date check to report."""
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), pattern).date().isoformat()  # noqa: DTZ007
        except ValueError:
            continue
    return text


def event_name(event: Mapping[str, Any], number: int) -> str:
    """Say which event of the API's answer this is: its id, else its place in the answer."""
    return f"event {event.get(ID_COLUMN) or number}"


def missing_in_event(event: Mapping[str, Any]) -> list[str]:
    """Return the required keys an API event lacks or leaves blank."""
    return [name for name in REQUIRED if not str(event.get(name) or "").strip()]


def event_fields(event: Mapping[str, Any]) -> dict[str, str]:
    """Return an API event (with its required keys) as our field → text, its date as YYYY-MM-DD."""
    raw = {
        FIELDS[name]: str(value)
        for name, value in event.items()
        if name in FIELDS and value is not None and str(value).strip()
    }
    raw["date"] = iso_date(raw["date"])
    return raw
