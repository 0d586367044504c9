"""The API's answers, made from the domain's objects as the shapes of bot/web/shapes.py.

Pauses, places, incidents and replies become those shapes, and are written as JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from aiohttp import web
from pydantic import TypeAdapter

from bot.commands.command import Command
from bot.commands.facts import Answer, SeriesInfo, StoredIncident
from bot.commands.questions import LAST_DEFAULT, LIST_DEFAULT
from bot.commands.render_text import render_text
from bot.commands.replies import Reply
from bot.domain import pauses
from bot.domain.incidents import Incident
from bot.domain.standing import Place
from bot.web import shapes

# The lists an answer may hold many of (a page of 500 incidents, a breakdown by week) are
# each validated in one call, not one an item: a model made an item costs twice as much.
_INCIDENTS = TypeAdapter(list[shapes.Incident])
_RANKED = TypeAdapter(list[shapes.RankedPause])
_COUNTED = TypeAdapter(list[shapes.Counted])


def pause_of(pause: pauses.Pause | None) -> shapes.Pause | None:
    """Return a pause: its first and last day, its length as counted, whether it runs."""
    return None if pause is None else shapes.Pause(**pause._asdict())


def place_of(place: Place | None) -> shapes.Place | None:
    """Return where a pause stands against the earlier ones (bot/domain/standing.py's Place)."""
    if place is None:
        return None
    return shapes.Place(
        pause=shapes.Pause(**place.pause._asdict()),
        kind=place.kind,
        since=place.since,
        rival=pause_of(place.rival),
        record=pause_of(place.record),
        is_record=place.is_record,
        short_of_record=place.short_of_record,
        beaten=place.beaten,
        earlier=place.earlier,
    )


def incidents_of(incidents: Iterable[Incident]) -> list[shapes.Incident]:
    """Return incidents with the field names of chat and of the import schema."""
    # Strict: the domain's values are of the shape's types already, and nothing is converted
    # (a third faster than converting, for as many as a page holds).
    return _INCIDENTS.validate_python(list(incidents), strict=True)


def stored_of(stored: StoredIncident) -> shapes.StoredIncident:
    """Return a stored incident with its series and whether it was deleted."""
    incident = shapes.Incident.model_validate(stored.incident)
    return shapes.StoredIncident(**dict(incident), series=stored.series, deleted=stored.deleted)


def words_of(reply: Reply) -> shapes.Words:
    """Return what chat says: the headline, the lines under it, and the whole as plain text."""
    return shapes.Words(
        headline=reply.headline, details=list(reply.details), text=render_text(reply)
    )


def _about(answer: Answer) -> dict[str, Any]:
    """Return what a question was about (shapes.Question's fields)."""
    subject = answer.subject
    return {
        "series": subject.series,
        "filters": dict(subject.filters.items()),
        "as_of": subject.as_of,
        "today": subject.today,
        "scope": subject.scope.all,
    }


def since_answer(answer: Answer) -> shapes.Since:
    """Answer /since: days since the last incident, that day's incidents, chat's words."""
    standing = answer.standing
    return shapes.Since(
        **_about(answer),
        days_since=standing.days_since,
        last_day=standing.last_day,
        last_incidents=incidents_of(answer.incidents),
        words=words_of(answer.reply),
    )


def pause_answer(answer: Answer) -> shapes.PauseStanding:
    """Answer /pause: the running pause, where it stands, the record, chat's words."""
    standing = answer.standing
    return shapes.PauseStanding(
        **_about(answer),
        counting=standing.counting,
        tracking_began=standing.tracking_began,
        days_since=standing.days_since,
        last_day=standing.last_day,
        pause_count=standing.pause_count,
        running=pause_of(standing.running),
        standing=place_of(standing.running_place),
        record=pause_of(standing.record),
        ended=place_of(standing.ended),
        words=words_of(answer.reply),
    )


def pauses_answer(answer: Answer) -> shapes.Pauses:
    """Answer /pauses: the longest closed pauses, ranked, and where the running one would rank."""
    standing = answer.standing
    return shapes.Pauses(
        **_about(answer),
        counting=standing.counting,
        pause_count=standing.pause_count,
        record=pause_of(standing.record),
        running=pause_of(standing.running),
        running_rank=standing.running_rank,
        pauses=_RANKED.validate_python(
            [
                {**p._asdict(), "rank": rank, "is_record": p == standing.record}
                for rank, p in enumerate(answer.top, start=1)
            ]
        ),
        words=words_of(answer.reply),
    )


def incidents_answer(
    answer: Answer, command: Command, offset: int, newest_first: bool | None
) -> shapes.Incidents:
    """Answer /incidents: one page of a range (list) or of the latest (last), and what is left."""
    shown = len(answer.incidents)
    following = offset + shown
    newest = command.verb == "last" if newest_first is None else newest_first
    return shapes.Incidents(
        **_about(answer),
        start=command.start,
        end=command.end or answer.subject.as_of,
        order="newest" if newest else "oldest",
        offset=offset,
        limit=command.limit or (LIST_DEFAULT if command.verb == "list" else LAST_DEFAULT),
        total=answer.total,
        next_offset=following if following < answer.total and shown else None,
        incidents=incidents_of(answer.incidents),
        words=words_of(answer.reply),
    )


def stats_answer(answer: Answer) -> shapes.Stats:
    """Answer /stats: totals since tracking began, the last 7 and 30 days, breakdowns."""
    counts = answer.counts
    assert counts is not None
    return shapes.Stats(
        **_about(answer),
        tracking_start=answer.subject.tracking_start,
        period=_period(answer),
        total=counts.total,
        incident_days=counts.incident_days,
        last_7_days=counts.last_7,
        last_30_days=counts.last_30,
        breakdowns=[
            shapes.Breakdown(
                by=by,
                rows=_located(rows, counts.points)
                if by == "location"
                else _COUNTED.validate_python([{"value": v, "count": n} for v, n in rows]),
            )
            for by, rows in counts.breakdowns
        ],
        words=words_of(answer.reply),
    )


def _located(
    rows: tuple[tuple[str, int], ...], points: dict[str, tuple[float, float]]
) -> list[shapes.Located]:
    located = []
    for value, n in rows:
        latitude, longitude = points.get(value, (None, None))
        located.append(shapes.Located(value=value, count=n, latitude=latitude, longitude=longitude))
    return located


def _period(answer: Answer) -> shapes.Period | None:
    period = answer.period
    if period is None:
        return None
    return shapes.Period(first=period.first, last=period.last, label=period.text)


def series_answer(found: list[SeriesInfo]) -> shapes.SeriesList:
    """Answer /series: each series with its nouns and tracking start."""
    return shapes.SeriesList(
        series=[
            shapes.Series(
                name=s.name,
                noun=s.noun,
                plural=s.plural,
                tracking_start=s.tracking_start,
                description=s.description,
            )
            for s in found
        ]
    )


def json_answer(shape: shapes.Shape, status: int = 200, **headers: str) -> web.Response:
    """Answer with a shape as JSON, non-ASCII letters as they are (→, ×, Al-Qa’im)."""
    return web.json_response(
        shape.model_dump(mode="json"),
        status=status,
        headers=headers or None,
        dumps=lambda value: json.dumps(value, ensure_ascii=False),
    )
