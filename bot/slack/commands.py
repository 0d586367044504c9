"""The slash command's listener: the whole grammar, acknowledged at once, answered by response URL.

A command Slack sends again is carried out once (by trigger id, by signature when there is
none); `add` alone opens the add form; `subscribe` is refused where the app cannot post.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands.core import Caller, Core
from bot.commands.recent import RecentKeys
from bot.commands.teams import not_a_team_admin
from bot.domain.replies import Reply
from bot.slack import form
from bot.slack.callers import Callers
from bot.slack.channels import posting_problem
from bot.slack.render import fallback_text, render_blocks
from bot.slack.text import unescape_command

PUBLIC_WORD = "public"


def split_public(text: str) -> tuple[str, bool]:
    """Take a trailing `public` off a command: the reply then goes to the whole channel."""
    words = text.split()
    if words and words[-1].lower() == PUBLIC_WORD:
        return " ".join(words[:-1]), True
    return text, False


def request_key(command: dict[str, Any], request: AsyncBoltRequest) -> str | None:
    """Return what identifies a slash command across retries and replays, if anything does.

    Slack's retries keep the trigger id; a replayed request keeps its signature. A command
    with neither is not deduplicated rather than keyed on a missing value.
    """
    trigger = command.get("trigger_id")
    if isinstance(trigger, str) and trigger:
        return f"slack:command:{trigger}"[:200]
    signature = request.headers.get("x-slack-signature", [""])
    value = signature[0] if isinstance(signature, list) and signature else signature
    if isinstance(value, str) and value:
        return f"slack:signature:{value}"[:200]
    return None


def _first_word(text: str) -> str:
    words = text.split(maxsplit=1)
    return words[0].casefold() if words else ""


async def answer(respond: Any, reply: Reply, public: bool = False) -> None:
    """Answer through the command's response URL: to the asker alone unless `public`."""
    await respond(
        blocks=render_blocks(reply),
        text=fallback_text(reply),
        response_type="in_channel" if public and not reply.is_error else "ephemeral",
    )


class SlashCommand:
    """The slash command's listener, with the keys of the commands it has carried out."""

    def __init__(self, core: Core, client: AsyncWebClient, callers: Callers) -> None:
        self.core = core
        self.client = client
        self.callers = callers
        # Read once, as the app is built: the slash command's name is registered from it too.
        self.settings = core.settings
        self.recent = RecentKeys()

    async def on_command(
        self, ack: Any, command: dict[str, Any], respond: Any, request: AsyncBoltRequest
    ) -> None:
        """Acknowledge the command, then answer it once through its response URL."""
        # Slack wants the acknowledgement within three seconds: answer later by response_url.
        await ack()
        key = request_key(command, request)
        # A retry that reaches this process is dropped here; a write's key is also claimed
        # in its transaction, so a retry that reaches another replica changes nothing.
        if key is not None and not self.recent.first_time(key):
            return
        text, public = split_public(unescape_command(command.get("text", "")))
        # The workspace it was typed in is the caller's team (team_id in a slash command).
        caller = await self.callers.of(
            command, user=command["user_id"], channel=command["channel_id"]
        )
        if await self._answered_before_the_core(text, command, caller, respond):
            return
        outcome = await self.core.handle_once(text or "help", caller, request_key=key)
        if not outcome.first_time:
            return
        await answer(respond, outcome.reply, public)
        await self._post_attachments(outcome.reply, caller, respond)

    async def _answered_before_the_core(
        self, text: str, command: dict[str, Any], caller: Caller, respond: Any
    ) -> bool:
        """Open the add form, or refuse it or a subscription here; say whether it was done."""
        verb = _first_word(text)
        if verb == "add" and text.strip().casefold() == "add":
            if not caller.is_admin:
                await answer(respond, not_a_team_admin("add"))
                return True
            await form.open_add_form(self.client, self.core, command, caller)
            return True
        if verb == "subscribe" and caller.is_admin:
            problem = await posting_problem(self.client, caller.channel)
            if problem is not None:
                await answer(respond, problem)
                return True
        return False

    async def _post_attachments(self, reply: Reply, caller: Caller, respond: Any) -> None:
        """Upload a reply's files to the channel: a file (the chart) cannot be sent privately."""
        for attachment in reply.attachments:
            try:
                await self.client.files_upload_v2(
                    channel=caller.channel,
                    content=attachment.content,
                    filename=attachment.filename,
                    title=reply.headline,
                )
            except SlackApiError as error:
                problem = Reply.error(
                    f"The chart could not be posted here ({error.response.get('error')}); "
                    "invite the app to the channel with /invite @pausewatch."
                )
                await answer(respond, problem)


def register(app: AsyncApp, core: Core, client: AsyncWebClient, callers: Callers) -> None:
    """Add the slash command's listener to the Bolt app."""
    listener = SlashCommand(core, client, callers)
    app.command(listener.settings.slack_command)(listener.on_command)
