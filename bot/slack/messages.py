"""Where people ask in words: a mention of the app in a channel, and a direct message to it.

Each is answered in a thread of the message (its own thread when it is already in one). The
mention is taken off and the rest goes to the core as a question from the event's user; writes
stay admin-only as the core decides. Messages from bots (this one included) and edits, deletions
and other subtypes are left alone. An event Slack sends again (X-Slack-Retry-Num) keeps its
event id: it is answered once by this process, and a write it asks for is made once by any
replica (its key is claimed in the write's transaction, as the slash command's is).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands.core import Caller, Core
from bot.slack.commands import RecentKeys
from bot.slack.render import fallback_text, render_blocks
from bot.slack.text import unescape_command

log = logging.getLogger(__name__)

# A user mention as Slack writes it: <@U123> or <@U123|name>.
MENTION = re.compile(r"<@([^>|\s]+)(?:\|[^>]*)?>")


def question_text(text: str, bot_user: str | None) -> str:
    """Take the app's mention off a message: its leading mentions, and the app's anywhere."""
    rest = text.strip()
    while (leading := MENTION.match(rest)) is not None:
        rest = rest[leading.end() :].lstrip(" ,:")
    if bot_user:
        rest = re.sub(rf"<@{re.escape(bot_user)}(?:\|[^>]*)?>", "", rest)
    return " ".join(unescape_command(rest).split())


def _bot_user(body: dict[str, Any], context: Any) -> str | None:
    """The app's own user id: Bolt's context, else the event's authorizations."""
    user = getattr(context, "bot_user_id", None) if context is not None else None
    if isinstance(user, str) and user:
        return user
    for authorization in body.get("authorizations") or []:
        if isinstance(authorization, dict) and authorization.get("is_bot"):
            found = authorization.get("user_id")
            if isinstance(found, str) and found:
                return found
    return None


def from_a_person(event: dict[str, Any], bot_user: str | None) -> bool:
    """Say whether an event is a plain message a person wrote (no bot, no edit or deletion)."""
    if event.get("bot_id") or event.get("subtype") or event.get("bot_profile"):
        return False
    user = event.get("user")
    return isinstance(user, str) and bool(user) and user != bot_user


class Messages:
    """The app_mention and message.im listeners, with the event ids they have answered."""

    def __init__(self, core: Core, client: AsyncWebClient) -> None:
        self.core = core
        self.client = client
        self.settings = core.settings
        self.recent = RecentKeys()

    async def on_mention(self, event: dict[str, Any], body: dict[str, Any], context: Any) -> None:
        """Answer a mention of the app in a channel."""
        await self._answer(event, body, context)

    async def on_message(self, event: dict[str, Any], body: dict[str, Any], context: Any) -> None:
        """Answer a direct message to the app (its Messages tab); leave other messages."""
        if event.get("channel_type") == "im":
            await self._answer(event, body, context)

    def _key(self, body: dict[str, Any]) -> str | None:
        """Return the event's key (its event id, kept by Slack's retries), if it has one."""
        event_id = body.get("event_id")
        if not isinstance(event_id, str) or not event_id:
            return None
        return f"slack:event:{event_id}"[:200]

    async def _answer(self, event: dict[str, Any], body: dict[str, Any], context: Any) -> None:
        bot_user = _bot_user(body, context)
        channel = event.get("channel")
        ts = event.get("thread_ts") or event.get("ts")
        if not from_a_person(event, bot_user) or not isinstance(channel, str) or not ts:
            return
        key = self._key(body)
        # A retry that reaches this process is dropped here; a write's key is also claimed
        # in its transaction, so a retry that reaches another replica changes nothing.
        if key is not None and not self.recent.first_time(key):
            return
        user = event["user"]
        caller = Caller(
            user=user, is_admin=self.settings.is_admin(user), platform="slack", channel=channel
        )
        text = question_text(str(event.get("text") or ""), bot_user)
        outcome = await self.core.handle_once(text or "help", caller, request_key=key)
        if not outcome.first_time:
            return
        reply = outcome.reply
        await self.client.chat_postMessage(
            channel=channel,
            thread_ts=ts,
            blocks=render_blocks(reply),
            text=fallback_text(reply),
        )


def register(app: AsyncApp, core: Core, client: AsyncWebClient) -> None:
    """Add the app_mention and message listeners to the Bolt app."""
    listener = Messages(core, client)
    app.event("app_mention")(listener.on_mention)
    app.event("message")(listener.on_message)
