"""A reviewed source's changes to stored incidents, as review candidates: shown, then applied.

A correction (ACLED changed an event already stored), a deletion at the source and an event
that left the source's query each wait for an admin as a new row does. Approving applies it
as the approver (edit or delete, audited, with the alerts of any write); rejecting leaves
the incident as it is (reviews.py).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands.review_messages import edit_posted
from bot.domain import acled
from bot.domain.fields import COLUMNS, FIELD_OF, IncidentFields, display_value, parse_fields
from bot.domain.replies import Action, Reply
from bot.domain.wording import incident_text
from bot.notify import alerts
from bot.settings import Settings
from storage import candidates, queries
from storage import sources as stored_sources
from storage.models import Incident, ReviewCandidate, Series
from storage.writes import delete_incident, edit_incident

WHAT = {
    candidates.UPDATE: "correction",
    candidates.DELETE: "deletion",
    candidates.LEFT: "removal",
}


def fields_of(incident: Incident) -> IncidentFields:
    """Return a stored incident's values as fields."""
    return IncidentFields(**{column: getattr(incident, column) for column in COLUMNS})


def corrections(incident: Incident, fields: IncidentFields) -> dict[str, Any]:
    """Return the columns ACLED fills whose values differ from the stored incident's."""
    new = fields.as_row()
    return {c: new[c] for c in acled.COLUMNS if getattr(incident, c) != new[c]}


def reason(kind: str, source: str) -> str:
    """Say why a removal candidate removes its incident."""
    if kind == candidates.DELETE:
        return f"deleted at the source {source}"
    return f"no longer in the query of source {source}"


def change_reply(
    candidate_id: int,
    key: str,
    *,
    series: str,
    source: str,
    incident: Incident,
    fields: IncidentFields,
) -> Reply:
    """The message a reviews channel gets for a change: the incident, what would change, why."""
    kind = candidates.kind_of(key)
    shown = incident_text(queries.to_incident(incident))
    details = [f"• {shown}"]
    if kind == candidates.UPDATE:
        for column, value in corrections(incident, fields).items():
            before = display_value(column, getattr(incident, column)) or "(none)"
            after = display_value(column, value) or "(none)"
            details.append(f"{FIELD_OF.get(column, column)}: {before} → {after}")
        outcome = f"Approve applies the correction to incident #{incident.id} as yours"
    else:
        details.append(f"why: {reason(kind, source)}")
        outcome = f"Approve deletes incident #{incident.id} as yours"
    details.append(
        f"{outcome}; reject leaves it as it is. Or type `review approve {candidate_id}` / "
        f"`review reject {candidate_id}`."
    )
    return Reply(
        headline=f"Review #{candidate_id}: {WHAT[kind]} of incident #{incident.id} in {series} "
        f"from {source}",
        details=tuple(details),
        actions=(
            Action("review approve", candidate_id, "Approve"),
            Action("review reject", candidate_id, "Reject", danger=True),
        ),
    )


def withdrawn_reply(candidate_id: int, why: str) -> Reply:
    """The message a candidate's copies show once its source took it back."""
    return Reply(headline=f"Review #{candidate_id} was withdrawn: {why}")


async def stored_incident(
    session: AsyncSession, series_id: int, candidate: ReviewCandidate
) -> Incident | None:
    """Return the incident a change candidate changes, if it is stored and not deleted."""
    external_id = candidates.external_id_of(candidate.key)
    found = await stored_sources.incidents_by_external_id(session, series_id, [external_id])
    incident = found.get(external_id)
    return None if incident is None or incident.deleted_at is not None else incident


async def withdraw(
    session: AsyncSession, waiting: list[ReviewCandidate], *, actor: str, why: str, now: datetime
) -> None:
    """Withdraw waiting candidates and say so in their messages."""
    for candidate in waiting:
        if candidate.status == stored_sources.PENDING:
            candidate.status = stored_sources.WITHDRAWN
            candidate.decided_by, candidate.decided_at = actor, now
            await edit_posted(session, candidate.id, withdrawn_reply(candidate.id, why), now)


async def apply(
    session: AsyncSession,
    settings: Settings,
    candidate: ReviewCandidate,
    series: Series,
    *,
    actor: str,
    today: date,
    now: datetime,
) -> tuple[str, Incident | None]:
    """Apply an approved change as `actor`; return what was done and the incident."""
    incident = await stored_incident(session, series.id, candidate)
    if incident is None:
        return "its incident is no longer stored (or was deleted), so nothing changed", None
    kind = candidates.kind_of(candidate.key)
    watches = await alerts.watch(session, series, today)
    if kind == candidates.UPDATE:
        changes = corrections(incident, parse_fields(candidate.fields, today=None))
        await edit_incident(session, incident=incident, changes=changes, actor=actor, now=now)
        note = f"incident #{incident.id} corrected"
    else:
        why = reason(kind, candidate.source_name)
        await delete_incident(session, incident=incident, actor=actor, now=now, reason=why)
        note = f"incident #{incident.id} deleted ({why})"
        # The event is gone: its other waiting changes have nothing left to change.
        others = await candidates.waiting_changes(
            session, series.id, [candidates.external_id_of(candidate.key)]
        )
        stale = [c for found in others.values() for c in found if c.id != candidate.id]
        await withdraw(
            session, stale, actor=actor, why=f"incident #{incident.id} was deleted", now=now
        )
    await alerts.queue_alerts(
        session, settings=settings, series=series, watches=watches, today=today, now=now
    )
    return note, incident
