"""The Slack app: the slash command over the command core, served in HTTP or Socket Mode."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import OrderedDict
from typing import Any

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import StartupError
from bot.commands.core import Caller, Core
from bot.commands.grammar import Command
from bot.commands.replies import Reply, admin_refusal
from bot.domain.fields import parse_fields
from bot.slack.home import HomeTab
from bot.slack.modal import ADD_CALLBACK, add_modal, field_errors, submitted_values
from bot.slack.render import fallback_text, render_blocks
from bot.slack.sender import SlackSender
from bot.slack.settings import SlackSettings

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
PUBLIC_WORD = "public"


def web_client(slack: SlackSettings) -> AsyncWebClient:
    """Return the Web API client, pointed at SLACK_API_URL when it is set."""
    assert slack.slack_bot_token is not None
    options: dict[str, Any] = {"token": slack.slack_bot_token.get_secret_value()}
    if slack.slack_api_url:
        options["base_url"] = slack.slack_api_url
    return AsyncWebClient(**options)


async def check_token(client: AsyncWebClient) -> None:
    """Fail start-up with a clear message when Slack refuses the bot token."""
    try:
        await client.auth_test()
    except SlackApiError as error:
        raise StartupError(
            f"Slack refused SLACK_BOT_TOKEN ({error.response.get('error')}): copy the Bot User "
            "OAuth Token again from the app's OAuth & Permissions page"
        ) from None


def split_public(text: str) -> tuple[str, bool]:
    """Take a trailing `public` off a command: the reply then goes to the whole channel."""
    words = text.split()
    if words and words[-1].lower() == PUBLIC_WORD:
        return " ".join(words[:-1]), True
    return text, False


class RecentKeys:
    """The request keys this process has seen lately (a bounded, in-memory set)."""

    def __init__(self, size: int = 2_000) -> None:
        self.size = size
        self._keys: OrderedDict[str, None] = OrderedDict()

    def first_time(self, key: str) -> bool:
        """Record `key`; say whether it is new here."""
        if key in self._keys:
            return False
        self._keys[key] = None
        if len(self._keys) > self.size:
            self._keys.popitem(last=False)
        return True


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


def build_app(
    core: Core, slack: SlackSettings, client: AsyncWebClient, home: HomeTab | None = None
) -> AsyncApp:
    """Make the Bolt app: one slash command taking the whole grammar of the command core."""
    home = home or HomeTab(core, client)
    signing_secret = (
        slack.slack_signing_secret.get_secret_value() if slack.slack_signing_secret else None
    )
    app = AsyncApp(client=client, signing_secret=signing_secret)
    settings = core.settings

    recent = RecentKeys()

    @app.command(settings.slack_command)
    async def on_command(
        ack: Any, command: dict[str, Any], respond: Any, request: AsyncBoltRequest
    ) -> None:
        # Slack wants the acknowledgement within three seconds: answer later by response_url.
        await ack()
        key = request_key(command, request)
        # A retry that reaches this process is dropped here; a write's key is also claimed
        # in its transaction, so a retry that reaches another replica changes nothing.
        if key is not None and not recent.first_time(key):
            return
        text, public = split_public(command.get("text", ""))
        user = command["user_id"]
        caller = Caller(
            user=user,
            is_admin=settings.is_admin(user),
            platform="slack",
            channel=command["channel_id"],
        )
        if text.strip().lower() == "add":
            if not caller.is_admin:
                refusal = admin_refusal("add")
                await respond(blocks=render_blocks(refusal), text=fallback_text(refusal))
                return
            await open_add_modal(command, caller)
            return
        outcome = await core.handle_once(text or "help", caller, request_key=key)
        if not outcome.first_time:
            return
        reply = outcome.reply
        await respond(
            blocks=render_blocks(reply),
            text=fallback_text(reply),
            response_type="in_channel" if public and not reply.is_error else "ephemeral",
        )
        # A reply's file (the chart) cannot be sent privately: it goes to the channel.
        for attachment in reply.attachments:
            try:
                await client.files_upload_v2(
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
                await respond(blocks=render_blocks(problem), text=fallback_text(problem))

    async def open_add_modal(command: dict[str, Any], caller: Caller) -> None:
        names = await core.series_names()
        view = add_modal(
            series=names,
            default_series=settings.default_series,
            today=core.today(),
            channel=caller.channel,
        )
        await client.views_open(trigger_id=command["trigger_id"], view=view)

    @app.view(ADD_CALLBACK)
    async def on_add_submitted(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        values = submitted_values(view["state"]["values"])
        errors = field_errors(values, core.today())
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        user = body["user"]["id"]
        channel = view.get("private_metadata") or user
        caller = Caller(user, settings.is_admin(user), "slack", channel)
        series = values.pop("series", "") or None
        fields = {name: text for name, text in values.items() if text.strip()}
        incident = parse_fields(fields, today=core.today())
        outcome = await core.execute_once(
            Command(verb="add", series=series, incident=incident),
            caller,
            request_key=f"slack:view:{view['id']}" if view.get("id") else None,
        )
        if not outcome.first_time:
            return  # a replayed submission: the incident was stored the first time
        reply = outcome.reply
        await client.chat_postEphemeral(
            channel=channel, user=user, blocks=render_blocks(reply), text=fallback_text(reply)
        )

    @app.event("app_home_opened")
    async def on_home_opened(event: dict[str, Any]) -> None:
        if event.get("tab", "home") == "home":
            await home.publish(event["user"])

    @app.error
    async def on_error(error: Exception, body: dict[str, Any], respond: Any = None) -> None:
        # The one error boundary: the user gets an id to quote, the log the traceback.
        error_id = uuid.uuid4().hex[:8]
        log.error("error %s handling a Slack request", error_id, exc_info=error)
        if respond is not None and body.get("response_url"):
            reply = Reply.error(
                f"Something went wrong (error {error_id}); an admin can look it up."
            )
            await respond(blocks=render_blocks(reply), text=fallback_text(reply))

    return app


async def serve_http(app: AsyncApp, host: str, port: int) -> web.AppRunner:
    """Serve Slack's requests at /slack/events; return the runner, to stop it later."""
    runner = web.AppRunner(app.web_app(path=EVENTS_PATH, port=port))
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


def bound_port(runner: web.AppRunner) -> int:
    """Return the port a runner listens on (useful when it was given port 0)."""
    return int(runner.addresses[0][1])


class SlackPlatform:
    """Slack for the platform runner: Socket Mode with an app token, else HTTP mode."""

    def __init__(self, core: Core, slack: SlackSettings) -> None:
        slack.check()
        self.core = core
        self.slack = slack
        self.client = web_client(slack)
        self.sender = SlackSender(self.client)
        self.home = HomeTab(core, self.client)

    async def connect(self) -> None:
        """Check the token with Slack before anything is served."""
        await check_token(self.client)

    def after_write(self) -> None:
        """Show new incidents on the Home tabs."""
        self.home.refresh_soon()

    async def serve(self, stop: asyncio.Event) -> None:
        """Answer Slack until `stop` is set."""
        app = build_app(self.core, self.slack, self.client, self.home)
        if self.slack.slack_app_token is not None:
            handler = AsyncSocketModeHandler(app, self.slack.slack_app_token.get_secret_value())
            await handler.connect_async()
            log.warning("pausewatch is connected to Slack in Socket Mode")
            try:
                await stop.wait()
            finally:
                await handler.close_async()
            return
        settings = self.core.settings
        runner = await serve_http(app, settings.host, settings.port)
        log.warning(
            "pausewatch answers Slack at http://%s:%d%s", settings.host, settings.port, EVENTS_PATH
        )
        try:
            await stop.wait()
        finally:
            await runner.cleanup()
