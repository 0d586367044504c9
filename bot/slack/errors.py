"""The Slack adapter's one error boundary: an error id for the user, the traceback for the log.

A request no listener takes is logged and left alone. Only requests from Slack reach a listener
(Bolt refuses an HTTP request it cannot verify, with 401, before any listener runs; Socket Mode's
come over our socket), so the response URL an error is told to is Slack's, not a sender's.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.error import BoltUnhandledRequestError

from bot.domain.replies import Reply
from bot.slack.render import fallback_text, render_blocks

# Logged under the app module's name, as before the listeners left it: the lines read as they did.
log = logging.getLogger("bot.slack.app")


async def on_error(error: Exception, body: dict[str, Any], respond: Any = None) -> None:
    """Log a listener's failure under a short id and tell the id to whoever asked."""
    if isinstance(error, BoltUnhandledRequestError):
        log.info("no listener for a Slack request of type %r", str(body.get("type"))[:40])
        return
    error_id = uuid.uuid4().hex[:8]
    log.error("error %s handling a Slack request", error_id, exc_info=error)
    if respond is not None and body.get("response_url"):
        reply = Reply.error(f"Something went wrong (error {error_id}); an admin can look it up.")
        await respond(
            blocks=render_blocks(reply), text=fallback_text(reply), response_type="ephemeral"
        )


def register(app: AsyncApp) -> None:
    """Make `on_error` the Bolt app's error handler."""
    app.error(on_error)
