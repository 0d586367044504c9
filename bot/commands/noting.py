"""`note add|list|delete`: notes on a series' timeline, written by its writers and read by all.

A note is written as an incident is (bot/commands/writing.py: one transaction, audited, once
per request key) and checked by the same rules: the series' writers (bot/commands/teams.py)
add and delete its notes; whoever sees a series reads them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands.command import Command, CommandError
from bot.commands.context import Caller, Context
from bot.commands.subjects import stored_series
from bot.commands.teams import not_an_owner, sees, writes
from bot.domain.notes import Note, note_line, notes_text
from bot.domain.replies import Reply, Table
from bot.domain.standing import SeriesStanding
from bot.domain.wording import Scope, counted, day_text
from bot.settings import Settings
from storage import seen
from storage.catalog import SeriesLike
from storage.notes import (
    add_note,
    delete_note,
    live_note,
    notes_between,
    stored_note,
    to_note,
)

NOTES_LISTED = 50


async def write(
    session: AsyncSession, command: Command, caller: Caller, *, settings: Settings, now: datetime
) -> Reply:
    """Add or delete the note the command names, in the caller's transaction; say what it did."""
    request = command.note
    if request is None:
        raise CommandError('Write `note add DATE "TEXT"` or `note delete ID`.')
    if command.topic == "add":
        assert request.day is not None and request.text is not None
        series = await stored_series(
            session, command.series, settings=settings, caller=caller, writing=True
        )
        row = await add_note(
            session,
            series=series,
            day=request.day,
            text=request.text,
            actor=caller.user,
            now=now,
            team=caller.team,
        )
        return Reply(
            note_id=row.id,
            headline=f"Noted on {day_text(request.day)} in {series.name}: note #{row.id}",
            details=(note_line(to_note(row, series.name)), "`note delete ID` removes it."),
        )
    found = await live_note(session, request.note_id or 0)
    missing = f"There is no note #{request.note_id}; `note list` shows ids."
    if found is None or not sees(found[1].team, caller):
        raise CommandError(missing)
    row, series = found
    if not writes(series.team, caller, settings):
        raise CommandError(not_an_owner(series.name, settings))
    await delete_note(session, note=row, actor=caller.user, now=now, team=caller.team)
    return Reply(
        note_id=row.id,
        headline=f"Deleted note #{row.id} of {series.name}",
        details=(note_line(to_note(row, series.name)), "The audit log keeps it."),
    )


async def listed(
    session: AsyncSession, command: Command, caller: Caller, *, settings: Settings, today: date
) -> Reply:
    """List a series' notes: of a period when one is given, else the newest, oldest first."""
    series = await stored_series(session, command.series, settings=settings, caller=caller)
    first, last = command.start, command.end or today
    notes = await notes_between(session, [series.id], first, last, limit=NOTES_LISTED + 1)
    shown = notes[-NOTES_LISTED:]
    when = f" {command.period.text}" if command.period is not None else ""
    if not notes:
        return Reply(
            headline=f"No notes on {series.name}{when}",
            details=('Admins add one with `note add 2024-02-02 "What happened" SERIES`.',),
        )
    more = len(notes) > NOTES_LISTED
    headline = f"{counted(len(shown), 'note', 'notes')} on {series.name}{when}"
    return Reply(
        headline=("The newest " if more else "") + headline,
        tables=(notes_table(shown),),
        see_more="Name a period to see older ones: `note list in 2024`." if more else "",
    )


def notes_table(notes: list[Note]) -> Table:
    """Lay notes out as a table: id, day, text."""
    return Table(
        "Notes",
        ("id", "day", "note"),
        tuple((f"#{n.id}", day_text(n.day), n.text) for n in notes),
    )


async def pause_notes(
    session: AsyncSession, series: SeriesLike, standing: SeriesStanding, scope: Scope
) -> tuple[str, ...]:
    """Say which notes fall in the running pause, from the last incident's day to the day
    asked about: "Since the last attack: 1 note, U.S. strikes … on 2 Feb 2024." """
    if standing.running is None or standing.last_day is None:
        return ()
    notes = await notes_between(session, [series.id], standing.last_day, standing.as_of)
    said = notes_text(notes, within=f"since {scope.last_one}")
    return (said,) if said is not None else ()


async def notes_for(context: Context, command: Command, caller: Caller) -> tuple[str, list[Note]]:
    """Return the series a `note list` names and its notes on the command's days (all, up to
    today, without any), for a platform that lays them out itself; CommandError when the
    caller sees no such series."""
    async with context.database.read() as session:
        settings = context.settings
        series = await stored_series(session, command.series, settings=settings, caller=caller)
        last = command.end or context.today()
        return series.name, await notes_between(session, [series.id], command.start, last)


async def note_of(context: Context, note_id: int, caller: Caller) -> Note | None:
    """Return a live note by its id, unless the caller does not see its series."""
    async with context.database.read() as session:
        found = await live_note(session, note_id)
    if found is None or not sees(found[1].team, caller):
        return None
    row, series = found
    return to_note(row, series.name)


async def note_to_delete(
    context: Context, note_id: int, caller: Caller, *, request_key: str | None
) -> Note | None:
    """Return the note a delete names, unless the caller does not see its series: a live one,
    or a deleted one when `request_key` was carried out already (a retry gets the first
    answer); None for a note deleted without an outcome kept under the key."""
    async with context.database.read() as session:
        found = await stored_note(session, note_id)
        if found is None or not sees(found[1].team, caller):
            return None
        row, series = found
        if row.deleted_at is not None and (
            request_key is None or not await seen.recorded(session, request_key)
        ):
            return None
    return to_note(row, series.name)
