"""The OpenAPI 3.1 document of the JSON API, served at /api/v1/openapi.json."""

from __future__ import annotations

import copy
import functools
from typing import Any

from aiohttp import web

from bot.domain.fields import FIELD_HELP
from bot.domain.filters import FILTER_KEYS
from bot.domain.standing import Kind
from bot.web.keys import CORE

routes = web.RouteTableDef()
JSON = dict[str, Any]


def ref(name: str) -> JSON:
    """Point at a schema of the document's components."""
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: JSON) -> JSON:
    """Allow null as well (JSON Schema 2020-12, as OpenAPI 3.1 uses)."""
    return {"anyOf": [schema, {"type": "null"}]}


DAY = {"type": "string", "format": "date"}
TEXT = nullable({"type": "string"})
COUNT = nullable({"type": "integer", "minimum": 0})


def obj(properties: JSON, required: list[str] | None = None, **more: Any) -> JSON:
    """Describe an object whose every property is given (unless `required` says fewer)."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        **more,
    }


SCOPE = {
    "series": {"type": "string"},
    "filters": {"type": "object", "additionalProperties": {"type": "string"}},
    "as_of": DAY,
    "today": DAY,
    "scope": {"type": "string", "description": 'What is counted: "attacks in Iraq".'},
}
INCIDENT_FIELDS = {
    "date": DAY,
    "time": TEXT,
    "country": TEXT,
    "location": TEXT,
    "actor": TEXT,
    "kind": TEXT,
    "quantity": COUNT,
    "killed": COUNT,
    "wounded": COUNT,
    "source": TEXT,
    "notes": TEXT,
    "external_id": TEXT,
}
SCHEMAS: JSON = {
    "Error": obj(
        {
            "error": {"type": "string", "description": "What was wrong and how to write it."},
            "fields": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "description": "Per field or parameter: the chat's message for that value.",
            },
            "details": {"type": "array", "items": {"type": "string"}},
        },
        required=["error"],
    ),
    # Bad rows (rows, total_bad_rows), or a bad parameter such as ?series= (fields).
    "ImportError": obj(
        {
            "error": {"type": "string"},
            "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            "rows": {
                "type": "array",
                "items": obj({"where": {"type": "string"}, "message": {"type": "string"}}),
            },
            "total_bad_rows": {"type": "integer"},
        },
        required=["error"],
    ),
    "Words": obj(
        {
            "headline": {"type": "string"},
            "details": {"type": "array", "items": {"type": "string"}},
            "text": {"type": "string", "description": "The whole reply as chat prints it."},
        },
        description="What chat answers to the same command, word for word.",
    ),
    "Pause": obj(
        {
            "start": DAY,
            "end": DAY,
            "length": {"type": "integer", "minimum": 0},
            "running": {"type": "boolean"},
        }
    ),
    "Place": obj(
        {
            "pause": ref("Pause"),
            "kind": {"type": "string", "enum": [k.value for k in Kind]},
            "since": nullable({**DAY, "description": 'X of "the longest since X".'}),
            "rival": nullable(ref("Pause")),
            "record": nullable(ref("Pause")),
            "is_record": {"type": "boolean"},
            "short_of_record": COUNT,
            "beaten": {"type": "integer"},
            "earlier": {"type": "integer"},
        },
        description="Where a pause stands against the pauses before it.",
    ),
    "Incident": obj({"id": {"type": "integer"}, **INCIDENT_FIELDS}),
    "StoredIncident": obj(
        {
            "id": {"type": "integer"},
            **INCIDENT_FIELDS,
            "series": {"type": "string"},
            "deleted": {"type": "boolean"},
        }
    ),
    "SeriesList": obj(
        {
            "series": {
                "type": "array",
                "items": obj(
                    {
                        "name": {"type": "string"},
                        "noun": {"type": "string"},
                        "plural": {"type": "string"},
                        "tracking_start": nullable(DAY),
                        "description": {"type": "string"},
                    }
                ),
            }
        }
    ),
    "Since": obj(
        {
            **SCOPE,
            "days_since": COUNT,
            "last_day": nullable(DAY),
            "last_incidents": {"type": "array", "items": ref("Incident")},
            "words": ref("Words"),
        }
    ),
    "PauseStanding": obj(
        {
            **SCOPE,
            "counting": {"type": "string", "enum": ["inclusive", "elapsed"]},
            "tracking_began": nullable(DAY),
            "days_since": COUNT,
            "last_day": nullable(DAY),
            "pause_count": {"type": "integer"},
            "running": nullable(ref("Pause")),
            "standing": nullable(ref("Place")),
            "record": nullable(ref("Pause")),
            "ended": nullable(ref("Place")),
            "words": ref("Words"),
        }
    ),
    "Pauses": obj(
        {
            **SCOPE,
            "counting": {"type": "string", "enum": ["inclusive", "elapsed"]},
            "pause_count": {"type": "integer"},
            "record": nullable(ref("Pause")),
            "running": nullable(ref("Pause")),
            "running_rank": COUNT,
            "pauses": {
                "type": "array",
                "items": {
                    "allOf": [ref("Pause")],
                    "type": "object",
                    "properties": {"rank": {"type": "integer"}, "is_record": {"type": "boolean"}},
                    "required": ["rank", "is_record"],
                },
            },
            "words": ref("Words"),
        }
    ),
    "Incidents": obj(
        {
            **SCOPE,
            "from": nullable(DAY),
            "to": DAY,
            "order": {"type": "string", "enum": ["newest", "oldest"]},
            "offset": {"type": "integer"},
            "limit": {"type": "integer"},
            "total": {"type": "integer", "description": "How many incidents the range holds."},
            "next_offset": nullable({"type": "integer"}),
            "incidents": {"type": "array", "items": ref("Incident")},
            "words": ref("Words"),
        }
    ),
    "Stats": obj(
        {
            **SCOPE,
            "tracking_start": nullable(DAY),
            "total": {"type": "integer"},
            "incident_days": {"type": "integer"},
            "last_7_days": {"type": "integer"},
            "last_30_days": {"type": "integer"},
            "breakdowns": {
                "type": "array",
                "items": obj(
                    {
                        "by": {"type": "string"},
                        "rows": {
                            "type": "array",
                            "items": obj(
                                {"value": {"type": "string"}, "count": {"type": "integer"}}
                            ),
                        },
                    }
                ),
            },
            "words": ref("Words"),
        }
    ),
    "Revision": obj({"revision": {"type": "string"}}),
    "IncidentAnswer": obj({"incident": ref("StoredIncident")}),
    "WriteResult": obj(
        {
            "incident": nullable(ref("StoredIncident")),
            "words": ref("Words"),
            "replayed": {
                "type": "boolean",
                "description": "A retry under the same Idempotency-Key.",
            },
        }
    ),
    "ImportResult": obj(
        {
            "read": {"type": "integer"},
            "added": {"type": "integer"},
            "skipped": {"type": "integer", "description": "Rows already stored."},
            "added_by_series": {"type": "object", "additionalProperties": {"type": "integer"}},
            "replayed": {"type": "boolean"},
        }
    ),
    "NewIncident": {
        "type": "object",
        "properties": {
            "series": {"type": "string"},
            **{
                name: {
                    **(
                        {"type": ["integer", "string", "null"]}
                        if name in ("quantity", "killed", "wounded")
                        else {"type": ["string", "null"]}
                    ),
                    "description": FIELD_HELP.get(name, ""),
                }
                for name in INCIDENT_FIELDS
            },
        },
        "required": ["date"],
        "additionalProperties": False,
    },
    "Reason": {"type": "object", "properties": {"reason": {"type": "string"}}},
    "Health": obj({"status": {"type": "string"}}),
    "Ready": obj(
        {
            "status": {"type": "string", "enum": ["ready", "not ready"]},
            "checks": obj(
                {
                    "database": obj({"ok": {"type": "boolean"}, "problem": TEXT}),
                    "migrations": obj({"ok": {"type": "boolean"}, "current": TEXT, "head": TEXT}),
                    "platforms": obj(
                        {
                            "ok": {"type": "boolean"},
                            "connected": {
                                "type": "object",
                                "additionalProperties": {"type": "boolean"},
                            },
                        }
                    ),
                }
            ),
        }
    ),
}


def query(name: str, description: str, schema: JSON | None = None) -> JSON:
    """Describe one query parameter."""
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


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


def answer(schema: str, description: str = "The answer.") -> JSON:
    """Describe a JSON answer."""
    return {"description": description, "content": {"application/json": {"schema": ref(schema)}}}


ERROR = answer("Error", "What was wrong, per field when it is known.")
UNAUTHORISED = {
    **answer("Error", "No token (where one is needed), or one revoked or never made."),
    "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
}
UNAVAILABLE = answer("Error", "The database does not answer.")
GATED = {"401": UNAUTHORISED, "503": UNAVAILABLE}
READ_ERRORS = {"400": ERROR, "404": answer("Error", "No such series."), **GATED}
WRITE_ERRORS = {
    "400": ERROR,
    "401": UNAUTHORISED,
    "403": answer("Error", "The token may only read."),
    "422": ERROR,
    "429": {
        **answer("Error", "Too many writes with this token."),
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    },
    "503": UNAVAILABLE,
}
SECURED: list[JSON] = [{"bearer": []}]
# Which setting lets anyone read an operation without a token; the document served says
# which are on (`served`), this one describes the default: every read needs a token.
PUBLIC_WHEN = "x-public-when"


def read(summary: str, schema: str, responses: JSON, parameters: list[JSON] | None = None) -> JSON:
    """Describe a read of the API: a read or write token, unless api_public is set."""
    return {
        "get": {
            "summary": summary,
            "security": SECURED,
            PUBLIC_WHEN: "api_public",
            **({"parameters": parameters} if parameters else {}),
            "responses": {"200": answer(schema), **responses},
        }
    }


def question(summary: str, schema: str, parameters: list[JSON]) -> JSON:
    """Describe a question about one series."""
    return read(summary, schema, READ_ERRORS, [SERIES, *parameters])


DOCUMENT: JSON = {
    "openapi": "3.1.0",
    "info": {
        "title": "pausewatch",
        "version": "1",
        "description": (
            "Days since the last incident, pauses and records, read the way the chat bot reads "
            "them. Reads need a bearer token (`pausewatch token create NAME --read`) unless the "
            "admin sets api_public (the badge: badge_public), as `x-public-when` says; writes "
            "need a token made without --read (`pausewatch token create NAME`)."
        ),
    },
    "paths": {
        "/api/v1/series": read("The series", "SeriesList", GATED),
        "/api/v1/series/{name}/since": question(
            "Days since the last incident (`since`)", "Since", [*FILTERS, AS_OF]
        ),
        "/api/v1/series/{name}/pause": question(
            "The running pause against the record (`pause`)", "PauseStanding", [*FILTERS, AS_OF]
        ),
        "/api/v1/series/{name}/pauses": question(
            "The longest pauses, ranked (`pauses`)", "Pauses", [*FILTERS, AS_OF, LIMIT]
        ),
        "/api/v1/series/{name}/incidents": question(
            "Incidents in a range (`list`, with from), else the latest (`last`), a page at a time",
            "Incidents",
            [
                *FILTERS,
                AS_OF,
                query("from", "The first day of the range, as from: in chat."),
                query("to", "The last day (default: as_of, else today), as to: in chat."),
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
            "Stats",
            [
                *FILTERS,
                AS_OF,
                query("by", "week, month, year, country, kind, location or actor, as by: in chat."),
            ],
        ),
        "/api/v1/revision": read(
            "What changes whenever an answer may (poll it)", "Revision", GATED
        ),
        "/api/v1/incidents": {
            "post": {
                "summary": "Record an incident (`add`); alerts as chat's add does",
                "security": SECURED,
                "parameters": [IDEMPOTENCY],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("NewIncident")}},
                },
                "responses": {
                    "201": answer(
                        "WriteResult", "Recorded (or, replayed, recorded the first time)."
                    ),
                    **WRITE_ERRORS,
                },
            }
        },
        "/api/v1/incidents/{id}": {
            **read("One incident", "IncidentAnswer", {"404": ERROR, **GATED}, [INCIDENT_ID]),
            "patch": {
                "summary": "Change fields of an incident (`edit`)",
                "security": SECURED,
                "parameters": [INCIDENT_ID, IDEMPOTENCY],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {**ref("NewIncident"), "required": []}}
                    },
                },
                "responses": {"200": answer("WriteResult"), "404": ERROR, **WRITE_ERRORS},
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
                    "content": {"application/json": {"schema": ref("Reason")}},
                },
                "responses": {"200": answer("WriteResult"), "404": ERROR, **WRITE_ERRORS},
            },
        },
        "/api/v1/imports": {
            "post": {
                "summary": (
                    "Import a file in the pausewatch schema (CSV or JSON) or an ACLED export: "
                    "every row or none"
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
                    "201": answer("ImportResult"),
                    "415": ERROR,
                    **WRITE_ERRORS,
                    "422": answer(
                        "ImportError",
                        "Bad rows, each with where it is and what is wrong, or a bad "
                        "parameter; nothing was stored.",
                    ),
                },
            }
        },
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
            "get": {"summary": "The process is up", "responses": {"200": answer("Health")}}
        },
        "/readyz": {
            "get": {
                "summary": "The database answers, its schema is current, platforms are up",
                "responses": {"200": answer("Ready"), "503": answer("Ready")},
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
        "schemas": SCHEMAS,
        "securitySchemes": {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": (
                    "`pausewatch token create NAME --read` makes one that may only read; "
                    "without --read, one that writes too."
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
