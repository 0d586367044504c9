"""The JSON shapes of the API: domain objects (pauses, places, incidents, replies) as plain JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from aiohttp import web

from bot.commands.facts import Answer, StoredIncident
from bot.commands.render_text import render_text
from bot.domain.incidents import Incident
from bot.domain.pauses import Pause
from bot.domain.replies import Reply
from bot.domain.standing import Place

JSON = dict[str, Any]


def day(value: date | None) -> str | None:
    """Write a day as YYYY-MM-DD, or null."""
    return value.isoformat() if value is not None else None


def pause_data(pause: Pause | None) -> JSON | None:
    """Return a pause: its first and last day, its length as counted, whether it runs."""
    if pause is None:
        return None
    return {
        "start": pause.start.isoformat(),
        "end": pause.end.isoformat(),
        "length": pause.length,
        "running": pause.running,
    }


def place_data(place: Place | None) -> JSON | None:
    """Return where a pause stands against the earlier ones (bot/domain/standing.py's Place)."""
    if place is None:
        return None
    return {
        "pause": pause_data(place.pause),
        "kind": place.kind.value,
        "since": day(place.since),
        "rival": pause_data(place.rival),
        "record": pause_data(place.record),
        "is_record": place.is_record,
        "short_of_record": place.short_of_record,
        "beaten": place.beaten,
        "earlier": place.earlier,
    }


def incident_data(incident: Incident) -> JSON:
    """Return an incident with the field names of chat and of the import schema."""
    return {
        "id": incident.id,
        "date": incident.occurred_on.isoformat(),
        "time": incident.occurred_at.strftime("%H:%M") if incident.occurred_at else None,
        "country": incident.country,
        "location": incident.location,
        "actor": incident.actor,
        "kind": incident.kind,
        "quantity": incident.quantity,
        "killed": incident.killed,
        "wounded": incident.wounded,
        "source": incident.source,
        "notes": incident.notes,
        "external_id": incident.external_id,
    }


def stored_data(stored: StoredIncident) -> JSON:
    """Return a stored incident with its series and whether it was deleted."""
    return {**incident_data(stored.incident), "series": stored.series, "deleted": stored.deleted}


def words(reply: Reply) -> JSON:
    """Return what chat says: the headline, the lines under it, and the whole as plain text."""
    return {"headline": reply.headline, "details": list(reply.details), "text": render_text(reply)}


def scope_data(answer: Answer) -> JSON:
    """Return what a question was about: series, filters, the day asked for, today, the scope."""
    subject = answer.subject
    return {
        "series": subject.series,
        "filters": dict(subject.filters.items()),
        "as_of": subject.as_of.isoformat(),
        "today": subject.today.isoformat(),
        "scope": subject.scope.all,
    }


def since_data(answer: Answer) -> JSON:
    """Answer /since: days since the last incident, that day's incidents, chat's words."""
    standing = answer.standing
    return {
        **scope_data(answer),
        "days_since": standing.days_since,
        "last_day": day(standing.last_day),
        "last_incidents": [incident_data(i) for i in answer.incidents],
        "words": words(answer.reply),
    }


def pause_answer(answer: Answer) -> JSON:
    """Answer /pause: the running pause, where it stands, the record, chat's words."""
    standing = answer.standing
    return {
        **scope_data(answer),
        "counting": standing.counting.value,
        "tracking_began": day(standing.tracking_began),
        "days_since": standing.days_since,
        "last_day": day(standing.last_day),
        "pause_count": standing.pause_count,
        "running": pause_data(standing.running),
        "standing": place_data(standing.running_place),
        "record": pause_data(standing.record),
        "ended": place_data(standing.ended),
        "words": words(answer.reply),
    }


def pauses_data(answer: Answer) -> JSON:
    """Answer /pauses: the longest closed pauses, ranked, and where the running one would rank."""
    standing = answer.standing
    return {
        **scope_data(answer),
        "counting": standing.counting.value,
        "pause_count": standing.pause_count,
        "record": pause_data(standing.record),
        "running": pause_data(standing.running),
        "running_rank": standing.running_rank,
        "pauses": [
            {**(pause_data(p) or {}), "rank": rank, "is_record": p == standing.record}
            for rank, p in enumerate(answer.top, start=1)
        ],
        "words": words(answer.reply),
    }


def stats_data(answer: Answer) -> JSON:
    """Answer /stats: totals since tracking began, the last 7 and 30 days, breakdowns."""
    counts = answer.counts
    assert counts is not None
    return {
        **scope_data(answer),
        "tracking_start": day(answer.subject.tracking_start),
        "total": counts.total,
        "incident_days": counts.incident_days,
        "last_7_days": counts.last_7,
        "last_30_days": counts.last_30,
        "breakdowns": [
            {"by": by, "rows": [{"value": value, "count": n} for value, n in rows]}
            for by, rows in counts.breakdowns
        ],
        "words": words(answer.reply),
    }


def json_answer(body: Mapping[str, Any], status: int = 200, **headers: str) -> web.Response:
    """Answer with JSON, non-ASCII letters as they are (→, ×, Al-Qa’im)."""
    return web.json_response(
        body,
        status=status,
        headers=headers or None,
        dumps=lambda value: json.dumps(value, ensure_ascii=False),
    )
