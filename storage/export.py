"""Export of every live incident in the project's own CSV or JSON schema, streamed.

CSV cells that a spreadsheet would run as formulas are written with a leading quote, which
the importer removes again (bot.domain.fields.spreadsheet_safe).
"""

from __future__ import annotations

import csv
import json
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.fields import (
    COLUMN_OF,
    COORDINATE_FIELDS,
    COUNT_FIELDS,
    PRECISION_FIELDS,
    display_value,
    spreadsheet_safe,
)
from storage.import_formats import COLUMNS
from storage.models import Incident, Series

EXPORT_BATCH = 2_000


def _values(name: str, incident: Incident) -> str:
    column = COLUMN_OF.get(name, name)
    return display_value(column, getattr(incident, column))


def _json_value(name: str, text: str) -> str | int | float:
    """Return a value as JSON holds it: counts and precisions as whole numbers, coordinates
    as numbers, the rest as text (the importer reads each back)."""
    if name in COUNT_FIELDS or name in PRECISION_FIELDS:
        return int(text)
    if name in COORDINATE_FIELDS:
        return float(text)
    return text


async def export_incidents(session: AsyncSession, out: TextIO, file_format: str) -> int:
    """Write every live incident, oldest first; return how many were written."""
    query = (
        select(Series.name, Incident)
        .join(Series, Series.id == Incident.series_id)
        .where(Incident.deleted_at.is_(None))
        .order_by(Series.name, Incident.occurred_on, Incident.id)
        .execution_options(yield_per=EXPORT_BATCH)
    )
    written = 0
    writer = csv.writer(out, lineterminator="\n") if file_format == "csv" else None
    if writer is not None:
        writer.writerow(COLUMNS)
    else:
        out.write("[")
    async for series_name, incident in await session.stream(query):
        values = [series_name, *(_values(name, incident) for name in COLUMNS[1:])]
        if writer is not None:
            writer.writerow([spreadsheet_safe(value) for value in values])
        else:
            item = {k: _json_value(k, v) for k, v in zip(COLUMNS, values, strict=True) if v != ""}
            out.write(("," if written else "") + "\n  " + json.dumps(item, ensure_ascii=False))
        written += 1
    if writer is None:
        out.write("\n]\n")
    return written
