"""Slack for many workspaces: Bolt's OAuth flow, its stores in our database, each team's token.

slack_sdk ships async SQLAlchemy stores (AsyncSQLAlchemyInstallationStore and
AsyncSQLAlchemyOAuthStateStore) that take an AsyncEngine: they run on the project's own engine,
aiosqlite on SQLite and asyncpg on PostgreSQL, so no sync driver (nor a thread) is needed, and
the same code serves both databases. Their tables (`slack_installations`, `slack_bots`,
`slack_oauth_states`) are made by migration 0018 with slack_sdk's column definitions. The
state store here only adds the bot's clock: a state expires on the injected clock.

Every Web API call is made with the token of the team it is for: `TeamClient` reads it from a
context variable, which a middleware sets from Bolt's authorization of each request and the
sender sets from the outbox row's team. `app_uninstalled` and `tokens_revoked` (for the bot)
remove the team's installation and fail its pending deliveries; other teams are untouched.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.listener.async_builtins import AsyncTokenRevocationListeners
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.sqlalchemy_utils import normalize_datetime_for_db
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient

from bot.notify.delivery import DeliveryError

log = logging.getLogger(__name__)
STATE_SECONDS = 600  # how long an install link's state may wait for its redirect, as Bolt's
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# The bot scopes of config/slack-manifest.yml, asked for when a workspace installs the app.
SCOPES = (
    "commands",
    "chat:write",
    "app_mentions:read",
    "im:history",
    "files:write",
    "channels:history",
    "groups:history",
    "channels:read",
    "groups:read",
    "im:read",
    "mpim:read",
    "users:read",
)
UNINSTALLED = "the Slack workspace {team} removed the app: not delivered"
NO_TEAM = "the message names no Slack workspace: with many workspaces each row carries its team"
Abandon = Callable[[str, str], Awaitable[int]]  # (team, reason) → messages failed
TeamOf = Callable[[int], Awaitable[str | None]]  # an outbox message's id → its team
_team_token: ContextVar[str | None] = ContextVar("slack_team_token", default=None)


class TeamClient(AsyncWebClient):
    """A Web API client whose token is the current team's (see `team_token`)."""

    @property  # type: ignore[override]
    def token(self) -> str | None:
        """Return the token of the team being served now."""
        return _team_token.get()

    @token.setter
    def token(self, _value: str | None) -> None:
        # AsyncWebClient's constructor sets a token; this client has none of its own.
        pass


@contextlib.contextmanager
def team_token(token: str | None) -> Iterator[None]:
    """Make TeamClient's calls in this block with `token`."""
    reset = _team_token.set(token)
    try:
        yield
    finally:
        _team_token.reset(reset)


async def _use_team_token(context: AsyncBoltContext, next: Callable[[], Awaitable[Any]]) -> Any:
    """Bolt middleware: the listeners' TeamClient calls use the authorized team's bot token."""
    _team_token.set(context.bot_token)
    return await next()


class ClockStateStore(AsyncSQLAlchemyOAuthStateStore):
    """slack_sdk's SQLAlchemy state store, its expiry read on the bot's clock.

    `engine` is the project's AsyncEngine (typed Any: adapters import no SQLAlchemy).
    """

    def __init__(self, engine: Any, now: Callable[[], datetime]) -> None:
        super().__init__(expiration_seconds=STATE_SECONDS, engine=engine)
        self.now = now

    async def async_issue(self, *args: object, **kwargs: object) -> str:
        """Store a new state for an install link; return it."""
        state = str(uuid4())
        expire_at = normalize_datetime_for_db(self.now() + timedelta(seconds=STATE_SECONDS))
        async with self.engine.begin() as connection:
            await connection.execute(
                self.oauth_states.insert(), {"state": state, "expire_at": expire_at}
            )
        return state

    async def async_consume(self, state: str) -> bool:
        """Take a state once: say whether it was issued here and has not expired."""
        table = self.oauth_states
        now = normalize_datetime_for_db(self.now())
        async with self.engine.begin() as connection:
            found = await connection.execute(
                table.select().where(table.c.state == state).where(table.c.expire_at > now)
            )
            row = found.first()
            if row is None:
                return False
            await connection.execute(table.delete().where(table.c.id == row.id))
        return True


def installation_store(engine: Any, client_id: str) -> AsyncSQLAlchemyInstallationStore:
    """Return slack_sdk's installation store on the project's engine."""
    return AsyncSQLAlchemyInstallationStore(client_id=client_id, engine=engine)


async def bot_token(
    store: AsyncInstallationStore, team: str, enterprise: str | None = None
) -> str | None:
    """Return the bot token a workspace installed the app with, or None if it has none now.

    A workspace of an Enterprise Grid is kept under its organisation's id too, which an outbox
    row does not carry: with none given, the workspace's newest bot is found in any organisation
    (workspace ids are unique across Slack; the manifests make no organisation-wide install).
    """
    bot = await store.async_find_bot(enterprise_id=enterprise, team_id=team)
    if bot is None and enterprise is None and isinstance(store, AsyncSQLAlchemyInstallationStore):
        return await _bot_token_in_any_grid(store, team)
    return None if bot is None else bot.bot_token


async def _bot_token_in_any_grid(store: AsyncSQLAlchemyInstallationStore, team: str) -> str | None:
    bots = store.bots.c
    query = (
        store.bots.select()
        .with_only_columns(bots.bot_token)
        .where(bots.client_id == store.client_id, bots.team_id == team)
        .where(bots.bot_token.is_not(None))
        .order_by(bots.installed_at.desc())
        .limit(1)
    )
    async with store.engine.connect() as connection:
        token: str | None = (await connection.execute(query)).scalar()
    return token


class TeamTokens:
    """The bot token of the team each outbox message goes to, from the installation store."""

    def __init__(self, store: AsyncInstallationStore, team_of: TeamOf | None) -> None:
        self.store = store
        self.team_of = team_of

    async def for_message(self, message_id: int) -> str:
        """Return the token to send a message with; a team without the app fails it for good."""
        team = None if self.team_of is None else await self.team_of(message_id)
        if team is None:
            raise DeliveryError(NO_TEAM, permanent=True)
        token = await bot_token(self.store, team)
        if token is None:
            raise DeliveryError(UNINSTALLED.format(team=team), permanent=True)
        return token


def oauth_settings(
    *,
    client_id: str,
    client_secret: str,
    store: AsyncSQLAlchemyInstallationStore,
    state_store: AsyncSQLAlchemyOAuthStateStore,
    redirect_uri: str | None,
) -> AsyncOAuthSettings:
    """Return Bolt's OAuth settings: the manifest's scopes, the stores, the two paths."""
    return AsyncOAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=list(SCOPES),
        installation_store=store,
        state_store=state_store,
        redirect_uri=redirect_uri,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        # /slack/install answers with a redirect to Slack's authorize page.
        install_page_rendering_enabled=False,
    )


class Uninstalls:
    """The listeners of app_uninstalled and tokens_revoked: forget the team, drop its messages."""

    def __init__(self, store: AsyncInstallationStore, abandon: Abandon | None) -> None:
        self.revocations = AsyncTokenRevocationListeners(store)
        self.abandon = abandon

    async def on_uninstalled(self, context: AsyncBoltContext) -> None:
        """Remove every installation of the team and fail its pending messages."""
        await self.revocations.handle_app_uninstalled_events(context)
        await self._abandon(context.team_id)

    async def on_tokens_revoked(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        """Remove the revoked tokens; with the bot's gone, fail the team's pending messages."""
        await self.revocations.handle_tokens_revoked_events(event, context)
        if (event.get("tokens") or {}).get("bot"):
            await self._abandon(context.team_id)

    async def _abandon(self, team: str | None) -> None:
        if team is None or self.abandon is None:
            return
        dropped = await self.abandon(team, UNINSTALLED.format(team=team))
        log.warning("Slack workspace %s removed the app: %d messages not delivered", team, dropped)


def register(app: AsyncApp, store: AsyncInstallationStore, abandon: Abandon | None) -> None:
    """Use each team's token in the listeners; forget a team that removes the app."""
    app.middleware(_use_team_token)
    uninstalls = Uninstalls(store, abandon)
    app.event("app_uninstalled")(uninstalls.on_uninstalled)
    app.event("tokens_revoked")(uninstalls.on_tokens_revoked)
