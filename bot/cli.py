"""The `pausewatch` command line: run the bot, ask one question, import, export, migrate."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import uuid
from collections.abc import Coroutine
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from bot.app import StartupError, console_caller, import_file, load_sample_on_first_run, started
from bot.commands.core import Caller
from bot.commands.render_text import render_text
from bot.console.app import ConsoleSender, printable, run_console, save_attachments
from bot.discord.settings import DiscordSettings, load_discord_settings
from bot.domain.fields import FieldError, parse_date
from bot.domain.filters import Filters
from bot.notify.delivery import Delivery
from bot.notify.digests import build_digest, queue_digests
from bot.notify.scheduler import catch_up, start_scheduler
from bot.platforms import Platform, run_platforms
from bot.settings import Settings, SettingsError, load_settings
from bot.slack.settings import SlackSettings, load_slack_settings
from storage import outbox
from storage.export import export_incidents
from storage.importers import ImportFailed, count_lines
from storage.queries import series_by_name, series_names

log = logging.getLogger("pausewatch")
app = typer.Typer(
    help="pausewatch: a chat bot that tracks incidents and the pauses between them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, highlight=False, soft_wrap=True)
PROGRESS_MIN_LINES = 20_000


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
    err.print(f"[bold red]error:[/] {message}", soft_wrap=True, markup=True, emoji=False)
    raise typer.Exit(code)


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as error:
        _fail(f"{error}", code=2)


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


@app.callback()
def _main(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log what the bot does.")
    ] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@app.command()
def run() -> None:
    """Run the bot: in the terminal (commands from standard input) when no platform token is set."""
    settings = _settings()

    slack = _slack_settings()
    discord_settings = _discord_settings()
    if slack.enabled or discord_settings.enabled:
        _run(_run_platforms(settings, slack, discord_settings))

    async def main() -> int:
        async with started(settings) as core:
            loaded = await load_sample_on_first_run(core)
            if loaded is not None:
                err.print(
                    f"First run: loaded {loaded.added} sample incidents from "
                    f"{settings.sample_data.name} (the reference article's dates: "
                    "a sample, not a complete record).",
                    highlight=False,
                )
            delivery = Delivery(
                core.database,
                [ConsoleSender(sys.stdout)],
                clock=core.clock,
                max_attempts=settings.delivery_max_attempts,
            )
            core.notify = delivery.wake
            scheduler = start_scheduler(core)
            try:
                await catch_up(core)
                await run_console(core, delivery=delivery)
            finally:
                scheduler.shutdown(wait=False)
        return 0

    _run(main())


def _slack_settings() -> SlackSettings:
    try:
        slack = load_slack_settings()
        if slack.enabled:
            slack.check()
    except SettingsError as error:
        _fail(str(error), code=2)
    return slack


def _discord_settings() -> DiscordSettings:
    try:
        return load_discord_settings()
    except SettingsError as error:
        _fail(str(error), code=2)


async def _run_platforms(
    settings: Settings, slack: SlackSettings, discord_settings: DiscordSettings
) -> int:
    """Run Slack and/or Discord with one delivery loop and the digest schedule until stopped."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, stop.set)
    async with started(settings) as core:
        # Each platform's library loads only when its token is set: a console question, or a
        # Slack-only bot, never pays for the other.
        platforms: list[Platform] = []
        if slack.enabled:
            from bot.slack.app import SlackPlatform

            platforms.append(SlackPlatform(core, slack))
        if discord_settings.enabled:
            from bot.discord.app import DiscordPlatform

            platforms.append(DiscordPlatform(core, discord_settings))
        scheduler = start_scheduler(core)
        try:
            await catch_up(core)
            await run_platforms(core, platforms, stop)
        finally:
            scheduler.shutdown(wait=False)
    return 0


@app.command()
def ask(
    text: Annotated[str, typer.Argument(help='One command, e.g. "since as-of 2024-07-15".')],
    user: Annotated[
        str | None,
        typer.Option(help="Ask as this platform user id: writes need it in PAUSEWATCH_ADMINS."),
    ] = None,
) -> None:
    """Answer one command and print the reply as plain text."""
    if not _is_utf8(text):
        _fail("the command is not valid UTF-8 (a byte of another encoding); type it again")
    settings = _settings()
    caller = console_caller() if user is None else Caller(user, settings.is_admin(user))

    async def main() -> int:
        async with started(settings) as core:
            reply = await core.handle(text, caller)
        if reply.is_error:
            err.print(render_text(reply), highlight=False, markup=False)
            return 1
        typer.echo(printable(reply))
        return 0

    _run(main())


@app.command("import")
def import_(
    file: Annotated[
        Path,
        typer.Argument(help="A CSV or JSON file in the pausewatch schema, or an ACLED export CSV."),
    ],
    file_format: Annotated[
        ImportFormat | None,
        typer.Option("--format", help="Read as this format (default: guessed)."),
    ] = None,
    series: Annotated[
        str | None,
        typer.Option(help="Series for rows that name none (default: the default series)."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="Post no alert for this import.")] = False,
) -> None:
    """Import incidents: every row is checked, and a file with a bad row changes nothing."""
    settings = _settings()

    async def main() -> int:
        async with started(settings) as core:
            if series is not None and series not in await _series_names(core):
                _fail(
                    f"--series {series!r} is not a series; configure it in config/pausewatch.toml"
                )
            show = (
                file.is_file() and sys.stderr.isatty() and count_lines(file) >= PROGRESS_MIN_LINES
            )
            with Progress(
                TextColumn("importing"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=err,
                transient=True,
                disable=not show,
            ) as progress:
                task = progress.add_task("import", total=count_lines(file) - 1 if show else None)
                try:
                    result = await import_file(
                        core,
                        file,
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
                    _fail(f"{file} was not imported; nothing was changed.\n" + "\n".join(lines))
        per_series = ", ".join(
            f"{n:,} {name}" for name, n in sorted(result.added_by_series.items())
        )
        typer.echo(
            f"Imported {result.added:,} incidents"
            + (f" ({per_series})" if per_series else "")
            + f"; skipped {result.skipped:,} already stored; {result.read:,} rows read."
        )
        return 0

    _run(main())


async def _series_names(core: Any) -> list[str]:
    from storage.queries import series_names

    async with core.database.read() as session:
        return await series_names(session)


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
    settings = _settings()

    async def main() -> int:
        async with started(settings) as core, core.database.read() as session:
            if output is None:
                written = await export_incidents(session, sys.stdout, file_format.value)
            else:
                with output.open("w", newline="", encoding="utf-8") as handle:
                    written = await export_incidents(session, handle, file_format.value)
        err.print(f"Exported {written} incidents.", highlight=False)
        return 0

    _run(main())


@app.command()
def digest(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the digest and write its chart; post nothing.")
    ] = False,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Build it as if run on this day (YYYY-MM-DD).")
    ] = None,
    series: Annotated[
        str | None, typer.Option(help="With --dry-run: the series (default: the default series).")
    ] = None,
) -> None:
    """Build the weekly digest now: queue it for every digest subscription, or print it."""
    settings = _settings()

    async def main() -> int:
        async with started(settings) as core:
            try:
                run_day = (
                    parse_date(as_of, today=core.today(), what="--as-of") if as_of else core.today()
                )
            except FieldError as error:
                _fail(str(error))
            if not dry_run:
                queued = await queue_digests(core.database, settings, run_day, core.clock())
                typer.echo(
                    f"Queued {queued} digests for the week to {run_day:%d %b %Y}; "
                    "the running bot posts them (`pausewatch outbox` shows them)."
                )
                return 0
            async with core.database.read() as session:
                name = series or settings.default_series
                stored = await series_by_name(session, name)
                if stored is None:
                    _fail(
                        f"--series {name!r} is not a series; the series are "
                        f"{', '.join(await series_names(session))}"
                    )
                reply = await build_digest(session, settings, stored, Filters(), run_day)
        saved = save_attachments(reply, Path("."))
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
    if context.invoked_subcommand is not None:
        return
    settings = _settings()

    async def main() -> int:
        async with started(settings) as core, core.database.read() as session:
            messages = await outbox.unsent(session)
        if not messages:
            typer.echo("The outbox is empty: every message was posted.")
        for message in messages:
            headline = message.payload.get("reply", {}).get("headline", "")
            typer.echo(
                f"#{message.id}  {message.status:<7}  {message.kind:<6}  "
                f"{message.platform}:{message.channel}  tries {message.attempts}  "
                f"next {message.next_attempt_at:%Y-%m-%d %H:%M}  {headline}"
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
    settings = _settings()

    async def main() -> int:
        async with started(settings) as core, core.database.write() as session:
            message = await outbox.retry_now(session, message_id, core.clock())
        if message is None:
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
