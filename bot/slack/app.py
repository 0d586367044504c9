"""The Slack app: its client and start-up check, the Bolt app built from its listeners, serving.

The listeners live one module per kind of request, each with its `register(app, ...)`: the
slash command (commands.py), the add form (form.py), the review buttons (review.py), the Home
tab's event (events.py), mentions and direct messages (messages.py) and the one error
boundary (errors.py). Served in Socket Mode, or in HTTP mode behind the endpoint of
bot/slack/http.py, with Bolt's own request verification on (bot/slack/verify.py). With
SLACK_CLIENT_ID and SLACK_CLIENT_SECRET set it serves many workspaces, each installed through
Bolt's OAuth flow and each called with its own token (bot/slack/installs.py).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands.core import Core
from bot.commands.review_messages import originals_of
from bot.settings import StartupError
from bot.slack import commands, errors, events, form, installs, messages, review
from bot.slack.callers import Callers
from bot.slack.home import HomeTab
from bot.slack.http import EVENTS_PATH, add_slack_routes, serve
from bot.slack.installs import Abandon, ClockStateStore, TeamClient, TeamOf, installation_store
from bot.slack.sender import SlackSender
from bot.slack.settings import SlackSettings
from bot.slack.verify import use_clock

log = logging.getLogger(__name__)
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
    """Return the Web API client, pointed at SLACK_API_URL when it is set.

    With many workspaces, the client calls with the token of the team being served.
    """
    options: dict[str, Any] = {}
    if slack.slack_api_url:
        options["base_url"] = slack.slack_api_url
    if slack.oauth:
        return TeamClient(**options)
    assert slack.slack_bot_token is not None
    return AsyncWebClient(token=slack.slack_bot_token.get_secret_value(), **options)


async def check_token(client: AsyncWebClient) -> str | None:
    """Fail start-up with one clear line when Slack cannot be reached or refuses the token;
    return the id of the workspace the token is of."""
    try:
        answer = await client.auth_test()
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
    team = answer.get("team_id")
    return team if isinstance(team, str) and team else None


def _oauth_options(core: Core, slack: SlackSettings) -> dict[str, Any]:
    """Return AsyncApp's OAuth settings with many workspaces; none with one."""
    if not slack.oauth:
        return {}
    assert slack.slack_client_id is not None and slack.slack_client_secret is not None
    engine = core.database.engine
    return {
        "oauth_settings": installs.oauth_settings(
            client_id=slack.slack_client_id,
            client_secret=slack.slack_client_secret.get_secret_value(),
            store=installation_store(engine, slack.slack_client_id),
            state_store=ClockStateStore(engine, core.clock),
            redirect_uri=slack.slack_redirect_uri,
        )
    }


def build_app(
    core: Core,
    slack: SlackSettings,
    client: AsyncWebClient,
    home: HomeTab | None = None,
    *,
    abandon: Abandon | None = None,
    callers: Callers | None = None,
) -> AsyncApp:
    """Make the Bolt app and register its listeners, one module per kind of request.

    Bolt verifies each HTTP request itself: the signing secret, and a timestamp within five
    minutes of the core's clock. Socket Mode's requests come over the app-level token's socket
    and Bolt does not verify them. With many workspaces, `abandon` fails the pending messages
    of a team that removed the app.
    """
    home = home or HomeTab(core, client)
    _quiet_bolt_token_warning()
    secret = slack.slack_signing_secret
    # Socket Mode needs no signing secret; Bolt's verification skips its requests.
    signing_secret = "unused-in-socket-mode" if secret is None else secret.get_secret_value()
    app = AsyncApp(
        client=client,
        signing_secret=signing_secret,
        request_verification_enabled=True,
        raise_error_for_unhandled_request=True,
        **_oauth_options(core, slack),
    )
    use_clock(app, signing_secret, lambda: core.clock().timestamp())
    if app.oauth_flow is not None:
        store = app.oauth_flow.settings.installation_store
        installs.register(app, store, abandon)  # each team's token; uninstalls
        home.tokens = lambda workspace: installs.bot_token(store, workspace)
    # Each request's workspace is the caller's team; its admins as users.info and the team say.
    callers = callers or Callers(core, client)
    commands.register(app, core, client, callers)  # the slash command
    form.register(app, core, client, callers)  # the add form: its series menu and submission
    review.register(app, core, callers)  # the review buttons
    events.register(app, home)  # the Home tab
    messages.register(app, core, client, callers)  # mentions and DMs, answered in a thread
    errors.register(app)  # the one error boundary
    return app


async def serve_http(app: AsyncApp, host: str, port: int) -> web.AppRunner:
    """Serve Slack's requests at /slack/events on their own; return the runner, to stop it."""
    web_app = web.Application()
    add_slack_routes(web_app, app)
    return await serve(web_app, host, port)


class SlackPlatform:
    """Slack for the platform runner: Socket Mode with an app token, else HTTP mode."""

    def __init__(
        self,
        core: Core,
        slack: SlackSettings,
        *,
        socket_ping_seconds: float = SOCKET_PING_SECONDS,
        team_of: TeamOf | None = None,
        abandon: Abandon | None = None,
    ) -> None:
        """With many workspaces, `team_of` says which team an outbox message goes to and
        `abandon` fails a team's pending messages when it removes the app."""
        slack.check()
        self.core = core
        self.slack = slack
        self.client = web_client(slack)
        self.home = HomeTab(core, self.client)
        self.callers = Callers(core, self.client)
        self.bolt = build_app(
            core, slack, self.client, self.home, abandon=abandon, callers=self.callers
        )
        store = self.bolt.oauth_flow.settings.installation_store if self.bolt.oauth_flow else None
        tokens = None if store is None else installs.TeamTokens(store, team_of)
        self.sender = SlackSender(self.client, originals_of(core.database), tokens=tokens)
        # How often Socket Mode checks its connection, and so how soon it replaces a dead one.
        self.socket_ping_seconds = socket_ping_seconds
        # Set when the HTTP side (bot/web) serves /slack/events on its own port instead.
        self.routes_served_elsewhere = False
        self.socket: AsyncSocketModeHandler | None = None

    async def connect(self) -> None:
        """Check the token with Slack before anything is served (each team's is Bolt's to use)."""
        if not self.slack.oauth:
            # With one workspace every request is its team's: a Slack Connect guest's own
            # workspace, named in their requests, makes nobody an admin here.
            self.callers.home = await check_token(self.client)

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
        """Answer Slack's HTTP requests at /slack/events on `web_app` (beside its other routes),
        and with many workspaces the install link and its redirect."""
        assert self.slack.slack_signing_secret is not None
        self.routes_served_elsewhere = True
        add_slack_routes(web_app, self.bolt)

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
