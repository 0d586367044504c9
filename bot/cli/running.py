"""`pausewatch run` and `pausewatch serve`: the bot on its platforms, and the HTTP side alone."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from bot.app import scheduled_jobs, started
from bot.cli.boundary import fail, load, run, stderr, stop_on_signals
from bot.settings import Settings, SettingsError

if TYPE_CHECKING:
    from aiohttp import web

    from bot.commands.core import Core
    from bot.discord.settings import DiscordSettings
    from bot.slack.settings import SlackSettings
    from bot.web.server import WebServer


def run_bot() -> None:
    """Run the bot: on Slack when SLACK_BOT_TOKEN is set (with SLACK_APP_TOKEN for Socket Mode,
    or SLACK_SIGNING_SECRET for HTTP mode), on Discord when DISCORD_TOKEN is set (both when both
    are), else in this terminal, reading commands from standard input. With PAUSEWATCH_WEB_PORT
    set, the HTTP side (API, board, badge, health, metrics) runs beside it."""
    from bot.commands.imports import load_sample_on_first_run
    from bot.console.app import ConsoleSender, run_console
    from bot.notify.delivery import Delivery

    settings = load()

    slack = _slack_settings()
    discord_settings = _discord_settings()
    if slack.enabled or discord_settings.enabled:
        run(_run_platforms(settings, slack, discord_settings))

    async def main() -> int:
        async with started(settings) as core:
            loaded = await load_sample_on_first_run(core.context)
            if loaded is not None:
                stderr().print(
                    f"First run: loaded {loaded.added} sample incidents from "
                    f"{settings.sample_data.name} (the reference article's dates: "
                    "a sample, not a complete record).",
                    highlight=False,
                )
            delivery = Delivery(
                core.database,
                [ConsoleSender()],
                clock=core.clock,
                max_attempts=settings.delivery_max_attempts,
                metrics=core.metrics,
            )
            core.notify = delivery.wake
            stopping = asyncio.Event()
            stop_on_signals(stopping, interrupt=False)
            web = _web_server(core, lambda: {"console": True})
            from bot.notify.scheduler import catch_up, start_scheduler  # not for `ask`

            jobs = scheduled_jobs(core)
            scheduler = start_scheduler(core.settings, jobs)
            try:
                await catch_up(core.settings, jobs, core.clock)
                if web is not None:
                    await web.start()
                await run_console(core, delivery=delivery, stopping=stopping)
            finally:
                if web is not None:
                    await web.stop()
                await scheduler.stop()  # jobs under way end quietly, before the database closes
        return 0

    run(main())


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
    return slack


def _discord_settings() -> DiscordSettings:
    from bot.discord.settings import load_discord_settings

    try:
        return load_discord_settings()
    except SettingsError as error:
        fail(str(error), code=2)


async def _run_platforms(
    settings: Settings, slack: SlackSettings, discord_settings: DiscordSettings
) -> int:
    """Run Slack and/or Discord with one delivery loop and the digest schedule until stopped."""
    from bot.platforms import Connections, Platform, run_platforms

    stop = asyncio.Event()
    stop_on_signals(stop)
    async with started(settings) as core:
        # Each platform's library loads only when its token is set: a console question, or a
        # Slack-only bot, never pays for the other.
        platforms: list[Platform] = []
        slack_routes = None
        if slack.enabled:
            from bot.slack.app import SlackPlatform

            slack_platform = SlackPlatform(core, slack)
            platforms.append(slack_platform)
            if slack_platform.http_mode:
                # With the HTTP side on, Slack's requests come in on its port too: one server.
                slack_routes = slack_platform.add_routes
        if discord_settings.enabled:
            from bot.discord.app import DiscordPlatform

            platforms.append(DiscordPlatform(core, discord_settings))
        connections = Connections()
        web = _web_server(core, connections.status, slack_routes)
        from bot.notify.scheduler import catch_up, start_scheduler  # not for `ask`

        jobs = scheduled_jobs(core)
        scheduler = start_scheduler(core.settings, jobs)
        try:
            await catch_up(core.settings, jobs, core.clock)
            await run_platforms(
                core,
                platforms,
                stop,
                services=[web] if web is not None else [],
                connections=connections,
            )
        finally:
            await scheduler.stop()  # jobs under way end quietly, before the database closes
    return 0


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
