"""Where people ask in words: a mention of the app, a direct message, and the ask-back buttons.

Each question is answered in a thread of the message (its own thread when it is already in
one), and the thread is the conversation: the core keeps its last question in the database,
so that a follow-up in it ("and in Syria?") changes one part of that question on any replica
and after a restart. The mention is taken off and the rest goes to the core as a question from
the event's user; writes stay admin-only as the core decides. Messages from bots (this one
included) and edits, deletions and other subtypes are left alone.

When the core asks back which reading was meant, the reply carries a button per choice
(render.py); a click is answered in the same thread as the choice's number would be, and the
offer's buttons are then replaced by the reading picked: one pick per offer.

Slack sends an event again when its acknowledgement seems late (X-Slack-Retry-Num), to this
replica or another. Each message and each click has a key that its retries keep; the core
claims it in the database, so any replica that gets it again posts nothing (and this process
drops a retry it has seen before reaching the database).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands.core import Core
from bot.commands.recent import RecentKeys
from bot.slack.callers import Callers, workspace_of
from bot.slack.render import CHOICE_ACTIONS, closed_offer, fallback_text, render_blocks
from bot.slack.text import unescape_command

log = logging.getLogger(__name__)

# A user mention as Slack writes it: <@U123> or <@U123|name>.
MENTION = re.compile(r"<@([^>|\s]+)(?:\|[^>]*)?>")
MAX_KEY = 200


def question_text(text: str, bot_user: str | None) -> str:
    """Take the app's mention off a message: its leading mentions, and the app's anywhere."""
    rest = text.strip()
    while (leading := MENTION.match(rest)) is not None:
        rest = rest[leading.end() :].lstrip(" ,:")
    if bot_user:
        rest = re.sub(rf"<@{re.escape(bot_user)}(?:\|[^>]*)?>", "", rest)
    return " ".join(unescape_command(rest).split())


def thread_key(channel: str, thread_ts: str) -> str:
    """Name a Slack thread as the core keeps its conversation: the channel and its first ts."""
    return f"slack:{channel}:{thread_ts}"


def message_key(channel: str, ts: str) -> str:
    """Return the key of a message, the same in every retry of every event that carries it.

    A message is named by its channel and ts rather than by the event's id, so that a
    direct message that also mentions the app (two events, two ids) is answered once.
    """
    return f"slack:message:{channel}:{ts}"[:MAX_KEY]


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


def _text(data: dict[str, Any] | None, key: str) -> str | None:
    value = (data or {}).get(key)
    return value if isinstance(value, str) and value else None


def clicked_in(body: dict[str, Any]) -> tuple[str, str, str] | None:
    """Return (channel, thread ts, message ts) of a clicked button's message, if Slack said.

    The ask-back message is itself a reply in the asker's thread: Slack names that thread in
    the container (and in the message) as thread_ts.
    """
    container = body.get("container") or {}
    message = body.get("message") or {}
    channel = _text(container, "channel_id") or _text(body.get("channel"), "id")
    message_ts = _text(container, "message_ts") or _text(message, "ts")
    if channel is None or message_ts is None:
        return None
    thread_ts = _text(container, "thread_ts") or _text(message, "thread_ts") or message_ts
    return channel, thread_ts, message_ts


@dataclass(frozen=True)
class Asker:
    """Who asked, in which workspace and channel."""

    workspace: str | None
    user: str
    channel: str


class Messages:
    """The app_mention, message.im and choice listeners, with the keys they have answered."""

    def __init__(self, core: Core, client: AsyncWebClient, callers: Callers) -> None:
        self.core = core
        self.client = client
        self.callers = callers
        self.settings = core.settings
        self.recent = RecentKeys()

    async def on_mention(self, event: dict[str, Any], body: dict[str, Any], context: Any) -> None:
        """Answer a mention of the app in a channel."""
        await self._answer(event, body, context)

    async def on_message(self, event: dict[str, Any], body: dict[str, Any], context: Any) -> None:
        """Answer a direct message to the app (its Messages tab); leave other messages."""
        if event.get("channel_type") == "im":
            await self._answer(event, body, context)

    async def on_choice(self, ack: Any, body: dict[str, Any]) -> None:
        """Answer a click on one of the choices offered, in the thread it was offered in."""
        await ack()
        where = clicked_in(body)
        value = _text(body["actions"][0], "value")
        if where is None or value is None:
            log.info("a choice was clicked where Slack did not say which message held it")
            return
        channel, thread_ts, message_ts = where
        user = body["user"]["id"]
        # One reading is picked per offer, whoever clicks: once it is, the thread's question
        # is that reading and the other numbers no longer name anything, so a second click
        # (a double click, another button, another person, a retry) is not answered.
        key = f"slack:choice:{channel}:{message_ts}"[:MAX_KEY]
        asker = Asker(workspace_of(body), user, channel)
        if await self._ask(value, asker, thread_ts, key):
            await self._close_offer(body.get("message") or {}, channel, message_ts, value, user)

    async def _close_offer(
        self, message: dict[str, Any], channel: str, message_ts: str, value: str, user: str
    ) -> None:
        """Replace the offer's buttons with the reading picked, so that none is clicked again."""
        blocks = message.get("blocks")
        if not isinstance(blocks, list):
            return
        await self.client.chat_update(
            channel=channel,
            ts=message_ts,
            blocks=closed_offer(blocks, value, user),
            text=_text(message, "text") or "Which did you mean?",
        )

    async def _answer(self, event: dict[str, Any], body: dict[str, Any], context: Any) -> None:
        bot_user = _bot_user(body, context)
        channel = event.get("channel")
        ts = event.get("ts")
        if not from_a_person(event, bot_user) or not isinstance(channel, str) or not ts:
            return
        text = question_text(str(event.get("text") or ""), bot_user)
        thread_ts = event.get("thread_ts") or ts
        # The envelope's team_id is the workspace the app was asked in.
        asker = Asker(workspace_of(body), event["user"], channel)
        await self._ask(text or "help", asker, thread_ts, message_key(channel, ts))

    async def _ask(self, text: str, asker: Asker, thread_ts: str, key: str) -> bool:
        """Ask the core in the thread's conversation; post its answer there, once per key.

        Return whether it was answered (False: the key was answered before, here or on
        another replica).
        """
        # A retry that reaches this process again stops here, before the database; one that
        # reaches another replica finds the key claimed there, and the core says so.
        if not self.recent.first_time(key):
            return False
        channel = asker.channel
        caller = await self.callers.caller(
            workspace=asker.workspace, user=asker.user, channel=channel
        )
        outcome = await self.core.ask(
            text, caller, thread=thread_key(channel, thread_ts), request_key=key
        )
        if not outcome.first_time:
            return False
        reply = outcome.reply
        await self.client.chat_postMessage(
            channel=channel,
            thread_ts=thread_ts,
            blocks=render_blocks(reply),
            text=fallback_text(reply),
        )
        return True


def register(app: AsyncApp, core: Core, client: AsyncWebClient, callers: Callers) -> None:
    """Add the app_mention, message and choice-button listeners to the Bolt app."""
    listener = Messages(core, client, callers)
    app.event("app_mention")(listener.on_mention)
    app.event("message")(listener.on_message)
    app.action(CHOICE_ACTIONS)(listener.on_choice)
