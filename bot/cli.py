"""The `pausewatch` command line: run the bot, ask one question, import, export, migrate."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import uuid
from collections.abc import Callable, Coroutine
from enum import StrEnum
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

# Only what `ask` needs is imported here: a question from the terminal should start fast, so
# each command imports the rest (platforms, rich's progress bar, digests and their charts)
# where it runs. tests/bot/test_startup.py holds `ask` to that.
from bot.app import configure_logging, scheduled_jobs, started
from bot.commands.command import Command, CommandError
from bot.commands.context import console_caller
from bot.commands.core import Caller
from bot.commands.render_text import render_text
from bot.console.app import printable
from bot.domain.fields import FieldError, parse_date
from bot.domain.wording import counted, day_text
from bot.settings import Settings, SettingsError, StartupError, load_settings

if TYPE_CHECKING:
    from aiohttp import web
    from rich.console import Console

    from bot.commands.core import Core
    from bot.discord.settings import DiscordSettings
    from bot.domain.replies import Reply
    from bot.slack.settings import SlackSettings
    from bot.web.server import WebServer

log = logging.getLogger("pausewatch")
app = typer.Typer(
    help="pausewatch: a chat bot that tracks incidents and the pauses between them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
PROGRESS_MIN_LINES = 20_000


@cache
def _err() -> Console:
    """Return the console of standard error (rich loads when something is printed there)."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


class ImportFormat(StrEnum):
    """Formats `import` reads."""

    csv = "csv"
    json = "json"
    acled = "acled"


class ExportFormat(StrEnum):
    """Formats `export` writes."""

    csv = "csv"
    json = "json"


def _fail(message: str, code: int = 1) -> NoReturn:
    _err().print(f"[bold red]error:[/] {message}", soft_wrap=True, markup=True, emoji=False)
    raise typer.Exit(code)


def _settings() -> Settings:
    try:
        settings = load_settings()
    except SettingsError as error:
        _fail(f"{error}", code=2)
    configure_logging(settings)
    return settings


def _stop_on_sigterm(stop: asyncio.Event, *, interrupt: bool = True) -> None:
    """Set `stop` on SIGTERM (and on Ctrl-C unless the console handles it itself)."""
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT) if interrupt else (signal.SIGTERM,):
        loop.add_signal_handler(signal_number, stop.set)


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


def _run(coroutine: Coroutine[Any, Any, int]) -> None:
    """Run one command's coroutine behind the CLI's error boundary."""
    try:
        code = asyncio.run(coroutine)
    except (StartupError, SettingsError) as error:
        _fail(str(error), code=2)
    except KeyboardInterrupt:
        code = 130
    except typer.Exit:
        raise
    except Exception:
        error_id = uuid.uuid4().hex[:8]
        log.exception("error %s", error_id)
        _fail(f"something went wrong (error {error_id}); the traceback above has the details")
    raise typer.Exit(code)


def _show_version(wanted: bool) -> None:
    if wanted:
        typer.echo(f"pausewatch {metadata.version('pausewatch')}")
        raise typer.Exit(0)


@app.callback()
def _main(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log what the bot does.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Say the version and exit."
        ),
    ] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@app.command()
def run() -> None:
    """Run the bot: on Slack when SLACK_BOT_TOKEN is set (with SLACK_APP_TOKEN for Socket Mode,
    or SLACK_SIGNING_SECRET for HTTP mode), on Discord when DISCORD_TOKEN is set (both when both
    are), else in this terminal, reading commands from standard input. With PAUSEWATCH_WEB_PORT
    set, the HTTP side (API, board, badge, health, metrics) runs beside it."""
    from bot.commands.imports import load_sample_on_first_run
    from bot.console.app import ConsoleSender, run_console
    from bot.notify.delivery import Delivery

    settings = _settings()

    slack = _slack_settings()
    discord_settings = _discord_settings()
    if slack.enabled or discord_settings.enabled:
        _run(_run_platforms(settings, slack, discord_settings))

    async def main() -> int:
        async with started(settings) as core:
            loaded = await load_sample_on_first_run(core.context)
            if loaded is not None:
                _err().print(
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
            _stop_on_sigterm(stopping, interrupt=False)
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

    _run(main())


def _slack_settings() -> SlackSettings:
    from bot.slack.settings import load_slack_settings

    try:
        slack = load_slack_settings()
        if slack.enabled:
            slack.check()
    except SettingsError as error:
        _fail(str(error), code=2)
    return slack


def _discord_settings() -> DiscordSettings:
    from bot.discord.settings import load_discord_settings

    try:
        return load_discord_settings()
    except SettingsError as error:
        _fail(str(error), code=2)


async def _run_platforms(
    settings: Settings, slack: SlackSettings, discord_settings: DiscordSettings
) -> int:
    """Run Slack and/or Discord with one delivery loop and the digest schedule until stopped."""
    from bot.platforms import Connections, Platform, run_platforms

    stop = asyncio.Event()
    _stop_on_sigterm(stop)
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


@app.command()
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
    settings = _settings()

    async def main() -> int:
        from bot.web.server import WebServer

        stop = asyncio.Event()
        _stop_on_sigterm(stop)
        async with started(settings) as core:
            server = WebServer(
                core, host=host, port=port if port is not None else settings.web_port or 8080
            )
            await server.serve(stop)
        return 0

    _run(main())


token_app = typer.Typer(
    help="API tokens: the HTTP API's writes need one, and its reads, the board and the badge "
    "unless a setting makes them public."
)
app.add_typer(token_app, name="token")


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Argument(help="Who or what uses it, e.g. newsroom-wall.")],
    read: Annotated[
        bool,
        typer.Option(
            "--read",
            help="A token that may only read (the API's questions, the board, the badge): "
            "for a wall screen or a page; without it, the token writes too.",
        ),
    ] = False,
) -> None:
    """Make a token; it is shown this once (only its hash is stored)."""
    from bot.commands import tokens

    settings = _settings()
    scope = tokens.READ if read else tokens.WRITE

    async def main() -> int:
        async with started(settings) as core:
            try:
                secret = await tokens.create(core.context, name, scope=scope)
            except CommandError as error:
                _fail(str(error))
        typer.echo(secret)
        may = (
            "It may only read"
            if read
            else f"It may read and write; writes with it are audited as token:{name}"
        )
        _err().print(
            f"Token {name!r} made. It is shown this once: keep it (send it as "
            "`Authorization: Bearer TOKEN`, or for the board and the badge add ?token=TOKEN "
            f"to the address). {may}. `pausewatch token revoke {name}` stops it.",
            highlight=False,
            markup=False,
        )
        return 0

    _run(main())


@token_app.command("list")
def token_list() -> None:
    """List the tokens (never their secrets): what each may do, made, last used, revoked."""
    from bot.commands import tokens

    settings = _settings()

    async def main() -> int:
        async with started(settings) as core:
            found = await tokens.listing(core.context)
        if not found:
            typer.echo("There is no API token; `pausewatch token create NAME` makes one.")
        for token in found:
            used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
            state = f"revoked {token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else "live"
            may = "reads only" if token.scope == tokens.READ else "reads and writes"
            typer.echo(
                f"{token.name}  {may}  made {token.created_at:%Y-%m-%d %H:%M}  "
                f"last used {used}  {state}"
            )
        return 0

    _run(main())


@token_app.command("revoke")
def token_revoke(name: Annotated[str, typer.Argument(help="The token's name.")]) -> None:
    """Revoke a token: requests with it are refused from now on."""
    from bot.commands import tokens

    settings = _settings()

    async def main() -> int:
        async with started(settings) as core:
            revoked = await tokens.revoke(core.context, name)
        if not revoked:
            _fail(f"there is no live token {name!r}; `pausewatch token list` lists them")
        typer.echo(f"Token {name!r} is revoked.")
        return 0

    _run(main())


source_app = typer.Typer(help="Sources: feeds read on a schedule (a sheet's URL, ACLED's API).")
app.add_typer(source_app, name="source")


class SourceKind(StrEnum):
    """Kinds of source."""

    csv = "csv"
    json = "json"
    acled = "acled"


def _print_reply(reply: Reply) -> int:
    if reply.is_error:
        _err().print(render_text(reply), highlight=False, markup=False)
        return 1
    typer.echo(render_text(reply))
    return 0


def _operate(verb: str, topic: str, *words: str) -> None:
    """Run `source ...` or `review ...` through the core as the terminal's user (an admin)."""
    settings = _settings()

    async def main() -> int:
        async with started(settings) as core:
            reply = await core.execute(
                Command(verb=verb, topic=topic, words=words), console_caller()
            )
        return _print_reply(reply)

    _run(main())


@source_app.command("add")
def source_add(
    name: Annotated[str, typer.Argument(help="A name for it, e.g. acled-iraq or team-sheet.")],
    kind: Annotated[SourceKind, typer.Option(help="csv or json (a URL), or acled (the API).")],
    url: Annotated[
        str | None, typer.Option(help="The file's address (csv, json): a published sheet's link.")
    ] = None,
    series: Annotated[
        str | None, typer.Option(help="The series it feeds (default: the default series).")
    ] = None,
    reviewed: Annotated[
        bool, typer.Option("--reviewed", help="Queue its new incidents for an admin's review.")
    ] = False,
    every: Annotated[str, typer.Option(help="How often it runs: 30m, 1h, 1d.")] = "1h",
    country: Annotated[str | None, typer.Option(help="ACLED: only this country.")] = None,
    event_type: Annotated[
        str | None, typer.Option(help="ACLED: only this event type, e.g. Battles.")
    ] = None,
    sub_event_type: Annotated[
        str | None, typer.Option(help="ACLED: only this sub-event type.")
    ] = None,
    actor: Annotated[str | None, typer.Option(help="ACLED: only this actor1.")] = None,
    notes: Annotated[
        str | None, typer.Option(help="ACLED: only events whose notes contain this text.")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--from", help="ACLED: only events from this day (YYYY-MM-DD).")
    ] = None,
) -> None:
    """Add a source; the running bot reads it within a minute, then every --every."""
    words = [name, f"kind:{kind.value}", f"every:{every}"]
    for key, value in (
        ("url", url),
        ("series", series),
        ("country", country),
        ("event_type", event_type),
        ("sub_event_type", sub_event_type),
        ("actor1", actor),
        ("notes", notes),
        ("from", since),
    ):
        if value is not None:
            words.append(f"{key}:{value}")
    if reviewed:
        words.append("reviewed")
    _operate("source", "add", *words)


@source_app.command("list")
def source_list() -> None:
    """List the sources and how each one's last run went (and why one failed)."""
    _operate("source", "list")


@source_app.command("run")
def source_run(name: Annotated[str, typer.Argument(help="The source's name.")]) -> None:
    """Run a source now (exit 1 when the run failed; nothing is then stored)."""
    _operate("source", "run", name)


@source_app.command("remove")
def source_remove(name: Annotated[str, typer.Argument(help="The source's name.")]) -> None:
    """Remove a source; its candidates waiting for review are withdrawn."""
    _operate("source", "remove", name)


review_app = typer.Typer(help="The review queue: incidents from reviewed sources.")
app.add_typer(review_app, name="review")


@review_app.command("list")
def review_list() -> None:
    """List the incidents waiting for review."""
    _operate("review", "list")


@review_app.command("approve")
def review_approve(
    review_id: Annotated[str, typer.Argument(metavar="ID", help="From `pausewatch review list`.")],
) -> None:
    """Store a waiting incident (audited as you) with the alerts of an add."""
    _operate("review", "approve", review_id)


@review_app.command("reject")
def review_reject(
    review_id: Annotated[str, typer.Argument(metavar="ID", help="From `pausewatch review list`.")],
) -> None:
    """Drop a waiting incident; its source will not bring it back."""
    _operate("review", "reject", review_id)


# The rest of the line is the command, unquoted words and all: `ask since country:Iraq`.
@app.command(context_settings={"allow_interspersed_args": False})
def ask(
    words: Annotated[
        list[str],
        typer.Argument(
            metavar="COMMAND...", help="One command, e.g. since as-of 2024-07-15 (quotes optional)."
        ),
    ],
    user: Annotated[
        str | None,
        typer.Option(help="Ask as this platform user id: writes need it in PAUSEWATCH_ADMINS."),
    ] = None,
) -> None:
    """Answer one command and print the reply as plain text (exit 1 when it was wrong)."""
    text = " ".join(words)
    if not _is_utf8(text):
        _fail("the command is not valid UTF-8 (a byte of another encoding); type it again")
    settings = _settings()
    caller = console_caller() if user is None else Caller(user, settings.is_admin(user))

    async def main() -> int:
        # Nothing serves /metrics from this process: keeping none spares loading prometheus.
        async with started(settings, metrics=False) as core:
            reply = await core.handle(text, caller)
        if reply.is_error:
            _err().print(render_text(reply), highlight=False, markup=False)
            return 1
        typer.echo(printable(reply))
        return 0

    _run(main())


@app.command("import")
def import_(
    file: Annotated[
        Path | None,
        typer.Argument(help="A CSV or JSON file in the pausewatch schema, or an ACLED export CSV."),
    ] = None,
    file_format: Annotated[
        ImportFormat | None,
        typer.Option("--format", help="Read as this format (default: guessed)."),
    ] = None,
    series: Annotated[
        str | None,
        typer.Option(help="Series for rows that name none (default: the default series)."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="Post no alert for this import.")] = False,
    sample: Annotated[
        bool,
        typer.Option(
            "--sample", help="Import the sample data set (the reference article's dates)."
        ),
    ] = False,
) -> None:
    """Import incidents: every row is checked, and a file with a bad row changes nothing."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from bot.commands.imports import import_file
    from storage.import_formats import ImportFailed, count_lines

    settings = _settings()
    if (file is None) == (not sample):
        _fail("give a FILE to import, or --sample for the sample data set (not both)")
    path = settings.sample_data if file is None else file

    async def main() -> int:
        async with started(settings) as core:
            if series is not None and series not in await core.series_names():
                _fail(
                    f"--series {series!r} is not a series; configure it in config/pausewatch.toml"
                )
            show = (
                path.is_file() and sys.stderr.isatty() and count_lines(path) >= PROGRESS_MIN_LINES
            )
            with Progress(
                TextColumn("importing"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=_err(),
                transient=True,
                disable=not show,
            ) as progress:
                task = progress.add_task("import", total=count_lines(path) - 1 if show else None)
                try:
                    result = await import_file(
                        core.context,
                        path,
                        file_format=file_format.value if file_format else None,
                        series=series,
                        caller=console_caller(),
                        on_row=lambda n: progress.advance(task, n),
                        quiet=quiet,
                    )
                except ImportFailed as failed:
                    progress.stop()
                    more = failed.total_errors - len(failed.errors)
                    lines = [str(e) for e in failed.errors]
                    if more:
                        lines.append(f"...and {more} more bad rows")
                    _fail(f"{path} was not imported; nothing was changed.\n" + "\n".join(lines))
        per_series = ", ".join(
            f"{name}: {n:,}" for name, n in sorted(result.added_by_series.items())
        )
        typer.echo(
            f"Imported {counted(result.added, 'incident', 'incidents')}"
            + (f" ({per_series})" if per_series else "")
            + f"; skipped {result.skipped:,} already stored; "
            + f"{counted(result.read, 'row', 'rows')} read."
        )
        return 0

    _run(main())


@app.command()
def export(
    file_format: Annotated[
        ExportFormat, typer.Option("--format", help="csv or json.")
    ] = ExportFormat.csv,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of standard output.")
    ] = None,
) -> None:
    """Write every live incident in the pausewatch schema (importing it back adds nothing)."""
    from bot.commands import operations

    settings = _settings()

    async def main() -> int:
        async with started(settings) as core:
            if output is None:
                try:
                    written = await operations.export(core.context, sys.stdout, file_format.value)
                    sys.stdout.flush()
                except BrokenPipeError:
                    # The reader stopped early (`export | head`): that is not an error here.
                    # Point stdout at nothing so that Python's own flush at exit is quiet.
                    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                    return 0
            else:
                with output.open("w", newline="", encoding="utf-8") as handle:
                    written = await operations.export(core.context, handle, file_format.value)
        _err().print(f"Exported {counted(written, 'incident', 'incidents')}.", highlight=False)
        return 0

    _run(main())


@app.command()
def digest(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the digest and write its chart; post nothing.")
    ] = False,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", metavar="DATE", help="Build it as if run on this day (YYYY-MM-DD)."
        ),
    ] = None,
    series: Annotated[
        str | None,
        typer.Option(
            metavar="SERIES",
            help="Only this series (default: every subscribed one; with --dry-run, the default "
            "series).",
        ),
    ] = None,
) -> None:
    """Build the weekly digest now: queue it for the digest subscriptions, or print it."""
    from bot.commands import operations
    from bot.console.app import save_attachments

    settings = _settings()

    async def main() -> int:
        async with started(settings) as core:
            try:
                run_day = (
                    parse_date(as_of, today=core.today(), what="--as-of") if as_of else core.today()
                )
                if dry_run:
                    reply = await operations.preview_digest(
                        core.context, series or settings.default_series, run_day
                    )
                else:
                    queued = await operations.queue_digests(core.context, run_day, series)
                    subscribed = await operations.digest_subscriptions(core.context, series)
            except (FieldError, CommandError) as error:
                _fail(str(error))
        if not dry_run:
            which = f" of {series}" if series else ""
            if not subscribed:
                typer.echo(
                    f"No channel is subscribed to the weekly digest{which}: `subscribe digest"
                    f"{' ' + series if series else ''}` in a channel (or in `pausewatch run`) "
                    "starts one. `--dry-run` prints it without posting."
                )
                return 0
            typer.echo(
                f"Queued {counted(queued, 'digest', 'digests')}{which} for the week to "
                f"{day_text(run_day)}"
                + ("" if queued else " (each was already queued)")
                + "; the running bot posts them (`pausewatch outbox` shows them)."
            )
            return 0
        saved = save_attachments(reply)
        typer.echo(render_text(reply))
        for path in saved:
            typer.echo(f"Chart written to {path}")
        return 0

    _run(main())


outbox_app = typer.Typer(help="Messages waiting to be posted, and those that failed.")
app.add_typer(outbox_app, name="outbox")


@outbox_app.callback(invoke_without_command=True)
def outbox_list(context: typer.Context) -> None:
    """List the pending and failed messages, oldest first."""
    from bot.commands import operations

    if context.invoked_subcommand is not None:
        return
    settings = _settings()

    async def main() -> int:
        async with started(settings) as core:
            messages = await operations.unsent(core.context)
        if not messages:
            typer.echo("The outbox is empty: every message was posted.")
        for message in messages:
            typer.echo(
                f"#{message.id}  {message.status:<7}  {message.kind:<6}  "
                f"{message.platform}:{message.channel}  tries {message.attempts}  "
                f"next {message.next_attempt_at:%Y-%m-%d %H:%M}  {message.headline}"
                + (f"\n      last error: {message.last_error}" if message.last_error else "")
            )
        return 0

    _run(main())


@outbox_app.command("retry")
def outbox_retry(
    message_id: Annotated[
        int, typer.Argument(help="The message's number, from `pausewatch outbox`.")
    ],
) -> None:
    """Try a failed or waiting message again at once, with fresh attempts."""
    from bot.commands import operations

    settings = _settings()

    async def main() -> int:
        async with started(settings) as core:
            found = await operations.retry(core.context, message_id)
        if not found:
            _fail(f"there is no unsent message #{message_id}; `pausewatch outbox` lists them")
        typer.echo(f"Message #{message_id} will be sent again by the running bot.")
        return 0

    _run(main())


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (also done on every start)."""
    settings = _settings()

    async def main() -> int:
        async with started(settings):
            pass
        typer.echo(f"The database is up to date: {_safe_url(settings.database_url)}")
        return 0

    _run(main())


def _is_utf8(text: str) -> bool:
    """Say whether an argument was valid UTF-8 (Python keeps other bytes as lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _safe_url(url: str) -> str:
    from bot.settings import redacted_url

    return redacted_url(url)


def main() -> None:
    """Entry point of the console script."""
    app()
