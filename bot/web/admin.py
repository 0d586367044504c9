"""The API's sources and review queue (list, run, approve, reject): with an admin token, as chat.

Each handler calls what `source list|run` and `review list|approve|reject` call in the command
layer (bot/commands/sources, bot/commands/reviews.py), as the token's caller `token:NAME`, so
a decision is audited under the token's name and alerts as one taken in chat. The gate
(bot/web/auth.py) lets only an admin token in, for reads too: a source's address is an admin's.
The review queue is read a page at a time (limit, offset, total, next_offset) as the incidents
are, from reviews.waiting, which `review list` draws from too; a database that stops answering
midway is an outage (503), as for the questions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from aiohttp import web

from bot.commands import facts, reviews, sources
from bot.commands.core import Caller, Core
from bot.commands.outages import outage
from bot.commands.sources.add import info as source_info
from bot.commands.sources.replies import listing_reply, report_reply
from bot.commands.sources.reports import SourceInfo
from bot.commands.verbs import OPTIONS
from bot.domain.fields import FieldError
from bot.settings import every_text
from bot.web import data, source_shapes
from bot.web.auth import holder_of
from bot.web.data import json_answer
from bot.web.errors import json_error
from bot.web.keys import CORE, RATE_LIMIT

routes = web.RouteTableDef()
MAX_ID = 2_147_483_647
MAX_OFFSET = 1_000_000_000  # as the incidents' pages (bot/web/api.py)
REVIEW_PARAMETERS = ("source", "limit", "offset")
FAILED = "failed"


def _caller(request: web.Request, *, limited: bool = False) -> Caller:
    """Return the admin token's caller; a run or a decision counts against its write limit."""
    name = holder_of(request).name
    if limited:
        request.app[RATE_LIMIT].check(name)
    return Caller(user=f"token:{name}", is_admin=True, platform="api", channel="api")


def _source_of(info: SourceInfo) -> source_shapes.Source:
    """Return a source as `source list` shows it (its kind and status checked by the shape)."""
    return source_shapes.Source.model_validate(
        {
            "name": info.name,
            "kind": info.kind,
            "url": info.url,
            "series": info.series,
            "reviewed": info.reviewed,
            "every_minutes": info.every_minutes,
            "every": every_text(info.every_minutes),
            "query": dict(info.query),
            "status": info.status,
            "message": info.message,
            "last_error": info.message if info.status == FAILED else None,
            "last_run": info.last_run_at,
            "last_success": info.last_ok_at,
            "next_run": info.next_run_at,
            "next_run_due": info.next_run_due,
            "waiting": info.waiting,
        }
    )


def _no_source(name: str) -> web.HTTPException:
    return json_error(404, f"There is no source {name!r}; GET /api/v1/sources lists them.")


@routes.get("/api/v1/sources")
async def list_sources(request: web.Request) -> web.Response:
    """Every source with how its last run went and when it runs next, as `source list`."""
    core = request.app[CORE]
    with core.metrics.answering("source", "api"), outage():
        found = await sources.listing(core.context)
        return json_answer(
            source_shapes.SourceList(
                sources=[_source_of(info) for info in found],
                words=data.words_of(listing_reply(found)),
            )
        )


@routes.post("/api/v1/sources/{name}/run")
async def run_source(request: web.Request) -> web.Response:
    """Run a source now, as `source run NAME`: fetch, check, store all or nothing; say what."""
    core = request.app[CORE]
    _caller(request, limited=True)
    name = request.match_info["name"]
    with core.metrics.answering("source", "api") as result, outage():
        if await source_info(core.context, name) is None:
            raise _no_source(name)
        if core.context.fetcher is None:
            raise json_error(
                503,
                f"Source {name} cannot be run by this process: it has no network fetcher "
                "(the bot's `pausewatch run` reads sources on its schedule).",
            )
        report = await sources.run(core.context, name)
        if not report.ok:
            result[0] = "error"
        return json_answer(
            source_shapes.RunResult(
                source=report.name,
                ok=report.ok,
                message=report.message,
                added=report.added,
                updated=report.updated,
                deleted=report.deleted,
                queued=report.queued,
                alerts=report.alerts,
                words=data.words_of(report_reply(report)),
            )
        )


def _page_of(params: Mapping[str, str], core: Core) -> tuple[int, int]:
    """Read a page's limit and offset with the incidents' checks and messages; 400 else."""
    fields: dict[str, str] = {}
    for key in sorted(set(params) - set(REVIEW_PARAMETERS)):
        fields[key] = (
            f"`{key}` is not a parameter here; reviews takes {', '.join(REVIEW_PARAMETERS)}."
        )
    limit, offset = reviews.LISTED, 0
    if "limit" in params:
        try:
            limit = int(OPTIONS["limit"].read(params["limit"], core.today()))
        except FieldError as error:
            fields["limit"] = f"{error}."
    raw = params.get("offset", "0")
    if not raw.isdigit() or int(raw) > MAX_OFFSET:
        fields["offset"] = f"offset {raw!r} is not a whole number from 0 to {MAX_OFFSET:,}."
    else:
        offset = int(raw)
    if fields:
        raise json_error(400, next(iter(fields.values())), fields=fields)
    return limit, offset


def _review_of(info: reviews.CandidateInfo) -> source_shapes.Review:
    return source_shapes.Review.model_validate(
        {
            "id": info.id,
            "series": info.series,
            "source": info.source,
            "kind": info.kind,
            "fields": info.fields,
            "external_id": info.external_id,
            "incident_id": info.incident_id,
            "created_at": info.created_at,
            "incident": info.described(),
        }
    )


@routes.get("/api/v1/reviews")
async def list_reviews(request: web.Request) -> web.Response:
    """A page of the incidents waiting for review, oldest first (of one source with ?source=)."""
    core = request.app[CORE]
    params = dict(request.query)
    params.pop("token", None)  # read from the header only, as every endpoint (bot/web/auth.py)
    limit, offset = _page_of(params, core)
    wanted = params.get("source") or None
    with core.metrics.answering("review", "api"), outage():
        if wanted is not None and await source_info(core.context, wanted) is None:
            raise _no_source(wanted)
        found, total = await reviews.waiting(
            core.context, source=wanted, limit=limit, offset=offset
        )
        following = offset + len(found)
        return json_answer(
            source_shapes.ReviewList(
                source=wanted,
                offset=offset,
                limit=limit,
                total=total,
                next_offset=following if following < total and found else None,
                reviews=[_review_of(info) for info in found],
                words=data.words_of(reviews.page_reply(found, total, offset)),
            )
        )


def _review_id(request: web.Request) -> int:
    raw = request.match_info["id"]
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_ID:
        raise json_error(404, f"{raw!r} is not a review id; GET /api/v1/reviews shows them.")
    return int(raw)


Decided = Literal["approved", "rejected"]


async def _decide(request: web.Request, decision: Decided) -> web.Response:
    """Approve or reject a review once, as `review approve|reject ID`; 409 when decided."""
    core = request.app[CORE]
    caller = _caller(request, limited=True)
    review = _review_id(request)
    decide = reviews.approve if decision == "approved" else reviews.reject
    with core.metrics.answering("review", "api"), outage():
        try:
            reply = await decide(core.context, review, caller)
        except reviews.NoSuchReview as error:
            raise json_error(404, _sentence(str(error))) from None
        except reviews.ReviewWaitsForImport as error:
            raise json_error(409, _sentence(str(error))) from None
        except reviews.AlreadyDecided as already:
            raise json_error(
                409, f"{already.reply.headline}; it cannot be decided again."
            ) from None
        stored = None
        if reply.incident_id is not None:
            stored = await facts.incident(core, reply.incident_id, caller)
        return json_answer(
            source_shapes.Decision(
                review=review,
                decision=decision,
                incident=data.stored_of(stored) if stored is not None else None,
                words=data.words_of(reply),
            )
        )


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


@routes.post("/api/v1/reviews/{id}/approve")
async def approve(request: web.Request) -> web.Response:
    """Store a waiting incident as the token's (audited, alerting as an add)."""
    return await _decide(request, "approved")


@routes.post("/api/v1/reviews/{id}/reject")
async def reject(request: web.Request) -> web.Response:
    """Drop a waiting incident for good: its source's next run does not bring it back."""
    return await _decide(request, "rejected")
