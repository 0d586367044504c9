"""The Slack adapter's one error boundary: an error id for the user, the traceback for the log.

A request no listener takes is logged and left alone; only a request that came from Slack is
answered, since its response URL is Slack's and not a sender's.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.domain.replies import Reply
from bot.slack.http import VERIFIED
from bot.slack.render import fallback_text, render_blocks

# Logged under the app module's name, as before the listeners left it: the lines read as they did.
log = logging.getLogger("bot.slack.app")


def _trusted(request: AsyncBoltRequest) -> bool:
    """Say whether a request came from Slack: over our socket, or verified by the endpoint."""
    return request.mode == "socket_mode" or bool(request.context.get(VERIFIED))


async def on_error(
    error: Exception, body: dict[str, Any], request: AsyncBoltRequest, respond: Any = None
) -> None:
    """Log a listener's failure under a short id and tell the id to whoever asked."""
    if isinstance(error, BoltUnhandledRequestError):
        log.info("no listener for a Slack request of type %r", str(body.get("type"))[:40])
        return
    error_id = uuid.uuid4().hex[:8]
    log.error("error %s handling a Slack request", error_id, exc_info=error)
    if respond is not None and _trusted(request) and body.get("response_url"):
        reply = Reply.error(f"Something went wrong (error {error_id}); an admin can look it up.")
        await respond(
            blocks=render_blocks(reply), text=fallback_text(reply), response_type="ephemeral"
        )


def register(app: AsyncApp) -> None:
    """Make `on_error` the Bolt app's error handler."""
    app.error(on_error)
