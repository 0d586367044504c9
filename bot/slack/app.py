"""The Slack app: the slash command over the command core, served in HTTP or Socket Mode."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import StartupError
from bot.commands.core import Caller, Core
from bot.commands.grammar import Command
from bot.commands.replies import Reply, admin_refusal
from bot.slack.home import HomeTab
from bot.slack.modal import ADD_CALLBACK, add_modal, field_errors, submitted_values
from bot.slack.render import fallback_text, render_blocks
from bot.slack.sender import SlackSender
from bot.slack.settings import SlackSettings
from storage.queries import series_names
from storage.seen import first_time

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

    @app.command(settings.slack_command)
    async def on_command(ack: Any, command: dict[str, Any], respond: Any) -> None:
        # Slack wants the acknowledgement within three seconds: answer later by response_url.
        await ack()
        async with core.database.write() as session:
            new = await first_time(
                session, f"slack:command:{command.get('trigger_id')}", core.clock()
            )
        if not new:
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
        reply = await core.handle(text or "help", caller)
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
        async with core.database.read() as session:
            names = await series_names(session)
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
        reply = await core.execute(Command(verb="add", series=series, fields=fields), caller)
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
