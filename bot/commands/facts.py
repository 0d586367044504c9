"""Answers as plain data for the HTTP API and the board, read the way chat reads them.

Each answer carries the series' `SeriesStanding` (bot/domain/standing.py) and the very
Reply chat would give for the same command, so figures and words cannot differ from chat.
Commands come from bot/commands/build.py, with the grammar's checks and messages. Each read
is a caller's: a read token or a public reader (no team, no admin) sees the shared series
alone, a token that writes (an admin without a team) every series (bot/commands/teams.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands.command import Command, CommandError
from bot.commands.context import UNAVAILABLE, Caller, Unavailable
from bot.commands.core import Core
from bot.commands.plain_words import Vocabulary
from bot.commands.questions import (
    LAST_DEFAULT,
    LIST_DEFAULT,
    PAUSES_DEFAULT,
    Counts,
    Questions,
)
from bot.commands.subjects import stored_series, subject_of
from bot.commands.teams import sees
from bot.domain.incidents import Incident
from bot.domain.pauses import Pause
from bot.domain.periods import Period
from bot.domain.replies import Attachment, Reply, Subject
from bot.domain.standing import SeriesStanding
from storage.catalog import SeriesLike, catalog, data_revision
from storage.database import is_unavailable
from storage.import_tables import is_importing
from storage.incident_rows import incident_row, incidents_between, incidents_on, to_incident
from storage.models import Series


@dataclass(frozen=True)
class SeriesInfo:
    """A stored series, as its settings describe it."""

    name: str
    noun: str
    plural: str
    tracking_start: date | None
    description: str


@dataclass(frozen=True)
class Answer:
    """One question answered: where the series stands, what chat says, and the rows read.

    `incidents` are the incidents of the last incident day (since), or one page of the
    range (list, last); `total` is how many the range holds; `top` the ranked pauses.
    """

    subject: Subject
    standing: SeriesStanding
    reply: Reply
    incidents: tuple[Incident, ...] = ()
    total: int = 0
    top: tuple[Pause, ...] = ()
    counts: Counts | None = None
    period: Period | None = None  # the days counted over (stats in March 2024)


@dataclass(frozen=True)
class StoredIncident:
    """One stored incident with its series, and whether it was deleted."""

    incident: Incident
    series: str
    deleted: bool


@asynccontextmanager
async def _reading(core: Core) -> AsyncIterator[AsyncSession]:
    try:
        async with core.database.read() as session:
            yield session
    except (DBAPIError, OSError) as error:
        if not is_unavailable(error):
            raise
        raise Unavailable(UNAVAILABLE) from None


async def series(core: Core) -> list[SeriesInfo]:
    """Return every stored series with its nouns and tracking start."""
    names = await _names(core)
    found = []
    for name in names:
        config = core.settings.series_settings(name)
        found.append(
            SeriesInfo(name, config.noun, config.nouns, config.tracking_start, config.description)
        )
    return found


async def _names(core: Core) -> list[str]:
    # The board and the API show the shared series: a team's own are that team's to see.
    async with _reading(core) as session:
        return sorted(ref.name for ref in (await catalog(session)).values() if ref.team is None)


async def ask(
    core: Core,
    command: Command,
    *,
    caller: Caller,
    platform: str = "api",
    offset: int = 0,
    newest_first: bool | None = None,
) -> Answer:
    """Answer a question (since, pause, pauses, last, list, stats) as data and as chat does.

    `offset` skips incidents of a range (list, last) for paging; raise CommandError when
    the caller sees no such series, Unavailable when the database does not answer.
    """
    with core.metrics.answering(command.verb, platform) as result:
        try:
            return await _ask(core, command, caller, offset, newest_first)
        except CommandError:
            result[0] = "error"
            raise


async def _ask(
    core: Core, command: Command, caller: Caller, offset: int, newest_first: bool | None
) -> Answer:
    today = core.today()
    async with _reading(core) as session:
        stored = await stored_series(session, command.series, settings=core.settings, caller=caller)
        subject = subject_of(stored, command, settings=core.settings, today=today)
        # Pauses are counted as chat counts them: without the incidents whose day is known
        # only to the week or month, when the series skips them.
        counted, _ = await core.questions.counted(session, stored, subject)
        standing = await core.questions.standing(session, stored, counted)
        importing = await is_importing(session, stored.id)
        reply = await core.questions.answer(session, command, stored, subject, importing=importing)
        answer = Answer(subject=subject, standing=standing, reply=reply)
        if command.verb == "since" and standing.last_day is not None:
            on_day = await incidents_on(session, stored.id, counted.filters, standing.last_day)
            answer = replace(answer, incidents=tuple(on_day))
        elif command.verb == "pauses":
            answer = replace(answer, top=tuple(standing.top(command.limit or PAUSES_DEFAULT)))
        elif command.verb in ("list", "last"):
            answer = await _page(
                session, core.questions, command, stored, answer, offset, newest_first
            )
        elif command.verb == "stats":
            counts = await core.questions.counts(session, command, stored, subject)
            answer = replace(answer, counts=counts, total=counts.total, period=command.period)
    return answer


async def _page(
    session: AsyncSession,
    questions: Questions,
    command: Command,
    stored: SeriesLike,
    answer: Answer,
    offset: int,
    newest_first: bool | None,
) -> Answer:
    subject = answer.subject
    start = command.start if command.verb == "list" else None
    end = command.end or subject.as_of
    limit = command.limit or (LIST_DEFAULT if command.verb == "list" else LAST_DEFAULT)
    found = await incidents_between(
        session,
        stored.id,
        subject.filters,
        start=start,
        end=end,
        limit=limit,
        newest_first=command.verb == "last" if newest_first is None else newest_first,
        offset=offset,
    )
    total = await questions.count_between(session, stored, subject.filters, start, end)
    return replace(answer, incidents=tuple(found), total=total)


async def incident(core: Core, incident_id: int, caller: Caller) -> StoredIncident | None:
    """Return one stored incident by id (deleted ones too, said so), or None: also when it is
    of a series the caller does not see, so that a team's own incidents are not told apart
    from missing ones."""
    async with _reading(core) as session:
        row = await incident_row(session, incident_id)
        if row is None:
            return None
        stored = await session.get(Series, row.series_id)
        if stored is None or not sees(stored.team, caller):
            return None
        return StoredIncident(to_incident(row), stored.name, row.deleted_at is not None)


async def revision(core: Core) -> str:
    """Return what changes whenever any answer may: a write to any series, or a new day."""
    async with _reading(core) as session:
        revisions = await data_revision(session)
    return f"{core.today().isoformat()}." + ".".join(f"{sid}-{rev}" for sid, rev in revisions)


async def chart(core: Core, command: Command, *, platform: str = "api") -> Attachment:
    """Draw the weekly chart a `chart` command draws (the digests' chart), as a PNG."""
    reply = await core.execute(command, Caller(user=platform, is_admin=False, platform=platform))
    if reply.is_error or not reply.attachments:
        if reply.headline == UNAVAILABLE:
            raise Unavailable(UNAVAILABLE)
        raise CommandError(reply.headline)
    return reply.attachments[0]


async def vocabulary(core: Core, caller: Caller) -> Vocabulary:
    """Return the words of the series the caller sees, as chat reads them (for
    bot/commands/build.py): a series it does not see is not one, nor suggested."""
    try:
        return (await core.words_for(caller))[1]
    except (DBAPIError, OSError) as error:
        if not is_unavailable(error):
            raise
        raise Unavailable(UNAVAILABLE) from None
