"""The JSON API's writes (add, edit, delete, import): with a write token, as chat makes them.

Bodies become typed commands through bot/commands/build.py (the chat's checks and messages,
per field), and go through Core.execute_once: audited under the token's name, alerting as
chat does, and carried out once per Idempotency-Key.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from bot.commands import build, facts
from bot.commands.command import Command, GrammarError
from bot.commands.core import Caller, Core
from bot.commands.import_store import ImportInProgress
from bot.commands.imports import ImportRefused, import_content
from bot.commands.verbs import usage
from bot.domain.fields import FIELD_NAMES
from bot.web import data, shapes
from bot.web.api import incident_id_of
from bot.web.auth import RateLimit, holder_of
from bot.web.data import json_answer
from bot.web.errors import json_error, per_field
from bot.web.keys import CORE, RATE_LIMIT
from bot.web.note_imports import imported_notes

routes = web.RouteTableDef()
MAX_IDEMPOTENCY_KEY = 100
MAX_IMPORT_BYTES = 20 * 1024 * 1024


async def writer(request: web.Request) -> tuple[Caller, str | None]:
    """Check the token and the rate limit; return the caller and the request key, if any."""
    # The middleware (bot/web/auth.py) let the request through with a token that may write.
    name = holder_of(request).name
    limit: RateLimit = request.app[RATE_LIMIT]
    limit.check(name)
    key = request.headers.get("Idempotency-Key")
    request_key = None
    if key is not None:
        if not key.strip() or len(key) > MAX_IDEMPOTENCY_KEY or not key.isprintable():
            message = f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} printable characters."
            raise json_error(400, message, fields={"Idempotency-Key": message})
        # The key is the token's name with the client's key: never the token itself.
        request_key = f"api:{name}:{key}"
    return Caller(user=f"token:{name}", is_admin=True, platform="api", channel="api"), request_key


async def json_body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json(loads=json.loads)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise json_error(400, f"The body is not JSON: {error}.") from None
    if not isinstance(body, dict):
        raise json_error(400, "The body must be a JSON object of field: value.")
    return body


def body_values(body: Mapping[str, Any], allowed: tuple[str, ...]) -> dict[str, build.Value]:
    """Keep a body's values; refuse what is neither text nor a whole number, per field."""
    fields, values = {}, {}
    for name, value in body.items():
        if name not in allowed:
            fields[name] = f"`{name}` is not a field; the fields are {', '.join(allowed)}."
        elif value is not None and (isinstance(value, bool) or not isinstance(value, str | int)):
            fields[name] = f"{name} must be text or a whole number, not {json.dumps(value)}."
        else:
            values[name] = value
    if fields:
        raise json_error(422, next(iter(fields.values())), fields=fields)
    return values


async def _carry_out(
    request: web.Request, command: Command, caller: Caller, request_key: str | None, status: int
) -> web.Response:
    core = request.app[CORE]
    outcome = await core.execute_once(command, caller, request_key=request_key)
    reply = outcome.reply
    if reply.is_error:
        raise json_error(422, reply.headline, details=list(reply.details))
    stored = (
        await facts.incident(core, reply.incident_id, caller)
        if reply.incident_id is not None
        else None
    )
    headers = {} if outcome.first_time else {"Idempotent-Replayed": "true"}
    return json_answer(
        shapes.WriteResult(
            incident=data.stored_of(stored) if stored is not None else None,
            words=data.words_of(reply),
            replayed=not outcome.first_time,
        ),
        status=status,
        **headers,
    )


@routes.post("/api/v1/incidents")
async def add(request: web.Request) -> web.Response:
    """Record an incident, as `add` does (alerts included)."""
    core = request.app[CORE]
    caller, request_key = await writer(request)
    values = body_values(await json_body(request), ("series", *FIELD_NAMES))
    vocabulary = await facts.vocabulary(core, caller)
    today = core.today()
    series = values.pop("series", None)
    day = values.pop("date", None)

    def command_of(given: Mapping[str, Any]) -> Command:
        fields = dict(given)
        return build.add(
            today=today,
            day=str(fields.pop("date", today.isoformat())),
            series=str(fields.pop("series")) if fields.get("series") else None,
            fields=fields,
            vocabulary=vocabulary,
        )

    given: dict[str, Any] = {"date": day} if day is not None else {}
    given.update(values)
    if series is not None:
        given["series"] = series
    if day is None or (isinstance(day, str) and not day.strip()):
        given.pop("date", None)
        message = f"`add` needs the day it happened. {usage('add')}"
        fields = {"date": message, **per_field(command_of, given)}
        raise json_error(422, message, fields=fields)
    try:
        command = command_of(given)
    except GrammarError as error:
        raise json_error(422, str(error), fields=per_field(command_of, given)) from None
    return await _carry_out(request, command, caller, request_key, status=201)


@routes.patch("/api/v1/incidents/{id}")
async def edit(request: web.Request) -> web.Response:
    """Change fields of an incident, as `edit` does."""
    core = request.app[CORE]
    incident_id = incident_id_of(request)
    caller, request_key = await writer(request)
    values = body_values(await json_body(request), FIELD_NAMES)
    if await facts.incident(core, incident_id, caller) is None:
        raise json_error(404, f"There is no incident #{incident_id}; `last` shows ids.")
    today = core.today()

    def command_of(given: Mapping[str, Any]) -> Command:
        return build.edit(today=today, incident_id=incident_id, fields=given)

    try:
        command = command_of(values)
    except GrammarError as error:
        fields = per_field(command_of, values) if values else {}
        raise json_error(422, str(error), fields=fields) from None
    return await _carry_out(request, command, caller, request_key, status=200)


@routes.delete("/api/v1/incidents/{id}")
async def delete(request: web.Request) -> web.Response:
    """Delete an incident (kept in the audit log), as `delete` does."""
    core = request.app[CORE]
    incident_id = incident_id_of(request)
    caller, request_key = await writer(request)
    body = body_values(await json_body(request), ("reason",))
    reason = body.get("reason") or request.query.get("reason")
    if await facts.incident(core, incident_id, caller) is None:
        raise json_error(404, f"There is no incident #{incident_id}; `last` shows ids.")
    command = build.delete(incident_id=incident_id, reason=str(reason) if reason else None)
    return await _carry_out(request, command, caller, request_key, status=200)


IMPORT_TYPES = {"text/csv": "csv", "application/json": "json"}


@routes.post("/api/v1/imports")
async def import_file(request: web.Request) -> web.Response:
    """Import a CSV or JSON body (or an ACLED CSV with ?format=acled): every row or none."""
    core = request.app[CORE]
    caller, request_key = await writer(request)
    file_format = request.query.get("format") or IMPORT_TYPES.get(request.content_type)
    if file_format not in ("csv", "json", "acled"):
        message = (
            "Send the file as Content-Type text/csv or application/json, or say ?format=csv, "
            "json or acled."
        )
        raise json_error(415, message, fields={"format": message})
    series = request.query.get("series") or None
    if series is not None and series not in await _series_names(core):
        message = f"series {series!r} is not a series; the series are " + ", ".join(
            await _series_names(core)
        )
        raise json_error(422, message, fields={"series": message})
    if request.content_length is not None and request.content_length > MAX_IMPORT_BYTES:
        raise json_error(413, f"The file is over {MAX_IMPORT_BYTES // 2**20} MiB; split it.")
    content = await request.read()
    # A notes file (series, date, text: `pausewatch export --notes`) is imported as notes.
    noted = await imported_notes(
        core.context, content, file_format=file_format, series=series, caller=caller
    )
    if noted is not None:
        return noted
    try:
        summary = await import_content(
            core.context,
            content,
            file_format=file_format,
            series=series,
            caller=caller,
            request_key=request_key,
        )
    except ImportInProgress:
        raise json_error(
            409,
            "An import sent under this Idempotency-Key is still being stored; send it again "
            "once it is done to see what it stored.",
        ) from None
    except ImportRefused as refused:
        raise json_error(
            422,
            f"The file was not imported; nothing was changed. {refused.total} bad "
            f"row{'s' if refused.total != 1 else ''}.",
            rows=[{"where": where, "message": what} for where, what in refused.problems],
            total_bad_rows=refused.total,
        ) from None
    headers = {} if summary.first_time else {"Idempotent-Replayed": "true"}
    return json_answer(
        shapes.ImportResult(
            read=summary.read,
            added=summary.added,
            skipped=summary.skipped,
            added_by_series=summary.added_by_series,
            replayed=not summary.first_time,
            placed=summary.placed,
        ),
        status=201,
        **headers,
    )


async def _series_names(core: Core) -> list[str]:
    return [s.name for s in await facts.series(core)]
