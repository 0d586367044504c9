"""`pausewatch import` and `pausewatch export`: incidents in and out, in the pausewatch schema."""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.boundary import call, fail, load, stderr
from bot.commands.context import console_caller
from bot.domain.wording import counted

if TYPE_CHECKING:
    from bot.commands.core import Core
    from storage.importers import ImportResult

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

    settings = load()
    if (file is None) == (not sample):
        fail("give a FILE to import, or --sample for the sample data set (not both)")
    path = settings.sample_data if file is None else file
    if file is not None and _notes_file(file):
        _import_notes(file, series)

    async def work(core: Core) -> ImportResult:
        if series is not None and series not in await core.series_names():
            fail(f"--series {series!r} is not a series; configure it in config/pausewatch.toml")
        show = path.is_file() and sys.stderr.isatty() and count_lines(path) >= PROGRESS_MIN_LINES
        with Progress(
            TextColumn("importing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=stderr(),
            transient=True,
            disable=not show,
        ) as progress:
            task = progress.add_task("import", total=count_lines(path) - 1 if show else None)
            try:
                return await import_file(
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
                fail(f"{path} was not imported; nothing was changed.\n" + "\n".join(lines))

    def report(result: ImportResult) -> None:
        per_series = ", ".join(
            f"{name}: {n:,}" for name, n in sorted(result.added_by_series.items())
        )
        typer.echo(
            f"Imported {counted(result.added, 'incident', 'incidents')}"
            + (f" ({per_series})" if per_series else "")
            + f"; skipped {result.skipped:,} already stored; "
            + f"{counted(result.read, 'row', 'rows')} read."
            + (
                f" Placed {counted(result.placed, 'row', 'rows')} from the gazetteer."
                if result.placed
                else ""
            )
        )

    call(work, report, settings=settings)


def _notes_file(path: Path) -> bool:
    """Say whether a file holds notes; fail when a text column stands among incident columns."""
    from storage.import_formats import ImportFailed
    from storage.note_transfer import is_notes_file

    try:
        return is_notes_file(path)
    except ImportFailed as failed:
        fail(f"{path} was not imported; nothing was changed.\n{failed}")


def _import_notes(path: Path, series: str | None) -> None:
    """Import a notes file (series, date, text: storage/note_transfer.py), all or nothing."""
    from bot.commands.note_transfer import NotesImported, import_notes
    from storage.import_formats import ImportFailed

    async def work(core: Core) -> NotesImported:
        try:
            return await import_notes(core.context, path, series=series, caller=console_caller())
        except ImportFailed as failed:
            more = failed.total_errors - len(failed.errors)
            lines = [str(e) for e in failed.errors] + ([f"...and {more} more"] if more else [])
            fail(f"{path} was not imported; nothing was changed.\n" + "\n".join(lines))

    def report(result: NotesImported) -> None:
        typer.echo(
            f"Read {path.name} as notes (series, date, text), not incidents. "
            f"Imported {counted(result.added, 'note', 'notes')}; skipped {result.skipped:,} "
            f"already stored; {counted(result.read, 'note', 'notes')} read."
        )

    call(work, report)


def export(
    file_format: Annotated[
        ExportFormat, typer.Option("--format", help="csv or json.")
    ] = ExportFormat.csv,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of standard output.")
    ] = None,
    notes: Annotated[
        bool,
        typer.Option(
            "--notes", help="Write the notes on the timeline (series, date, text), not incidents."
        ),
    ] = False,
) -> None:
    """Write every live incident in the pausewatch schema, or with --notes every note (in a
    file of their own); importing either back adds nothing."""
    from bot.commands import note_transfer, operations

    exporter = note_transfer.export if notes else operations.export

    async def work(core: Core) -> int | None:
        if output is not None:
            with output.open("w", newline="", encoding="utf-8") as handle:
                return await exporter(core.context, handle, file_format.value)
        try:
            written = await exporter(core.context, sys.stdout, file_format.value)
            sys.stdout.flush()
        except BrokenPipeError:
            # The reader stopped early (`export | head`): that is not an error here.
            # Point stdout at nothing so that Python's own flush at exit is quiet.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return None
        return written

    def report(written: int | None) -> None:
        if written is not None:
            exported = (
                counted(written, "note", "notes")
                if notes
                else counted(written, "incident", "incidents")
            )
            stderr().print(f"Exported {exported}.", highlight=False)

    call(work, report)
