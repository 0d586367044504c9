"""`pausewatch source add|list|run|remove`: feeds read on a schedule."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.boundary import call, operate, print_reply
from bot.commands.command import Command, GrammarError
from bot.commands.context import console_caller
from bot.commands.source_words import source_request
from bot.domain.replies import Reply

if TYPE_CHECKING:
    from bot.commands.core import Core

app = typer.Typer(help="Sources: feeds read on a schedule (a sheet's URL, ACLED's API).")


class SourceKind(StrEnum):
    """Kinds of source."""

    csv = "csv"
    json = "json"
    acled = "acled"


@app.command("add")
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
    options: list[tuple[str, str | None]] = [("kind", kind.value), ("every", every)]
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
            options.append((key, value))

    async def work(core: Core) -> Reply:
        # Checked once started, as every source command's words were: the same replies.
        try:
            request = source_request(name, options, reviewed=reviewed)
        except GrammarError as error:
            return Reply.error(str(error))
        command = Command(verb="source", topic="add", source=request)
        return await core.execute(command, console_caller())

    call(work, print_reply)


@app.command("list")
def source_list() -> None:
    """List the sources and how each one's last run went (and why one failed)."""
    operate("source", "list")


@app.command("run")
def source_run(name: Annotated[str, typer.Argument(help="The source's name.")]) -> None:
    """Run a source now (exit 1 when the run failed; nothing is then stored)."""
    operate("source", "run", name)


@app.command("remove")
def source_remove(name: Annotated[str, typer.Argument(help="The source's name.")]) -> None:
    """Remove a source; its candidates waiting for review are withdrawn."""
    operate("source", "remove", name)
