"""The CLI's error boundary, and the body its commands share: settings, start, call, report."""

from __future__ import annotations

import asyncio
import logging
import signal
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from functools import cache
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import typer

# Only what `ask` needs is imported here: a question from the terminal should start fast, so
# each command imports the rest (platforms, rich's progress bar, digests and their charts)
# where it runs. tests/bot/test_startup.py holds `ask` to that.
from bot.app import configure_logging, started
from bot.commands.command import Command
from bot.commands.context import console_caller
from bot.commands.render_text import render_text
from bot.settings import Settings, SettingsError, StartupError, load_settings

if TYPE_CHECKING:
    from rich.console import Console

    from bot.commands.core import Core
    from bot.domain.replies import Reply

log = logging.getLogger("pausewatch")
T = TypeVar("T")


@cache
def stderr() -> Console:
    """Return the console of standard error (rich loads when something is printed there)."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print `error: message` on standard error and exit with `code`."""
    from rich.markup import escape

    # The message is text, never markup: `pip install 'pausewatch[slack]'` keeps its brackets.
    stderr().print(
        f"[bold red]error:[/] {escape(message)}", soft_wrap=True, markup=True, emoji=False
    )
    raise typer.Exit(code)


def load() -> Settings:
    """Return the settings (a bad one exits 2, naming it), with logging set up by them."""
    try:
        settings = load_settings()
    except SettingsError as error:
        fail(f"{error}", code=2)
    configure_logging(settings)
    return settings


def stop_on_signals(stop: asyncio.Event, *, interrupt: bool = True) -> None:
    """Set `stop` on SIGTERM (and on Ctrl-C unless the console handles it itself)."""
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT) if interrupt else (signal.SIGTERM,):
        loop.add_signal_handler(signal_number, stop.set)


def run(coroutine: Coroutine[Any, Any, int]) -> NoReturn:
    """Run one command's coroutine behind the CLI's error boundary, and exit with its code."""
    try:
        code = asyncio.run(coroutine)
    except (StartupError, SettingsError) as error:
        fail(str(error), code=2)
    except KeyboardInterrupt:
        code = 130
    except typer.Exit:
        raise
    except Exception:
        error_id = uuid.uuid4().hex[:8]
        log.exception("error %s", error_id)
        fail(f"something went wrong (error {error_id}); the traceback above has the details")
    raise typer.Exit(code)


def call(
    work: Callable[[Core], Awaitable[T]],
    report: Callable[[T], int | None] = lambda _: None,
    *,
    settings: Settings | None = None,
    metrics: bool = True,
) -> NoReturn:
    """Load the settings (unless given), start the core, await `work(core)`, close, report.

    `report` gets what `work` returned once the database is closed, prints it and returns the
    exit code (None: 0). Either may `fail(...)`. `metrics=False` for a process that serves no
    /metrics (one question).
    """
    settings = settings if settings is not None else load()

    async def main() -> int:
        async with started(settings, metrics=metrics) as core:
            result = await work(core)
        code = report(result)
        return 0 if code is None else code

    run(main())


def print_reply(reply: Reply) -> int:
    """Print a reply as text: an error on standard error (exit 1), else on standard output."""
    if reply.is_error:
        stderr().print(render_text(reply), highlight=False, markup=False)
        return 1
    typer.echo(render_text(reply))
    return 0


def operate(verb: str, topic: str, *words: str) -> NoReturn:
    """Run `source ...` or `review ...` through the core as the terminal's user (an admin)."""

    async def work(core: Core) -> Reply:
        return await core.execute(Command(verb=verb, topic=topic, words=words), console_caller())

    call(work, print_reply)


def is_utf8(text: str) -> bool:
    """Say whether an argument was valid UTF-8 (Python keeps other bytes as lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
