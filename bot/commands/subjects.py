"""What a command is about: the series it names and what it asks of it, as chat reads them.

Questions, writes and subscriptions all name a series (or the default one) and ask about a
day; an unknown series is refused with the names of those that exist.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands.command import Command, CommandError
from bot.commands.context import Caller
from bot.commands.teams import not_an_owner, sees, writes
from bot.domain.replies import Reply, Subject
from bot.domain.wording import Scope
from bot.settings import Settings
from storage.catalog import SeriesLike, catalog, series_by_name
from storage.models import Series


async def stored_series(
    session: AsyncSession,
    name: str | None,
    *,
    settings: Settings,
    caller: Caller | None = None,
    writing: bool = False,
) -> Series:
    """Return the series called `name` (or the default one) as the caller's team sees it;
    raise CommandError if it sees none by that name, or, `writing`, may not write it."""
    name = name or settings.default_series
    series = await series_by_name(session, name)
    if series is None or (caller is not None and not sees(series.team, caller)):
        known = await catalog(session)
        seen = [ref.name for ref in known.values() if caller is None or sees(ref.team, caller)]
        raise CommandError(not_a_series(name, sorted(seen)))
    if writing and caller is not None and not writes(series.team, caller, settings):
        raise CommandError(not_an_owner(series.name, settings))
    return series


def subject_of(series: SeriesLike, command: Command, *, settings: Settings, today: date) -> Subject:
    """Return what a command asks of `series`: its scope (noun and filters) and its day."""
    config = settings.series_settings(series.name)
    return Subject(
        series=series.name,
        scope=Scope(config.noun, config.nouns, command.filters),
        as_of=command.as_of or today,
        today=today,
        tracking_start=config.tracking_start,
    )


def not_a_series(name: str, known: list[str]) -> str:
    """Say that `name` is no series, which ones are, and how to name one."""
    listed = ", ".join(known) if known else "none yet"
    return (
        f"`{name}` is not a series. The series are: {listed}. "
        f"Name one after the command, e.g. `since {known[0] if known else 'attacks'}`."
    )


def with_notes(reply: Reply, command: Command) -> Reply:
    """Say back how plain words were read ("Read `iraq` as country:Iraq.")."""
    if not command.read_as or reply.is_error:
        return reply
    return replace(reply, details=(*reply.details, *command.read_as))
