"""The JSON API (/api/v1): questions read the way chat reads them, writes made as chat makes them.

Query parameters and bodies become typed commands through bot/commands/build.py, so a bad
value gets the chat's own message; answers come from bot/commands/facts.py, so figures and
words are the chat's. Writes need a bearer token and go through Core.execute_once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web

from bot.app import ImportRefused, import_content
from bot.commands import build, facts
from bot.commands.core import Caller, Core
from bot.commands.grammar import OPTIONS, Command, GrammarError, Vocabulary, parse, usage
from bot.domain.fields import FIELD_NAMES, FieldError
from bot.domain.filters import FILTER_KEYS
from bot.web import data
from bot.web.auth import RateLimit, token_holder
from bot.web.errors import json_error
from bot.web.keys import CORE, RATE_LIMIT

routes = web.RouteTableDef()
MAX_OFFSET = 1_000_000_000
MAX_IDEMPOTENCY_KEY = 100
MAX_IMPORT_BYTES = 20 * 1024 * 1024
SHARED = ("as_of", *FILTER_KEYS)
PARAMETERS = {
    "since": SHARED,
    "pause": SHARED,
    "pauses": (*SHARED, "limit"),
    "incidents": (*SHARED, "from", "to", "limit", "offset", "order"),
    "stats": (*SHARED, "by"),
}


def _json(body: Mapping[str, Any], status: int = 200, **headers: str) -> web.Response:
    return web.json_response(
        body,
        status=status,
        headers=headers or None,
        dumps=lambda value: json.dumps(value, ensure_ascii=False),
    )


def _limit(verb: str, raw: str, core: Core) -> int:
    try:
        return int(OPTIONS["limit"].read(raw, core.today()))
    except FieldError as error:
        raise GrammarError(f"{error}. {usage(verb)}", verb) from None


def _question(
    core: Core, verb: str, series: str, params: Mapping[str, str], vocabulary: Vocabulary
) -> Command:
    """Build a question from query parameters, with the grammar's checks and messages."""
    filters = {key: value for key, value in params.items() if key not in _OWN}
    return build.question(
        verb,
        today=core.today(),
        vocabulary=vocabulary,
        series=series,
        filters=filters,
        as_of=params.get("as_of"),
        limit=_limit(verb, params["limit"], core) if "limit" in params else None,
        start=params.get("from"),
        end=params.get("to"),
        by=params.get("by"),
    )


_OWN = ("as_of", "limit", "from", "to", "by", "offset", "order", "token")


def _per_field(check: Callable[[Mapping[str, Any]], object], given: Mapping[str, Any]) -> dict:
    """Say which of the values given are wrong on their own, each with the chat's message."""
    fields = {}
    for name, value in given.items():
        try:
            check({name: value})
        except GrammarError as error:
            fields[name] = str(error)
    return fields


async def _read(request: web.Request, endpoint: str) -> tuple[Command, int, bool | None]:
    """Read a question's series and query parameters; 404 for an unknown series, 400 else."""
    core = request.app[CORE]
    series = request.match_info["name"]
    vocabulary = await facts.vocabulary(core)
    verb = endpoint
    params = dict(request.query)
    params.pop("token", None)
    if endpoint == "incidents":
        verb = "list" if "from" in params else "last"
    try:
        build.question("since", today=core.today(), vocabulary=vocabulary, series=series)
    except GrammarError as error:
        raise json_error(404, str(error)) from None
    fields: dict[str, str] = {}
    for key in list(params):
        if key not in PARAMETERS[endpoint] and key not in FILTER_KEYS:
            fields[key] = _unknown_parameter(core, verb, endpoint, key)
            del params[key]
    offset, newest_first = 0, None
    if endpoint == "incidents":
        raw = params.pop("offset", "0")
        if not raw.isdigit() or int(raw) > MAX_OFFSET:
            fields["offset"] = f"offset {raw!r} is not a whole number from 0 to {MAX_OFFSET:,}."
        else:
            offset = int(raw)
        order = params.pop("order", None)
        if order not in (None, "newest", "oldest"):
            fields["order"] = f"order {order!r} is neither newest nor oldest."
        newest_first = None if order is None else order == "newest"
    # A list needs a from: each other value is checked beside one that is surely right.
    baseline = {"from": "1900-01-01"} if verb == "list" else {}

    def alone(one: Mapping[str, Any]) -> object:
        return _question(core, verb, series, {**baseline, **one}, vocabulary)

    try:
        command = _question(core, verb, series, params, vocabulary)
    except GrammarError as error:
        fields.update(_per_field(alone, params))
        raise json_error(400, str(error), fields=fields) from None
    if fields:
        raise json_error(400, next(iter(fields.values())), fields=fields)
    return command, offset, newest_first


def _unknown_parameter(core: Core, verb: str, endpoint: str, key: str) -> str:
    """Say what chat says of an unknown key (`contry:` ... did you mean country:?)."""
    if key.replace("_", "").isalpha():
        try:
            parse(f"{verb} {key}:x", core.today())
        except GrammarError as error:
            return str(error)
    takes = ", ".join(PARAMETERS[endpoint])
    return f"`{key}` is not a parameter here; {endpoint} takes {takes}."


@routes.get("/api/v1/series")
async def list_series(request: web.Request) -> web.Response:
    """List the series with their nouns and tracking start."""
    found = await facts.series(request.app[CORE])
    return _json(
        {
            "series": [
                {
                    "name": s.name,
                    "noun": s.noun,
                    "plural": s.plural,
                    "tracking_start": data.day(s.tracking_start),
                    "description": s.description,
                }
                for s in found
            ]
        }
    )


@routes.get("/api/v1/series/{name}/since")
async def since(request: web.Request) -> web.Response:
    """Days since the last incident, as `since` answers."""
    command, _, _ = await _read(request, "since")
    return _json(data.since_data(await facts.ask(request.app[CORE], command)))


@routes.get("/api/v1/series/{name}/pause")
async def pause(request: web.Request) -> web.Response:
    """The running pause and where it stands, as `pause` answers."""
    command, _, _ = await _read(request, "pause")
    return _json(data.pause_answer(await facts.ask(request.app[CORE], command)))


@routes.get("/api/v1/series/{name}/pauses")
async def pauses(request: web.Request) -> web.Response:
    """The longest pauses, ranked, as `pauses` answers."""
    command, _, _ = await _read(request, "pauses")
    return _json(data.pauses_data(await facts.ask(request.app[CORE], command)))


@routes.get("/api/v1/series/{name}/incidents")
async def incidents(request: web.Request) -> web.Response:
    """Incidents in a range (`list`), or the latest (`last`), a page at a time."""
    command, offset, newest_first = await _read(request, "incidents")
    answer = await facts.ask(request.app[CORE], command, offset=offset, newest_first=newest_first)
    shown = len(answer.incidents)
    limit = command.limit or (50 if command.verb == "list" else 5)
    following = offset + shown
    newest = command.verb == "last" if newest_first is None else newest_first
    return _json(
        {
            **data.scope_data(answer),
            "from": data.day(command.start),
            "to": data.day(command.end or answer.subject.as_of),
            "order": "newest" if newest else "oldest",
            "offset": offset,
            "limit": limit,
            "total": answer.total,
            "next_offset": following if following < answer.total and shown else None,
            "incidents": [data.incident_data(i) for i in answer.incidents],
            "words": data.words(answer.reply),
        }
    )


@routes.get("/api/v1/series/{name}/stats")
async def stats(request: web.Request) -> web.Response:
    """Counts since tracking began, recent counts and breakdowns, as `stats` answers."""
    command, _, _ = await _read(request, "stats")
    return _json(data.stats_data(await facts.ask(request.app[CORE], command)))


@routes.get("/api/v1/revision")
async def revision(request: web.Request) -> web.Response:
    """What changes whenever an answer may (a write, a new day): cheap to poll."""
    return _json({"revision": await facts.revision(request.app[CORE])})


@routes.get("/api/v1/incidents/{id}")
async def get_incident(request: web.Request) -> web.Response:
    """One stored incident, deleted ones too (said so)."""
    incident_id = _incident_id(request)
    stored = await facts.incident(request.app[CORE], incident_id)
    if stored is None:
        raise json_error(404, f"There is no incident #{incident_id}; `last` shows ids.")
    return _json({"incident": data.stored_data(stored)})


def _incident_id(request: web.Request) -> int:
    raw = request.match_info["id"]
    if not raw.isdigit() or not 1 <= int(raw) <= 2_147_483_647:
        raise json_error(404, f"{raw!r} is not an incident id; `last` shows them.")
    return int(raw)


# Writes ----------------------------------------------------------------------------------


async def _writer(request: web.Request) -> tuple[Caller, str | None]:
    """Check the token and the rate limit; return the caller and the request key, if any."""
    core = request.app[CORE]
    name = await token_holder(core, request)
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


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json(loads=json.loads)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise json_error(400, f"The body is not JSON: {error}.") from None
    if not isinstance(body, dict):
        raise json_error(400, "The body must be a JSON object of field: value.")
    return body


def _values(body: Mapping[str, Any], allowed: tuple[str, ...]) -> dict[str, build.Value]:
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
        await facts.incident(core, reply.incident_id) if reply.incident_id is not None else None
    )
    headers = {} if outcome.first_time else {"Idempotent-Replayed": "true"}
    return _json(
        {
            "incident": data.stored_data(stored) if stored is not None else None,
            "words": data.words(reply),
            "replayed": not outcome.first_time,
        },
        status=status,
        **headers,
    )


@routes.post("/api/v1/incidents")
async def add(request: web.Request) -> web.Response:
    """Record an incident, as `add` does (alerts included)."""
    core = request.app[CORE]
    caller, request_key = await _writer(request)
    values = _values(await _body(request), ("series", *FIELD_NAMES))
    vocabulary = await facts.vocabulary(core)
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
        fields = {"date": message, **_per_field(command_of, given)}
        raise json_error(422, message, fields=fields)
    try:
        command = command_of(given)
    except GrammarError as error:
        raise json_error(422, str(error), fields=_per_field(command_of, given)) from None
    return await _carry_out(request, command, caller, request_key, status=201)


@routes.patch("/api/v1/incidents/{id}")
async def edit(request: web.Request) -> web.Response:
    """Change fields of an incident, as `edit` does."""
    core = request.app[CORE]
    incident_id = _incident_id(request)
    caller, request_key = await _writer(request)
    values = _values(await _body(request), FIELD_NAMES)
    if await facts.incident(core, incident_id) is None:
        raise json_error(404, f"There is no incident #{incident_id}; `last` shows ids.")
    today = core.today()

    def command_of(given: Mapping[str, Any]) -> Command:
        return build.edit(today=today, incident_id=incident_id, fields=given)

    try:
        command = command_of(values)
    except GrammarError as error:
        fields = _per_field(command_of, values) if values else {}
        raise json_error(422, str(error), fields=fields) from None
    return await _carry_out(request, command, caller, request_key, status=200)


@routes.delete("/api/v1/incidents/{id}")
async def delete(request: web.Request) -> web.Response:
    """Delete an incident (kept in the audit log), as `delete` does."""
    core = request.app[CORE]
    incident_id = _incident_id(request)
    caller, request_key = await _writer(request)
    body = _values(await _body(request), ("reason",))
    reason = body.get("reason") or request.query.get("reason")
    if await facts.incident(core, incident_id) is None:
        raise json_error(404, f"There is no incident #{incident_id}; `last` shows ids.")
    command = build.delete(incident_id=incident_id, reason=str(reason) if reason else None)
    return await _carry_out(request, command, caller, request_key, status=200)


IMPORT_TYPES = {"text/csv": "csv", "application/json": "json"}


@routes.post("/api/v1/imports")
async def import_file(request: web.Request) -> web.Response:
    """Import a CSV or JSON body (or an ACLED CSV with ?format=acled): every row or none."""
    core = request.app[CORE]
    caller, request_key = await _writer(request)
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
    try:
        summary = await import_content(
            core,
            content,
            file_format=file_format,
            series=series,
            caller=caller,
            request_key=request_key,
        )
    except ImportRefused as refused:
        raise json_error(
            422,
            f"The file was not imported; nothing was changed. {refused.total} bad "
            f"row{'s' if refused.total != 1 else ''}.",
            rows=[{"where": where, "message": what} for where, what in refused.problems],
            total_bad_rows=refused.total,
        ) from None
    headers = {} if summary.first_time else {"Idempotent-Replayed": "true"}
    return _json(
        {
            "read": summary.read,
            "added": summary.added,
            "skipped": summary.skipped,
            "added_by_series": summary.added_by_series,
            "replayed": not summary.first_time,
        },
        status=201,
        **headers,
    )


async def _series_names(core: Core) -> list[str]:
    return [s.name for s in await facts.series(core)]
