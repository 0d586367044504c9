"""`pausewatch digest`: build the weekly digest now, to queue or to print."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.boundary import call, fail, load
from bot.commands.command import CommandError
from bot.commands.render_text import render_text
from bot.domain.fields import FieldError, parse_date
from bot.domain.wording import counted, day_text

if TYPE_CHECKING:
    from bot.commands.core import Core
    from bot.domain.replies import Reply


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
    from bot.console.app import save_attachments, written_text

    settings = load()

    async def work(core: Core) -> Reply | tuple[int, bool, date]:
        try:
            run_day = (
                parse_date(as_of, today=core.today(), what="--as-of") if as_of else core.today()
            )
            if dry_run:
                return await operations.preview_digest(
                    core.context, series or settings.default_series, run_day
                )
            queued = await operations.queue_digests(core.context, run_day, series)
            subscribed = await operations.digest_subscriptions(core.context, series)
        except (FieldError, CommandError) as error:
            fail(str(error))
        return queued, bool(subscribed), run_day

    def report(done: Reply | tuple[int, bool, date]) -> None:
        if isinstance(done, tuple):
            _report_queued(*done, series=series)
            return
        saved = save_attachments(done)
        typer.echo(render_text(done))
        for path in saved:
            typer.echo(written_text(path))

    call(work, report, settings=settings)


def _report_queued(queued: int, subscribed: bool, run_day: date, *, series: str | None) -> None:
    which = f" of {series}" if series else ""
    if not subscribed:
        typer.echo(
            f"No channel is subscribed to the weekly digest{which}: `subscribe digest"
            f"{' ' + series if series else ''}` in a channel (or in `pausewatch run`) "
            "starts one. `--dry-run` prints it without posting."
        )
        return
    typer.echo(
        f"Queued {counted(queued, 'digest', 'digests')}{which} for the week to "
        f"{day_text(run_day)}"
        + ("" if queued else " (each was already queued)")
        + "; the running bot posts them (`pausewatch outbox` shows them)."
    )
