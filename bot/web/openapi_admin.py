"""The OpenAPI paths of the sources and the review queue (bot/web/admin.py): admin tokens only.

Never public whatever the settings say (no `x-public-when`): a source's address and query are
an admin's, and so is what waits for review.
"""

from __future__ import annotations

from pydantic import BaseModel

from bot.web import shapes, source_shapes
from bot.web.openapi_parts import (
    ERROR,
    JSON,
    SECURED,
    UNAUTHORISED,
    UNAVAILABLE,
    answer,
    query,
)

FORBIDDEN = answer(shapes.Error, "The token is not an admin token (it may only read, or write).")
ADMIN_ERRORS = {"401": UNAUTHORISED, "403": FORBIDDEN, "503": UNAVAILABLE}
TOO_MANY = {
    **answer(shapes.Error, "Too many runs and decisions with this token (its write limit)."),
    "headers": {"Retry-After": {"schema": {"type": "integer"}}},
}
# A source's name: letters, digits, - and _ (bot/commands/source_words.py).
NAME = {"type": "string", "minLength": 1, "maxLength": 64}
SOURCE_NAME = {
    "name": "name",
    "in": "path",
    "required": True,
    "description": "A source's name, as `source list` shows it.",
    "schema": NAME,
}
REVIEW_ID = {
    "name": "id",
    "in": "path",
    "required": True,
    "description": "A review's number, as `review list` shows it.",
    "schema": {"type": "integer", "minimum": 1},
}
# A page as the incidents' (bot/web/openapi.py): the same limit and offset.
PAGE = [
    query(
        "limit",
        "How many, 1 to 500, as limit: in chat (default 50, as `review list` shows).",
        {"type": "integer", "minimum": 1, "maximum": 500},
    ),
    query(
        "offset",
        "How many to skip (next_offset of the page before).",
        {"type": "integer", "minimum": 0},
    ),
]
DECIDED = answer(
    shapes.Error, "It was decided already (approved, rejected, or withdrawn by its source)."
)
DECIDED_OR_WAITING = answer(
    shapes.Error,
    "It was decided already (approved, rejected, or withdrawn by its source); or it matches a "
    "row of an import still being stored, and nothing was decided: approve it again once "
    "that import is done.",
)


def _operation(
    method: str,
    summary: str,
    model: type[BaseModel],
    responses: JSON,
    parameters: list[JSON] | None = None,
) -> JSON:
    """Describe an operation that needs an admin token."""
    return {
        method: {
            "summary": summary,
            "description": "Needs an admin token (`pausewatch token create NAME --admin`).",
            "security": SECURED,
            **({"parameters": parameters} if parameters else {}),
            "responses": {"200": answer(model), **ADMIN_ERRORS, **responses},
        }
    }


def _decision(summary: str, conflict: JSON = DECIDED) -> JSON:
    return _operation(
        "post",
        summary,
        source_shapes.Decision,
        {
            "404": answer(shapes.Error, "No such review."),
            "409": conflict,
            "422": ERROR,
            "429": TOO_MANY,
        },
        [REVIEW_ID],
    )


PATHS: JSON = {
    "/api/v1/sources": _operation(
        "get",
        "The sources: what each reads, how its last run went, when it runs next (`source list`)",
        source_shapes.SourceList,
        {},
    ),
    "/api/v1/sources/{name}/run": _operation(
        "post",
        "Run a source now (`source run NAME`): every row or none; what the run did",
        source_shapes.RunResult,
        {
            "404": answer(shapes.Error, "No such source."),
            "422": ERROR,
            "429": TOO_MANY,
            "503": answer(
                shapes.Error,
                "The database does not answer, or this process has no fetcher to read "
                "sources with (`pausewatch serve` alone).",
            ),
        },
        [SOURCE_NAME],
    ),
    "/api/v1/reviews": _operation(
        "get",
        "The incidents of reviewed sources waiting for review, oldest first, a page at a time "
        "(`review list`)",
        source_shapes.ReviewList,
        {"400": ERROR, "404": answer(shapes.Error, "No such source.")},
        [query("source", "Only the incidents of this source.", NAME), *PAGE],
    ),
    "/api/v1/reviews/{id}/approve": _decision(
        "Store a waiting incident as the token's, with an add's alerts (`review approve ID`)",
        DECIDED_OR_WAITING,
    ),
    "/api/v1/reviews/{id}/reject": _decision(
        "Drop a waiting incident for good (`review reject ID`)"
    ),
}
