"""Errors as JSON: one shape for every 4xx and 5xx, and the one error boundary of the server."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

from bot.commands.command import CommandError, GrammarError
from bot.commands.context import Unavailable

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ApiError(web.HTTPException):
    """An HTTP error of any status, with a JSON body."""

    def __init__(self, status: int, **options: Any) -> None:
        self.status_code = status
        super().__init__(**options)


def json_error(
    status: int,
    message: str,
    *,
    fields: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: object,
) -> web.HTTPException:
    """Return an HTTP error whose body says what was wrong, per field when known."""
    body: dict[str, object] = {"error": message}
    if fields:
        body["fields"] = dict(fields)
    body.update(extra)
    return ApiError(
        status,
        text=json.dumps(body, ensure_ascii=False),
        content_type="application/json",
        headers=dict(headers or {}),
    )


@web.middleware
async def error_boundary(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn domain errors into JSON answers, and anything unexpected into an id to quote."""
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status >= 400 and error.content_type != "application/json":
            # aiohttp's own 404 and 405 (no such route): said in the API's shape too.
            raise json_error(error.status, error.reason, headers=_kept(error)) from None
        raise
    except GrammarError as error:
        raise json_error(400, str(error)) from None
    except CommandError as error:
        raise json_error(422, str(error)) from None
    except Unavailable as error:
        raise json_error(503, str(error), headers={"Retry-After": "30"}) from None
    except Exception:
        error_id = uuid.uuid4().hex[:8]
        log.exception("error %s answering %s %s", error_id, request.method, request.path)
        raise json_error(
            500, f"Something went wrong (error {error_id}); an admin can look it up in the log."
        ) from None


def _kept(error: web.HTTPException) -> dict[str, str]:
    return {k: v for k, v in error.headers.items() if k.lower() in ("allow", "retry-after")}


def per_field(
    check: Callable[[Mapping[str, Any]], object], given: Mapping[str, Any]
) -> dict[str, str]:
    """Say which of the values given are wrong on their own, each with the chat's message."""
    fields = {}
    for name, value in given.items():
        try:
            check({name: value})
        except GrammarError as error:
            fields[name] = str(error)
    return fields
