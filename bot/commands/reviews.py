"""The review queue: what reviewed sources bring, applied or dropped by an admin, once.

A candidate is a new incident, or a change to a stored one (a correction, a deletion at
the source, an event that left its query: review_changes.py). Approving stores or applies
it as the approver (audited) with the alerts of any write; rejecting remembers its key so
that the source's next run does not bring it back. The decision is claimed in the
database, so a double click or two replicas decide once, and every channel's copy of its
message is then edited to say who decided what (review_messages.py). What waits is read as
plain values (CandidateInfo), a page at a time, by `review list` and the API alike (waiting).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands import review_changes
from bot.commands.command import Command, CommandError
from bot.commands.context import Caller, Context
from bot.commands.review_messages import edit_posted
from bot.commands.teams import not_an_owner, sees, writes, written_teams
from bot.domain.fields import (
    COLUMN_OF,
    FIELD_NAMES,
    IncidentFields,
    display_value,
    parse_fields,
    parse_id,
)
from bot.domain.incidents import Incident
from bot.domain.replies import Action, Reply, Table
from bot.domain.wording import day_text, incident_text
from bot.notify import alerts
from storage import candidates, queries
from storage import sources as stored_sources
from storage.import_tables import storing_import_of
from storage.models import Incident as StoredIncident
from storage.models import ReviewCandidate, Series
from storage.writes import audit

LISTED = 50  # how many `review list` shows


@dataclass(frozen=True)
class CandidateInfo:
    """A candidate waiting for review, as plain values: what `review list` and the API show."""

    id: int
    series: str
    source: str
    kind: str  # add, update, delete or left (storage/candidates.py)
    fields: dict[str, str]  # field name → text, as written
    created_at: datetime
    incident_id: int | None
    external_id: str | None  # the event it adds or changes at its source, when known

    def described(self) -> str:
        """Write the candidate as `review list` does: the incident, and what a change does."""
        fields = parse_fields(self.fields, today=None)
        shown = _described(self.id, fields)
        if self.kind == candidates.ADD:
            return shown
        return f"{review_changes.WHAT[self.kind]} of {self.external_id}: {shown}"


def _info_of(candidate: ReviewCandidate, series: str) -> CandidateInfo:
    kind = candidates.kind_of(candidate.key)
    if kind == candidates.ADD:
        event = candidate.fields.get("external_id") or None
    else:
        event = candidates.external_id_of(candidate.key)
    return CandidateInfo(
        id=candidate.id,
        series=series,
        source=candidate.source_name,
        kind=kind,
        fields=dict(candidate.fields),
        created_at=candidate.queued_at,
        incident_id=candidate.incident_id,
        external_id=event,
    )


class NoSuchReview(CommandError):
    """A decision asked of a review number that does not exist."""


class ReviewWaitsForImport(CommandError):
    """An approval whose candidate is a row of an import still being stored, chunk by chunk."""


class AlreadyDecided(Exception):
    """A decision asked of a review decided before; `reply` says how and by whom."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.headline)
        self.reply = reply


def fields_text(fields: IncidentFields) -> dict[str, str]:
    """Write an incident's fields as a user writes them (kept with the candidate)."""
    row = fields.as_row()
    written = {}
    for name in FIELD_NAMES:
        column = COLUMN_OF.get(name, name)
        if row[column] is not None:
            written[name] = display_value(column, row[column])
    return written


def _described(candidate_id: int, fields: IncidentFields) -> str:
    """Describe a candidate's incident in one line, without an id: it is not stored yet, and
    the candidate's own number is not an incident's."""
    shown = incident_text(Incident(id=candidate_id, **fields.as_row()))
    return shown.removeprefix(f"#{candidate_id}, ")


def candidate_reply(candidate_id: int, series: str, source: str, fields: IncidentFields) -> Reply:
    """The message a reviews channel gets for one candidate: its fields and two buttons."""
    described = _described(candidate_id, fields)
    details = [f"• {described}"]
    for name in ("source", "notes", "external_id"):
        value = getattr(fields, name)
        if value:
            details.append(f"{name}: {value}")
    details.append(
        f"Approve stores it in {series} as yours and alerts as an add; reject drops it for "
        f"good. Or type `review approve {candidate_id}` / `review reject {candidate_id}`."
    )
    return Reply(
        headline=f"Review #{candidate_id}: {series} on {day_text(fields.occurred_on)} "
        f"from {source}",
        details=tuple(details),
        actions=(
            Action("review approve", candidate_id, "Approve"),
            Action("review reject", candidate_id, "Reject", danger=True),
        ),
    )


async def waiting(
    context: Context,
    *,
    source: str | None = None,
    limit: int = LISTED,
    offset: int = 0,
    caller: Caller | None = None,
) -> tuple[list[CandidateInfo], int]:
    """Return a page of the waiting candidates (of one source; of the series the caller writes),
    oldest first, and how many wait in all: `offset` skips that many, `limit` says how many
    at most."""
    teams = None if caller is None else written_teams(caller, context.settings)
    async with context.database.read() as session:
        page = await candidates.waiting_page(
            session, source=source, limit=limit, offset=offset, teams=teams
        )
        total = await candidates.count_waiting(session, source=source, teams=teams)
    return [_info_of(candidate, series) for candidate, series in page], total


def page_reply(found: list[CandidateInfo], total: int, offset: int = 0) -> Reply:
    """Say a page of the waiting candidates as `review list` does, and how many more wait."""
    if not total:
        return Reply(headline="No incident is waiting for review")
    rows = tuple((str(info.id), info.series, info.source, info.described()) for info in found)
    details = ["`review approve ID` stores or applies one; `review reject ID` drops it."]
    more = total - offset - len(found)
    if more > 0:
        details.append(f"…and {more:,} more.")
    return Reply(
        headline=f"{total:,} incident{'s' if total != 1 else ''} waiting for review",
        details=tuple(details),
        tables=(Table("Waiting", ("id", "series", "source", "incident"), rows),),
    )


async def listing_reply(context: Context, caller: Caller | None = None) -> Reply:
    """List the oldest waiting candidates (of the series the caller writes), and how many more
    wait."""
    return page_reply(*await waiting(context, caller=caller))


async def _check_decider(
    session: AsyncSession, context: Context, candidate_id: int, caller: Caller
) -> None:
    """Refuse a caller who may not write the series of a review (as none, if they do not see
    it); a review that does not exist is left to `_already`."""
    found = await stored_sources.candidate(session, candidate_id)
    if found is None:
        return
    series = await session.get(Series, found[0].series_id)
    assert series is not None
    if not sees(series.team, caller):
        raise NoSuchReview(f"there is no review #{candidate_id}; `review list` lists those waiting")
    if not writes(series.team, caller, context.settings):
        raise CommandError(not_an_owner(series.name, context.settings))


async def _already(session: AsyncSession, candidate_id: int) -> AlreadyDecided:
    """Say why a review cannot be decided: there is none of that number (raised), or it was
    decided before (returned, for the caller to raise)."""
    found = await stored_sources.candidate(session, candidate_id)
    if found is None:
        raise NoSuchReview(f"there is no review #{candidate_id}; `review list` lists those waiting")
    candidate, _ = found
    by = f" by {candidate.decided_by}" if candidate.decided_by else ""
    stored = f" (incident #{candidate.incident_id})" if candidate.incident_id else ""
    headline = f"Review #{candidate_id} was already {candidate.status}{by}{stored}"
    return AlreadyDecided(Reply(headline=headline, incident_id=candidate.incident_id))


async def approve(context: Context, candidate_id: int, caller: Caller) -> Reply:
    """Store or apply a candidate as the approver, with the alerts of a write; once, whoever
    clicks. Every channel's copy of its message then says so, without buttons.

    Raises NoSuchReview, or AlreadyDecided when it was decided before.
    """
    now, today = context.clock(), context.today()
    async with context.database.write() as session:
        await _check_decider(session, context, candidate_id, caller)
        if not await stored_sources.decide(
            session,
            candidate_id,
            status=stored_sources.APPROVED,
            actor=caller.user,
            now=now,
        ):
            raise await _already(session, candidate_id)
        found = await stored_sources.candidate(session, candidate_id)
        assert found is not None
        candidate, _ = found
        series = await session.get(Series, candidate.series_id)
        assert series is not None
        await queries.lock_series(session, series.id)
        incident: StoredIncident | None
        if candidates.kind_of(candidate.key) == candidates.ADD:
            note, incident = await _store_new(context, session, candidate, series, caller)
        else:
            note, incident = await review_changes.apply(
                session,
                context.settings,
                candidate,
                series,
                actor=caller.user,
                today=today,
                now=now,
            )
        candidate.incident_id = incident.id if incident is not None else None
        audit(
            session,
            now,
            caller.user,
            "review approve",
            series.id,
            candidate.incident_id,
            {"review": candidate_id, "source": candidate.source_name},
            caller.team,
        )
        reply = Reply(
            headline=f"Review #{candidate_id} approved by {caller.user}: {note}",
            details=(incident_text(queries.to_incident(incident)),) if incident else (),
            incident_id=candidate.incident_id,
        )
        await edit_posted(session, candidate_id, reply, now)
    context.notify()
    return reply


async def _store_new(
    context: Context,
    session: AsyncSession,
    candidate: ReviewCandidate,
    series: Series,
    caller: Caller,
) -> tuple[str, StoredIncident]:
    """Store a new row's candidate unless it is stored by then; say which."""
    fields = parse_fields(candidate.fields, today=None)
    # Stored already, as an import would find it: by its external id, or without one by
    # its day, place, kind and source (another candidate with the same, approved first).
    if fields.external_id:
        by_id = await stored_sources.incidents_by_external_id(
            session, series.id, [fields.external_id]
        )
        stored = next(iter(by_id.values()), None)
    else:
        stored = await stored_sources.incident_by_natural_key(session, series.id, fields)
    if stored is not None:
        if await storing_import_of(session, series.id, stored.id):
            # Approved as that row, the incident would be lost were the import taken back.
            raise ReviewWaitsForImport(
                f"review #{candidate.id} matches incident #{stored.id}, a row of an import "
                f"into {series.name} that is still being stored, so nothing was decided; "
                "approve it again once that import is done"
            )
        return f"it was already stored as incident #{stored.id}", stored
    incident = await alerts.add_alerting(
        session,
        settings=context.settings,
        series=series,
        fields=fields,
        actor=caller.user,
        today=context.today(),
        now=context.clock(),
        team=caller.team,
    )
    return f"recorded as incident #{incident.id}", incident


async def reject(context: Context, candidate_id: int, caller: Caller) -> Reply:
    """Drop a candidate for good: its source's next run does not bring it back, and a change
    is not made. Every channel's copy of its message then says so, without buttons.

    Raises NoSuchReview, or AlreadyDecided when it was decided before.
    """
    now = context.clock()
    async with context.database.write() as session:
        await _check_decider(session, context, candidate_id, caller)
        if not await stored_sources.decide(
            session,
            candidate_id,
            status=stored_sources.REJECTED,
            actor=caller.user,
            now=now,
        ):
            raise await _already(session, candidate_id)
        found = await stored_sources.candidate(session, candidate_id)
        assert found is not None
        candidate, _ = found
        audit(
            session,
            now,
            caller.user,
            "review reject",
            candidate.series_id,
            None,
            {"review": candidate_id, "source": candidate.source_name, "key": candidate.key},
            caller.team,
        )
        if candidates.kind_of(candidate.key) == candidates.ADD:
            kept = f"{candidate.source_name} will not bring it back."
        else:
            kept = "The incident stays as it is; the source will not bring this change back."
        reply = Reply(headline=f"Review #{candidate_id} rejected by {caller.user}", details=(kept,))
        await edit_posted(session, candidate_id, reply, now)
    context.notify()
    return reply


async def execute(context: Context, command: Command, caller: Caller) -> Reply:
    """Carry out `review list|approve ID|reject ID` (the core checked the caller is an admin)."""
    if command.topic == "list":
        if command.words:
            raise CommandError("`review list` takes nothing more.")
        return await listing_reply(context, caller)
    number = parse_id(command.words[0]) if len(command.words) == 1 else None
    if number is None:
        raise CommandError(
            f"`review {command.topic}` takes the review's number, e.g. "
            f"`review {command.topic} 12` (`review list` shows them)."
        )
    decide = approve if command.topic == "approve" else reject
    try:
        return await decide(context, number, caller)
    except AlreadyDecided as already:
        return already.reply  # a second click is told what the first did, not refused
