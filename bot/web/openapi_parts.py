"""The parts the OpenAPI document's paths are written with: parameters, answers, errors.

Shared by bot/web/openapi.py (the questions and writes) and bot/web/openapi_admin.py (the
sources and the review queue).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from bot.web import shapes
from bot.web.components import ref

JSON = dict[str, Any]


def query(name: str, description: str, schema: JSON | None = None) -> JSON:
    """Describe one query parameter."""
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def answer(model: type[BaseModel], description: str = "The answer.") -> JSON:
    """Describe a JSON answer."""
    return {"description": description, "content": {"application/json": {"schema": ref(model)}}}


ERROR = answer(shapes.Error, "What was wrong, per field when it is known.")
UNAUTHORISED = {
    **answer(shapes.Error, "No token (where one is needed), or one revoked or never made."),
    "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
}
UNAVAILABLE = answer(shapes.Error, "The database does not answer.")
GATED = {"401": UNAUTHORISED, "503": UNAVAILABLE}
SECURED: list[JSON] = [{"bearer": []}]
# Which setting lets anyone read an operation without a token; the document served says
# which are on (`served`), this one describes the default: every read needs a token.
PUBLIC_WHEN = "x-public-when"
