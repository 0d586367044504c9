"""The JSON API's questions (/api/v1/series/...): read the way chat reads them.

Query parameters become typed commands through bot/commands/build.py, so a bad value gets
the chat's own message; answers come from bot/commands/facts.py, so figures and words are
the chat's. A read token or a public reader sees the shared series alone: a team's own series
and its incidents are not found (404), as chat answers another team; a token that writes sees
every series (bot/web/auth.py, reader_of). The writes are in bot/web/writes.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from bot.commands import build, facts
from bot.commands.command import Command, GrammarError
from bot.commands.core import Core
from bot.commands.grammar import parse
from bot.commands.plain_words import Vocabulary
from bot.commands.verbs import OPTIONS, usage
from bot.domain.fields import FieldError
from bot.domain.filters import FILTER_KEYS
from bot.web import data, shapes
from bot.web.auth import reader_of
from bot.web.data import json_answer
from bot.web.errors import json_error, per_field
from bot.web.keys import CORE

routes = web.RouteTableDef()
MAX_OFFSET = 1_000_000_000
SHARED = ("as_of", *FILTER_KEYS)
PARAMETERS = {
    "since": SHARED,
    "pause": SHARED,
    "pauses": (*SHARED, "limit"),
    "incidents": (*SHARED, "from", "to", "period", "limit", "offset", "order"),
    "stats": (*SHARED, "by", "from", "to", "period"),
}


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
        period=params.get("period"),
    )


_OWN = ("as_of", "limit", "from", "to", "by", "period", "offset", "order", "token")


async def _read(request: web.Request, endpoint: str) -> tuple[Command, int, bool | None]:
    """Read a question's series and query parameters; 404 for an unknown series, 400 else."""
    core = request.app[CORE]
    series = request.match_info["name"]
    vocabulary = await facts.vocabulary(core, reader_of(request, "api"))
    verb = endpoint
    params = dict(request.query)
    # Not a filter: the API reads its token from the header only (bot/web/auth.py says so).
    params.pop("token", None)
    if endpoint == "incidents":
        verb = "list" if "from" in params or "period" in params else "last"
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
        surely = {} if "period" in one else baseline
        return _question(core, verb, series, {**surely, **one}, vocabulary)

    try:
        command = _question(core, verb, series, params, vocabulary)
    except GrammarError as error:
        fields.update(per_field(alone, params))
        raise json_error(400, str(error), fields=fields) from None
    if fields:
        raise json_error(400, next(iter(fields.values())), fields=fields)
    return command, offset, newest_first


async def _ask(
    request: web.Request, command: Command, *, offset: int = 0, newest_first: bool | None = None
) -> facts.Answer:
    """Answer a question as the request's reader may read it."""
    caller = reader_of(request, "api")
    return await facts.ask(
        request.app[CORE], command, caller=caller, offset=offset, newest_first=newest_first
    )


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
    return json_answer(data.series_answer(await facts.series(request.app[CORE])))


@routes.get("/api/v1/series/{name}/since")
async def since(request: web.Request) -> web.Response:
    """Days since the last incident, as `since` answers."""
    command, _, _ = await _read(request, "since")
    return json_answer(data.since_answer(await _ask(request, command)))


@routes.get("/api/v1/series/{name}/pause")
async def pause(request: web.Request) -> web.Response:
    """The running pause and where it stands, as `pause` answers."""
    command, _, _ = await _read(request, "pause")
    return json_answer(data.pause_answer(await _ask(request, command)))


@routes.get("/api/v1/series/{name}/pauses")
async def pauses(request: web.Request) -> web.Response:
    """The longest pauses, ranked, as `pauses` answers."""
    command, _, _ = await _read(request, "pauses")
    return json_answer(data.pauses_answer(await _ask(request, command)))


@routes.get("/api/v1/series/{name}/incidents")
async def incidents(request: web.Request) -> web.Response:
    """Incidents in a range (`list`), or the latest (`last`), a page at a time."""
    command, offset, newest_first = await _read(request, "incidents")
    answer = await _ask(request, command, offset=offset, newest_first=newest_first)
    return json_answer(data.incidents_answer(answer, command, offset, newest_first))


@routes.get("/api/v1/series/{name}/stats")
async def stats(request: web.Request) -> web.Response:
    """Counts since tracking began, recent counts and breakdowns, as `stats` answers."""
    command, _, _ = await _read(request, "stats")
    return json_answer(data.stats_answer(await _ask(request, command)))


@routes.get("/api/v1/revision")
async def revision(request: web.Request) -> web.Response:
    """What changes whenever an answer may (a write, a new day): cheap to poll."""
    return json_answer(shapes.Revision(revision=await facts.revision(request.app[CORE])))


@routes.get("/api/v1/incidents/{id}")
async def get_incident(request: web.Request) -> web.Response:
    """One stored incident, deleted ones too (said so); not one of a series the reader does
    not see."""
    incident_id = incident_id_of(request)
    stored = await facts.incident(request.app[CORE], incident_id, reader_of(request, "api"))
    if stored is None:
        raise json_error(404, f"There is no incident #{incident_id}; `last` shows ids.")
    return json_answer(shapes.IncidentAnswer(incident=data.stored_of(stored)))


def incident_id_of(request: web.Request) -> int:
    """Read the incident id of the path; 404 when it cannot be one."""
    raw = request.match_info["id"]
    if not raw.isdigit() or not 1 <= int(raw) <= 2_147_483_647:
        raise json_error(404, f"{raw!r} is not an incident id; `last` shows them.")
    return int(raw)
