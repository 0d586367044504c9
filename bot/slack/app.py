"""The Slack app: the slash command, the add form and the Home tab over the command core.

Served in Socket Mode, or in HTTP mode behind the verifying endpoint of bot/slack/http.py.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import OrderedDict
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import StartupError
from bot.commands.core import Caller, Core
from bot.commands.replies import admin_refusal
from bot.domain.replies import Reply
from bot.slack import form, review
from bot.slack.channels import posting_problem
from bot.slack.home import HomeTab
from bot.slack.http import EVENTS_PATH, VERIFIED, add_slack_routes, serve
from bot.slack.render import fallback_text, render_blocks
from bot.slack.sender import SlackSender
from bot.slack.settings import SlackSettings
from bot.slack.text import unescape_command

log = logging.getLogger(__name__)
PUBLIC_WORD = "public"
SOCKET_PING_SECONDS = 10.0


class _SameClientToken(logging.Filter):
    """Drop Bolt's warning that its token is unused because a client was given.

    Bolt reads SLACK_BOT_TOKEN from the environment itself even when handed a client; the
    client holds that same token, so the warning only alarms whoever reads the log.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


def _quiet_bolt_token_warning() -> None:
    bolt_log = logging.getLogger("slack_bolt.AsyncApp")
    if not any(isinstance(f, _SameClientToken) for f in bolt_log.filters):
        bolt_log.addFilter(_SameClientToken())


def web_client(slack: SlackSettings) -> AsyncWebClient:
    """Return the Web API client, pointed at SLACK_API_URL when it is set."""
    assert slack.slack_bot_token is not None
    options: dict[str, Any] = {"token": slack.slack_bot_token.get_secret_value()}
    if slack.slack_api_url:
        options["base_url"] = slack.slack_api_url
    return AsyncWebClient(**options)


async def check_token(client: AsyncWebClient) -> None:
    """Fail start-up with one clear line when Slack cannot be reached or refuses the token."""
    try:
        await client.auth_test()
    except SlackApiError as error:
        raise StartupError(
            f"Slack refused SLACK_BOT_TOKEN ({error.response.get('error')}): copy the Bot User "
            "OAuth Token again from the app's OAuth & Permissions page"
        ) from None
    except (aiohttp.ClientError, OSError, TimeoutError) as error:
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise StartupError(
            f"cannot reach Slack at {client.base_url} ({reason}): check the network, "
            "or SLACK_API_URL if it is set"
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


def _first_word(text: str) -> str:
    words = text.split(maxsplit=1)
    return words[0].casefold() if words else ""


def _trusted(request: AsyncBoltRequest) -> bool:
    """Say whether a request came from Slack: over our socket, or verified by the endpoint."""
    return request.mode == "socket_mode" or bool(request.context.get(VERIFIED))


def build_app(
    core: Core, slack: SlackSettings, client: AsyncWebClient, home: HomeTab | None = None
) -> AsyncApp:
    """Make the Bolt app: one slash command taking the whole grammar of the command core.

    Its requests are verified before they reach it (bot/slack/http.py in HTTP mode, the
    app-level token's socket in Socket Mode), so Bolt does not verify them again.
    """
    home = home or HomeTab(core, client)
    _quiet_bolt_token_warning()
    app = AsyncApp(
        client=client,
        signing_secret="verified-by-the-endpoint",  # noqa: S106 (not a secret: unused)
        request_verification_enabled=False,
        raise_error_for_unhandled_request=True,
    )
    settings = core.settings

    recent = RecentKeys()

    async def answer(respond: Any, reply: Reply, public: bool = False) -> None:
        await respond(
            blocks=render_blocks(reply),
            text=fallback_text(reply),
            response_type="in_channel" if public and not reply.is_error else "ephemeral",
        )

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
        text, public = split_public(unescape_command(command.get("text", "")))
        user = command["user_id"]
        caller = Caller(
            user=user,
            is_admin=settings.is_admin(user),
            platform="slack",
            channel=command["channel_id"],
        )
        verb = _first_word(text)
        if verb == "add" and text.strip().casefold() == "add":
            if not caller.is_admin:
                await answer(respond, admin_refusal("add"))
                return
            await form.open_add_form(client, core, command, caller)
            return
        if verb == "subscribe" and caller.is_admin:
            problem = await posting_problem(client, caller.channel)
            if problem is not None:
                await answer(respond, problem)
                return
        outcome = await core.handle_once(text or "help", caller, request_key=key)
        if not outcome.first_time:
            return
        reply = outcome.reply
        await answer(respond, reply, public)
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
                await answer(respond, problem)

    form.register(app, core, client)
    review.register(app, core)

    @app.event("app_home_opened")
    async def on_home_opened(event: dict[str, Any]) -> None:
        if event.get("tab", "home") == "home":
            await home.publish(event["user"])

    @app.error
    async def on_error(
        error: Exception, body: dict[str, Any], request: AsyncBoltRequest, respond: Any = None
    ) -> None:
        if isinstance(error, BoltUnhandledRequestError):
            log.info("no listener for a Slack request of type %r", str(body.get("type"))[:40])
            return
        # The one error boundary: the user gets an id to quote, the log the traceback.
        error_id = uuid.uuid4().hex[:8]
        log.error("error %s handling a Slack request", error_id, exc_info=error)
        # Only a request from Slack is answered: its response URL is Slack's, not a sender's.
        if respond is not None and _trusted(request) and body.get("response_url"):
            reply = Reply.error(
                f"Something went wrong (error {error_id}); an admin can look it up."
            )
            await answer(respond, reply)

    return app


async def serve_http(app: AsyncApp, signing_secret: str, host: str, port: int) -> web.AppRunner:
    """Serve Slack's requests at /slack/events on their own; return the runner, to stop it."""
    web_app = web.Application()
    add_slack_routes(web_app, app, signing_secret=signing_secret)
    return await serve(web_app, host, port)


class SlackPlatform:
    """Slack for the platform runner: Socket Mode with an app token, else HTTP mode."""

    def __init__(
        self, core: Core, slack: SlackSettings, *, socket_ping_seconds: float = SOCKET_PING_SECONDS
    ) -> None:
        slack.check()
        self.core = core
        self.slack = slack
        self.client = web_client(slack)
        self.sender = SlackSender(self.client)
        self.home = HomeTab(core, self.client)
        self.bolt = build_app(core, slack, self.client, self.home)
        # How often Socket Mode checks its connection, and so how soon it replaces a dead one.
        self.socket_ping_seconds = socket_ping_seconds
        # Set when the HTTP side (bot/web) serves /slack/events on its own port instead.
        self.routes_served_elsewhere = False
        self.socket: AsyncSocketModeHandler | None = None

    async def connect(self) -> None:
        """Check the token with Slack before anything is served."""
        await check_token(self.client)

    def is_connected(self) -> bool:
        """Say whether Slack can reach the bot now: in Socket Mode, whether the socket is open."""
        if self.socket is None:
            return self.http_mode
        client = self.socket.client
        session = client.current_session
        return not client.closed and not client.stale and session is not None and not session.closed

    def after_write(self) -> None:
        """Show new incidents on the Home tabs."""
        self.home.refresh_soon()

    @property
    def http_mode(self) -> bool:
        """Say whether Slack sends its requests to us (no app token: no Socket Mode)."""
        return self.slack.slack_app_token is None

    def add_routes(self, web_app: web.Application) -> None:
        """Answer Slack's HTTP requests at /slack/events on `web_app` (beside its other routes)."""
        assert self.slack.slack_signing_secret is not None
        self.routes_served_elsewhere = True
        add_slack_routes(
            web_app, self.bolt, signing_secret=self.slack.slack_signing_secret.get_secret_value()
        )

    async def serve(self, stop: asyncio.Event) -> None:
        """Answer Slack until `stop` is set."""
        if self.slack.slack_app_token is not None:
            handler = AsyncSocketModeHandler(
                self.bolt,
                self.slack.slack_app_token.get_secret_value(),
                ping_interval=self.socket_ping_seconds,
            )
            await handler.connect_async()
            self.socket = handler
            log.warning("pausewatch is connected to Slack in Socket Mode")
            try:
                await stop.wait()
            finally:
                self.socket = None
                await handler.close_async()
            return
        if self.routes_served_elsewhere:
            log.warning("pausewatch answers Slack at %s on the HTTP side's port", EVENTS_PATH)
            await stop.wait()
            return
        settings = self.core.settings
        web_app = web.Application()
        self.add_routes(web_app)
        runner = await serve(web_app, settings.host, settings.port)
        log.warning(
            "pausewatch answers Slack at http://%s:%d%s", settings.host, settings.port, EVENTS_PATH
        )
        try:
            await stop.wait()
        finally:
            await runner.cleanup()
