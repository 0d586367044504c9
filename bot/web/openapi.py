"""The OpenAPI 3.1 document of the JSON API, served at /api/v1/openapi.json.

Its paths are written here; its schemas are derived from the shapes the answers are made of
(bot/web/components.py), so what the document says an answer holds is what it holds.
"""

from __future__ import annotations

import copy
import functools

from aiohttp import web
from pydantic import BaseModel

from bot.domain.filters import FILTER_KEYS
from bot.web import openapi_admin, openapi_notes, shapes
from bot.web.components import SCHEMAS, ref
from bot.web.keys import CORE
from bot.web.openapi_parts import (
    ERROR,
    GATED,
    JSON,
    PUBLIC_WHEN,
    SECURED,
    UNAUTHORISED,
    UNAVAILABLE,
    answer,
    query,
)

routes = web.RouteTableDef()
SERIES = {
    "name": "name",
    "in": "path",
    "required": True,
    "description": "A series name (attacks, us-strikes).",
    "schema": {"type": "string"},
}
INCIDENT_ID = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1},
}
FILTERS = [
    query(key, f"Only incidents whose {key} is this (matched whole, any case), as {key}: in chat.")
    for key in FILTER_KEYS
]
AS_OF = query(
    "as_of", "Ask about a past day: YYYY-MM-DD or words (yesterday, 16 Jul 2024), as as-of in chat."
)
PERIOD = query(
    "period",
    "A period in words, as in chat: 2025, March, March 2024, this week, last month, "
    "since 2024-03-01, between 2024-03-01 and 2024-03-31, the last 30 days (not with from/to).",
)
LIMIT = query(
    "limit",
    "How many, 1 to 500, as limit: in chat.",
    {"type": "integer", "minimum": 1, "maximum": 500},
)
IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "A retry with the same key (within a day) stores nothing twice and gets the first answer."
    ),
    "schema": {"type": "string", "maxLength": 100},
}


# /readyz's sources check: unlike the others it never makes the status "not ready" (the answer
# stays 200, the degraded sources listed). A component of its own, as every answer points at one.
_WHEN = {"type": "string", "format": "date-time"}
_DEGRADED = {
    "type": "object",
    "description": "A source with no success for three of its intervals; null: none yet.",
    "required": ["source", "every_minutes", "last_success", "no_success_since", "last_error"],
    "properties": {
        "source": {"type": "string"},
        "every_minutes": {"type": "integer"},
        "last_success": {**_WHEN, "type": ["string", "null"]},
        "no_success_since": {**_WHEN, "description": "Its last success, else when it was added."},
        "last_error": {"type": ["string", "null"], "description": "While its last run failed."},
    },
}
_SOURCES_CHECK = {
    "type": "object",
    "required": ["ok", "degraded"],
    "properties": {
        "ok": {"type": "boolean", "description": "No source is degraded."},
        "problem": {"type": "string", "description": "Why the sources could not be read."},
        "degraded": {"type": "array", "items": _DEGRADED},
    },
}
READINESS = {
    "allOf": [
        ref(shapes.Ready),
        {"properties": {"checks": {"properties": {"sources": _SOURCES_CHECK}}}},
    ],
    "description": "Whether the bot can work, each check, and the degraded sources.",
}
READY = {
    "description": "The answer.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Readiness"}}},
}
READ_ERRORS = {"400": ERROR, "404": answer(shapes.Error, "No such series."), **GATED}
WRITE_ERRORS = {
    "400": ERROR,
    "401": UNAUTHORISED,
    "403": answer(shapes.Error, "The token may only read."),
    "422": ERROR,
    "429": {
        **answer(shapes.Error, "Too many writes with this token."),
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    },
    "503": UNAVAILABLE,
}


def read(
    summary: str, model: type[BaseModel], responses: JSON, parameters: list[JSON] | None = None
) -> JSON:
    """Describe a read of the API: a read or write token, unless api_public is set."""
    return {
        "get": {
            "summary": summary,
            "security": SECURED,
            PUBLIC_WHEN: "api_public",
            **({"parameters": parameters} if parameters else {}),
            "responses": {"200": answer(model), **responses},
        }
    }


def question(summary: str, model: type[BaseModel], parameters: list[JSON]) -> JSON:
    """Describe a question about one series."""
    return read(summary, model, READ_ERRORS, [SERIES, *parameters])


DOCUMENT: JSON = {
    "openapi": "3.1.0",
    "info": {
        "title": "pausewatch",
        "version": "1",
        "description": (
            "Days since the last incident, pauses and records, read the way the chat bot reads "
            "them. Reads need a bearer token (`pausewatch token create NAME --read`) unless the "
            "admin sets api_public (the badge: badge_public), as `x-public-when` says; writes "
            "need a token made without --read (`pausewatch token create NAME`); the sources "
            "and the review queue an admin token (`pausewatch token create NAME --admin`)."
        ),
    },
    "paths": {
        "/api/v1/series": read("The series", shapes.SeriesList, GATED),
        "/api/v1/series/{name}/since": question(
            "Days since the last incident (`since`)", shapes.Since, [*FILTERS, AS_OF]
        ),
        "/api/v1/series/{name}/pause": question(
            "The running pause against the record (`pause`)",
            shapes.PauseStanding,
            [*FILTERS, AS_OF],
        ),
        "/api/v1/series/{name}/pauses": question(
            "The longest pauses, ranked (`pauses`)", shapes.Pauses, [*FILTERS, AS_OF, LIMIT]
        ),
        "/api/v1/series/{name}/incidents": question(
            "Incidents in a range (`list`, with from), else the latest (`last`), a page at a time",
            shapes.Incidents,
            [
                *FILTERS,
                AS_OF,
                query("from", "The first day of the range, as from: in chat."),
                query("to", "The last day (default: as_of, else today), as to: in chat."),
                PERIOD,
                LIMIT,
                query(
                    "offset",
                    "How many to skip (next_offset of the page before).",
                    {"type": "integer", "minimum": 0},
                ),
                query(
                    "order",
                    "newest first (the default without from) or oldest first (with from).",
                    {"type": "string", "enum": ["newest", "oldest"]},
                ),
            ],
        ),
        "/api/v1/series/{name}/stats": question(
            "Counts since tracking began, recently, and by period or field (`stats`)",
            shapes.Stats,
            [
                *FILTERS,
                AS_OF,
                query("by", "week, month, year, country, kind, location or actor, as by: in chat."),
                query("from", "Count from this day, as `stats from 2024-03-01` in chat."),
                query("to", "Count to this day (default: as_of, else today); needs from."),
                PERIOD,
            ],
        ),
        "/api/v1/revision": read(
            "What changes whenever an answer may (poll it)", shapes.Revision, GATED
        ),
        "/api/v1/incidents": {
            "post": {
                "summary": "Record an incident (`add`); alerts as chat's add does",
                "security": SECURED,
                "parameters": [IDEMPOTENCY],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref(shapes.NewIncident)}},
                },
                "responses": {
                    "201": answer(
                        shapes.WriteResult, "Recorded (or, replayed, recorded the first time)."
                    ),
                    **WRITE_ERRORS,
                },
            }
        },
        "/api/v1/incidents/{id}": {
            **read("One incident", shapes.IncidentAnswer, {"404": ERROR, **GATED}, [INCIDENT_ID]),
            "patch": {
                "summary": "Change fields of an incident (`edit`)",
                "security": SECURED,
                "parameters": [INCIDENT_ID, IDEMPOTENCY],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {**ref(shapes.NewIncident), "required": []}}
                    },
                },
                "responses": {"200": answer(shapes.WriteResult), "404": ERROR, **WRITE_ERRORS},
            },
            "delete": {
                "summary": "Delete an incident; the audit log keeps it (`delete`)",
                "security": SECURED,
                "parameters": [
                    INCIDENT_ID,
                    IDEMPOTENCY,
                    query("reason", "Why, kept in the audit log."),
                ],
                "requestBody": {
                    "required": False,
                    "content": {"application/json": {"schema": ref(shapes.Reason)}},
                },
                "responses": {"200": answer(shapes.WriteResult), "404": ERROR, **WRITE_ERRORS},
            },
        },
        "/api/v1/imports": {
            "post": {
                "summary": (
                    "Import a file in the pausewatch schema (CSV or JSON) or an ACLED export: "
                    "every row or none"
                ),
                "description": (
                    "A notes file (CSV with the columns series, date, text, in any order; or a "
                    "JSON list of objects with text and optionally series and date), as "
                    "`pausewatch export --notes` writes it, is imported as notes: told apart by "
                    "its columns, stored all or none, notes already stored (even deleted since) "
                    "skipped, and answered with notes: true. A text column among incident "
                    "columns is refused (422): notes and incidents go in files of their own."
                ),
                "security": SECURED,
                "parameters": [
                    IDEMPOTENCY,
                    query("format", "csv, json or acled (default: from the Content-Type)."),
                    query("series", "The series of rows that name none."),
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "text/csv": {"schema": {"type": "string"}},
                        "application/json": {"schema": {}},
                    },
                },
                "responses": {
                    "201": answer(shapes.ImportResult),
                    "409": answer(
                        shapes.Error,
                        "An import sent under the same Idempotency-Key is still being stored.",
                    ),
                    "415": ERROR,
                    **WRITE_ERRORS,
                    "422": answer(
                        shapes.ImportProblems,
                        "Bad rows, each with where it is and what is wrong, or a bad "
                        "parameter; nothing was stored.",
                    ),
                },
            }
        },
        **openapi_admin.PATHS,
        **openapi_notes.PATHS,
        "/api/v1/openapi.json": {
            "get": {
                "summary": "This document",
                "responses": {
                    "200": {
                        "description": "OpenAPI 3.1",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
        "/healthz": {
            "get": {"summary": "The process is up", "responses": {"200": answer(shapes.Health)}}
        },
        "/readyz": {
            "get": {
                "summary": "The database answers, its schema is current, platforms are up",
                "description": (
                    "checks.sources (present when the schema is current) lists the sources "
                    "that have not succeeded for three of their intervals: degraded, which "
                    "never makes the bot not ready."
                ),
                "responses": {"200": READY, "503": READY},
            }
        },
        "/metrics": {
            "get": {
                "summary": "Prometheus metrics",
                "responses": {
                    "200": {
                        "description": "Prometheus text format",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    }
                },
            }
        },
        "/badge/{series}.svg": {
            "get": {
                "summary": 'A shields-style badge: "days since last attack | 12"',
                # An <img> sends no header: the token may be in its address.
                "security": [*SECURED, {"token_in_address": []}],
                PUBLIC_WHEN: "badge_public",
                "parameters": [
                    {
                        "name": "series",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                    *FILTERS,
                ],
                "responses": {
                    "200": {
                        "description": "SVG",
                        "content": {"image/svg+xml": {"schema": {"type": "string"}}},
                    },
                    "304": {"description": "Not modified (ETag)"},
                    "401": UNAUTHORISED,
                    "404": ERROR,
                },
            }
        },
    },
    "components": {
        "schemas": {**SCHEMAS, "Readiness": READINESS},
        "securitySchemes": {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": (
                    "`pausewatch token create NAME --read` makes one that may only read; "
                    "without --read, one that writes too; with --admin, one that also "
                    "runs the sources and decides the review queue."
                ),
            },
            "token_in_address": {
                "type": "apiKey",
                "in": "query",
                "name": "token",
                "description": "The badge's token, for an <img> that cannot send a header.",
            },
        },
    },
}


@functools.cache
def served(*, api_public: bool = False, badge_public: bool = False) -> JSON:
    """Return the document as a server with these settings answers: what they open needs no
    token (one that is sent is still checked, so a 401 stays possible)."""
    opened = {"api_public": api_public, "badge_public": badge_public}
    document = copy.deepcopy(DOCUMENT)
    for item in document["paths"].values():
        for operation in item.values():
            if opened.get(operation.get(PUBLIC_WHEN, "")):
                operation["security"] = [{}, *operation["security"]]
    return document


@routes.get("/api/v1/openapi.json")
async def openapi(request: web.Request) -> web.Response:
    """Serve the OpenAPI document (open: it holds no data, and says how to authenticate)."""
    settings = request.app[CORE].settings
    return web.json_response(
        served(api_public=settings.api_public, badge_public=settings.badge_public)
    )
