"""The root of the `pausewatch` command line: its options, `ask` and `migrate`, and the rest joined.

Each other command lives in a module of its own (running, transfer, digests) and each group
of commands is a sub-app of its own (token, source, review, outbox).
"""

from __future__ import annotations

import logging
from importlib import metadata
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli import digests, outbox, reviews, running, sources, tokens, transfer
from bot.cli.boundary import call, fail, is_utf8, load, stderr
from bot.commands.context import console_caller
from bot.commands.core import Caller
from bot.commands.render_text import render_text
from bot.console.app import console_thread, printable

if TYPE_CHECKING:
    from bot.commands.core import Core
    from bot.domain.replies import Reply

app = typer.Typer(
    help="pausewatch: a chat bot that tracks incidents and the pauses between them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


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


app.command("run")(running.run_bot)
app.command()(running.serve)
app.add_typer(tokens.app, name="token")
app.add_typer(sources.app, name="source")
app.add_typer(reviews.app, name="review")


# The rest of the line is the command, unquoted words and all: `ask since country:Iraq`.
@app.command(context_settings={"allow_interspersed_args": False})
def ask(
    words: Annotated[
        list[str],
        typer.Argument(
            metavar="COMMAND...",
            help="One command or question, e.g. since as-of 2024-07-15 (quotes optional).",
        ),
    ],
    user: Annotated[
        str | None,
        typer.Option(help="Ask as this platform user id: writes need it in PAUSEWATCH_ADMINS."),
    ] = None,
) -> None:
    """Answer one command or question and print the reply as plain text (exit 1 when wrong)."""
    text = " ".join(words)
    if not is_utf8(text):
        fail("the command is not valid UTF-8 (a byte of another encoding); type it again")
    settings = load()
    caller = console_caller() if user is None else Caller(user, settings.is_admin(user))

    async def work(core: Core) -> Reply:
        # The console's thread: `pausewatch ask "and in Syria?"` follows the ask before it.
        return (await core.ask(text, caller, thread=console_thread(caller))).reply

    def report(reply: Reply) -> int:
        if reply.is_error:
            stderr().print(render_text(reply), highlight=False, markup=False)
            return 1
        typer.echo(printable(reply))
        return 0

    # Nothing serves /metrics from this process: keeping none spares loading prometheus.
    call(work, report, settings=settings, metrics=False)


app.command("import")(transfer.import_)
app.command()(transfer.export)
app.command()(digests.digest)
app.add_typer(outbox.app, name="outbox")


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (also done on every start)."""
    from bot.settings import redacted_url

    settings = load()

    async def work(core: Core) -> None:
        pass

    def report(_: None) -> None:
        typer.echo(f"The database is up to date: {redacted_url(settings.database_url)}")

    call(work, report, settings=settings)


def main() -> None:
    """Entry point of the console script."""
    app()
