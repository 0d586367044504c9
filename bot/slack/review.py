"""The review buttons' listeners: Approve / Reject under a candidate, passed to the core.

The decision is the core's (admins only, once whoever clicks); the message is then
replaced by what was decided, so that its buttons are not clicked again.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.commands.command import Command
from bot.commands.core import Core
from bot.slack.callers import Callers
from bot.slack.render import fallback_text, render_blocks

REVIEW_ACTIONS = re.compile(r"^review_(approve|reject)$")


def register(app: AsyncApp, core: Core, callers: Callers) -> None:
    """Add the review buttons' listener to the Bolt app."""

    @app.action(REVIEW_ACTIONS)
    async def on_review(ack: Any, body: dict[str, Any], respond: Any) -> None:
        await ack()
        action = body["actions"][0]
        # The workspace the button was clicked in (team.id) is the caller's team.
        caller = await callers.of(
            body, user=body["user"]["id"], channel=(body.get("channel") or {}).get("id", "")
        )
        topic = str(action["action_id"]).removeprefix("review_")
        reply = await core.execute(
            Command(verb="review", topic=topic, words=(str(action.get("value", "")),)), caller
        )
        if reply.is_error:
            # A refusal is told to the one who clicked; the buttons stay for an admin.
            await respond(
                blocks=render_blocks(reply),
                text=fallback_text(reply),
                response_type="ephemeral",
                replace_original=False,
            )
            return
        await respond(blocks=render_blocks(reply), text=fallback_text(reply), replace_original=True)
