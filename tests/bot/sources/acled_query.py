"""ACLED's query language as its API documents it, for the stand-in: filters, order and fields.

A filter is `COLUMN=VALUE` with an optional `COLUMN_where`: `=` (the default), `>`, `>=`, `<`,
`<=`, `LIKE` (`%` for any text, case-insensitive as ACLED's database compares) or `BETWEEN`
(`a|b`, both ends in). In `=` and `LIKE`, `|` separates values any of which may match.
Numbers (timestamp, iso, fatalities, year) compare as numbers, dates as their ISO text. A
parameter that is neither a column nor one of the API's own is refused, as a misspelt filter
must not silently widen a query.

The order is ACLED's documented one, the latest event_date first; among events of one day the
one changed last comes first, so that an update moves rows under a reader that pages by offset.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# The API's own parameters: not filters.
RESERVED = frozenset({"_format", "limit", "page", "fields", "with_total"})
NUMBERS = frozenset(
    {"timestamp", "deleted_timestamp", "iso", "fatalities", "year", "time_precision"}
)
WHERES = frozenset({"=", ">", ">=", "<", "<=", "LIKE", "BETWEEN"})


class QueryError(ValueError):
    """A query ACLED would answer with an error; the message is ACLED's kind of message."""


def matching(
    rows: Iterable[dict[str, Any]], params: dict[str, str], columns: Iterable[str]
) -> list[dict[str, Any]]:
    """Return the rows every filter of `params` holds for; refuse unknown parameters."""
    known = set(columns)
    filters: list[tuple[str, str, str]] = []
    for key, value in params.items():
        if key in RESERVED or key.endswith("_where"):
            continue
        if key not in known:
            raise QueryError(f"Unknown field: {key}")
        where = params.get(f"{key}_where", "=").upper()
        if where not in WHERES:
            raise QueryError(f"Unknown operator for {key}: {where}")
        filters.append((key, where, value))
    return [row for row in rows if all(_holds(row, *f) for f in filters)]


def _holds(row: dict[str, Any], key: str, where: str, value: str) -> bool:
    held = str(row.get(key, ""))
    if where == "LIKE":
        return any(_like(option).fullmatch(held) for option in value.split("|"))
    if where == "=":
        return any(_key(key, held) == _key(key, option) for option in value.split("|"))
    if where == "BETWEEN":
        low, _, high = value.partition("|")
        return _key(key, low) <= _key(key, held) <= _key(key, high)
    given, have = _key(key, value), _key(key, held)
    return {">": have > given, ">=": have >= given, "<": have < given, "<=": have <= given}[where]


def _key(column: str, text: str) -> Any:
    if column in NUMBERS:
        try:
            return int(text)
        except ValueError:
            return float(text)
    return text


def _like(pattern: str) -> re.Pattern[str]:
    return re.compile(
        "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern),
        re.IGNORECASE | re.DOTALL,
    )


def latest_first(rows: Iterable[dict[str, Any]], changed: dict[str, int]) -> list[dict[str, Any]]:
    """Order events as ACLED does: the latest event_date first, then the last changed first."""
    return sorted(
        rows,
        key=lambda e: (e["event_date"], changed.get(e["event_id_cnty"], 0)),
        reverse=True,
    )


def only(rows: Iterable[dict[str, Any]], fields: str | None) -> list[dict[str, Any]]:
    """Keep the columns `fields` names (`a|b`), or every column when it is not given."""
    if not fields:
        return list(rows)
    wanted = fields.split("|")
    return [{k: row[k] for k in wanted if k in row} for row in rows]
