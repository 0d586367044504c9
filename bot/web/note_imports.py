"""A notes file posted to /api/v1/imports: told apart from incidents by its columns, stored whole.

The incidents' import (bot/web/writes.py) asks here first: a file whose columns are series,
date and text (what `pausewatch export --notes` writes) is notes, imported all or nothing with
the already-stored ones skipped, and answered in the imports' own shapes.
"""

from __future__ import annotations

from aiohttp import web

from bot.commands.context import Caller, Context
from bot.commands.imports import ImportRefused
from bot.commands.note_transfer import import_notes_content
from bot.web import shapes
from bot.web.data import json_answer
from bot.web.errors import json_error


async def imported_notes(
    context: Context, content: bytes, *, file_format: str, series: str | None, caller: Caller
) -> web.Response | None:
    """Import the content as notes and answer; None when it is not a notes file."""
    try:
        result = await import_notes_content(
            context, content, file_format=file_format, series=series, caller=caller
        )
    except ImportRefused as refused:
        total = refused.total
        raise json_error(
            422,
            f"The notes were not imported; nothing was changed. {total} bad "
            f"note{'s' if total != 1 else ''}.",
            rows=[{"where": where, "message": what} for where, what in refused.problems],
            total_bad_rows=total,
        ) from None
    if result is None:
        return None
    return json_answer(
        shapes.ImportResult(
            read=result.read,
            added=result.added,
            skipped=result.skipped,
            added_by_series=result.added_by_series,
            replayed=False,
            notes=True,
        ),
        status=201,
    )
