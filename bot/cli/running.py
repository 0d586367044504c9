"""`pausewatch run` and `pausewatch serve`: the bot on its platforms, and the HTTP side alone."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated

import typer

from bot import extras
from bot.app import scheduled_jobs, started
from bot.cli.boundary import fail, load, run, stderr, stop_on_signals
from bot.settings import Settings, SettingsError, StartupError

if TYPE_CHECKING:
    from aiohttp import web

    from bot.commands.core import Core
    from bot.discord.settings import DiscordSettings
    from bot.platforms import Platform
    from bot.slack.app import SlackPlatform
    from bot.slack.settings import SlackSettings
    from bot.web.server import WebServer
    from storage.database import Database

OWNERS_NEEDED = (
    "with many Slack workspaces (SLACK_CLIENT_ID), say which teams write the shared series, "
    "or every workspace that installs the app would: set PAUSEWATCH_OWNER_TEAMS=slack:T0123ABCD "
    "(your workspace's id, the T... in its app URLs; several separated by commas, "
    "discord:SERVER_ID for a Discord server), or owner_teams in the settings file"
)


def run_bot() -> None:
    """Run the bot: on Slack when SLACK_BOT_TOKEN is set (with SLACK_APP_TOKEN for Socket Mode,
    or SLACK_SIGNING_SECRET for HTTP mode), on Discord when DISCORD_TOKEN is set (both when both
    are), else in this terminal, reading commands from standard input. With PAUSEWATCH_WEB_PORT
    set, the HTTP side (API, board, badge, health, metrics) runs beside it."""
    settings = load()
    slack = _slack_settings()
    discord_settings = _discord_settings()
    run(_run_platforms(settings, slack, discord_settings))


def _web_server(
    core: Core,
    platforms: Callable[[], dict[str, bool]],
    extra: Callable[[web.Application], None] | None = None,
) -> WebServer | None:
    """Return the HTTP side when PAUSEWATCH_WEB_PORT is set (loaded only then)."""
    if core.settings.web_port is None:
        return None

    from bot.web.server import WebServer

    return WebServer(core, platforms=platforms, extra=extra)


def _slack_settings() -> SlackSettings:
    from bot.slack.settings import load_slack_settings

    try:
        slack = load_slack_settings()
        if slack.enabled:
            slack.check()
    except SettingsError as error:
        fail(str(error), code=2)
    why = "SLACK_CLIENT_ID is set" if slack.slack_bot_token is None else "SLACK_BOT_TOKEN is set"
    if slack.enabled and (missing := extras.missing("slack", why)):
        fail(missing, code=2)
    return slack


def _discord_settings() -> DiscordSettings:
    from bot.discord.settings import load_discord_settings

    try:
        discord_settings = load_discord_settings()
    except SettingsError as error:
        fail(str(error), code=2)
    if discord_settings.enabled and (missing := extras.missing("discord", "DISCORD_TOKEN is set")):
        fail(missing, code=2)
    return discord_settings


async def _run_platforms(
    settings: Settings, slack: SlackSettings, discord_settings: DiscordSettings
) -> int:
    """Run the platforms with one delivery loop and the digest schedule until stopped."""
    from bot.notify.scheduler import catch_up, start_scheduler  # not for `ask`
    from bot.platforms import Connections, run_platforms

    check_owner_teams(settings, slack)
    console = not (slack.enabled or discord_settings.enabled)
    stop = asyncio.Event()
    # The console takes Ctrl-C itself: it cancels the line being typed.
    stop_on_signals(stop, interrupt=not console)
    async with started(settings) as core:
        await _take_back_interrupted_imports(core)
        if console:
            await _load_sample_on_first_run(core)
        platforms, slack_routes = _platforms(core, slack, discord_settings)
        connections = Connections()
        web = _web_server(core, connections.status, slack_routes)
        jobs = scheduled_jobs(core)
        scheduler = start_scheduler(core.settings, jobs, core.clock)
        try:
            await catch_up(core.settings, jobs, core.clock)
            await run_platforms(
                core,
                platforms,
                stop,
                services=[web] if web is not None else [],
                connections=connections,
                empty_hint=not console,
            )
        finally:
            await scheduler.stop()  # jobs under way end quietly, before the database closes
    return 0


def check_owner_teams(settings: Settings, slack: SlackSettings) -> None:
    """Refuse to serve many Slack workspaces while no team is named to write the shared series.

    With `owner_teams` empty every team's admins write the shared series: right for one team,
    not for an app any workspace can install.
    """
    if slack.enabled and slack.oauth and not settings.owner_teams:
        raise StartupError(OWNERS_NEEDED)


def _slack_platform(core: Core, slack: SlackSettings) -> SlackPlatform:
    """Return Slack; with many workspaces, each outbox row's team and uninstalls are read from
    and written to the outbox."""
    from bot.slack.app import SlackPlatform

    if not slack.oauth:
        return SlackPlatform(core, slack)
    return SlackPlatform(
        core, slack, team_of=_team_of(core.database), abandon=_abandon(core.database)
    )


def _team_of(database: Database) -> Callable[[int], Awaitable[str | None]]:
    from storage import outbox

    async def team_of(message_id: int) -> str | None:
        async with database.read() as session:
            return await outbox.team_of(session, message_id)

    return team_of


def _abandon(database: Database) -> Callable[[str, str], Awaitable[int]]:
    from storage import outbox

    async def abandon(team: str, reason: str) -> int:
        async with database.write() as session:
            return await outbox.abandon_team(session, platform="slack", team=team, reason=reason)

    return abandon


def _platforms(
    core: Core, slack: SlackSettings, discord_settings: DiscordSettings
) -> tuple[list[Platform], Callable[[web.Application], None] | None]:
    """Return the platforms to run (the console when no chat platform is set), and the routes
    Slack's HTTP mode adds to the HTTP side."""
    # Each platform's library loads only when its token is set: a console question, or a
    # Slack-only bot, never pays for the other.
    platforms: list[Platform] = []
    slack_routes = None
    if slack.enabled:
        slack_platform = _slack_platform(core, slack)
        platforms.append(slack_platform)
        if slack_platform.http_mode:
            # With the HTTP side on, Slack's requests come in on its port too: one server.
            slack_routes = slack_platform.add_routes
    if discord_settings.enabled:
        from bot.discord.app import DiscordPlatform

        platforms.append(DiscordPlatform(core, discord_settings))
    if not platforms:
        from bot.console.app import ConsolePlatform

        platforms.append(ConsolePlatform(core))
    return platforms, slack_routes


async def _take_back_interrupted_imports(core: Core) -> None:
    """Take back what an import left part-way when its process stopped (issue 28)."""
    from bot.commands.imports import take_back_interrupted

    await take_back_interrupted(core.context)


async def _load_sample_on_first_run(core: Core) -> None:
    """Load the sample data set into a database never written to, and say so."""
    from bot.commands.imports import load_sample_on_first_run

    loaded = await load_sample_on_first_run(core.context)
    if loaded is not None:
        stderr().print(
            f"First run: loaded {loaded.added} sample incidents from "
            f"{core.settings.sample_data.name} (the reference article's dates: "
            "a sample, not a complete record).",
            highlight=False,
        )


def serve(
    port: Annotated[
        int | None,
        typer.Option(help="Listen on this port (default: PAUSEWATCH_WEB_PORT, else 8080)."),
    ] = None,
    host: Annotated[
        str | None, typer.Option(help="Listen on this address (default: PAUSEWATCH_WEB_HOST).")
    ] = None,
) -> None:
    """Serve the HTTP side alone: the API, the board, the badge, /healthz, /readyz, /metrics.

    Alerts its writes queue are posted by a running `pausewatch run`."""
    settings = load()

    async def main() -> int:
        from bot.web.server import WebServer

        stop = asyncio.Event()
        stop_on_signals(stop)
        async with started(settings) as core:
            server = WebServer(
                core, host=host, port=port if port is not None else settings.web_port or 8080
            )
            await server.serve(stop)
        return 0

    run(main())
