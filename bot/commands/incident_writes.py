"""Add, edit and delete an incident in the caller's transaction, queueing the alerts an add causes.

Each write locks its series first, so that its reply (and an add's alerts) is computed from
the series as this write leaves it, never from a view another writer is changing.
"""

from __future__ import annotations

from bisect import bisect_left
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands.command import Command, CommandError
from bot.commands.context import Caller
from bot.commands.kept import DayKeeper
from bot.commands.subjects import stored_series, subject_of
from bot.commands.teams import not_an_owner, sees, writes
from bot.commands.written_days import WrittenDays
from bot.domain.fields import FieldError, check_coordinates
from bot.domain.filters import KNOWN_TO_THE_WEEK, Filters, is_exact_day
from bot.domain.places import needs_country_text, place_incident, placing_text
from bot.domain.replies import Reply, Subject
from bot.domain.standing import Timeline
from bot.domain.wording import Scope, changes_text, day_text, effect_text, incident_text
from bot.notify import alerts
from bot.notify.precision import pause_counting
from bot.settings import Settings
from storage.catalog import SeriesRef, lock_series
from storage.gazetteer import gazetteer
from storage.import_tables import is_importing
from storage.incident_rows import incident_row, to_incident
from storage.models import Incident as StoredIncident
from storage.models import Series
from storage.writes import delete_incident, edit_incident


async def add(
    session: AsyncSession,
    command: Command,
    caller: Caller,
    *,
    settings: Settings,
    days: DayKeeper,
    today: date,
    now: datetime,
) -> Reply:
    """Record the command's incident, queue its alerts, and say what it changed."""
    assert command.incident is not None
    series = await stored_series(
        session, command.series, settings=settings, caller=caller, writing=True
    )
    subject = subject_of(series, command, settings=settings, today=today)
    # Writers of one series take turns: each reply and alert is computed from the series
    # as this write leaves it, never from a view another writer is changing.
    revision = await lock_series(session, series.id)
    # A place the gazetteer knows gives an incident without a point its point, said below.
    placing = place_incident(command.incident, gazetteer())
    fields = placing.fields
    day = fields.occurred_on
    # The series as it stands before this write: the kept days, brought up to the
    # revision read under the lock (the row read before it may be older).
    # Counted as `pause` counts them: without the days known only to the week or month when
    # the series skips them.
    counting = await pause_counting(session, settings, series, Filters(), today)
    ref = SeriesRef(series.id, series.name, revision)
    kept = await days.days(session, ref, counting.filters)
    before = kept.timeline(settings.pause_counting)
    skipped = (
        not is_exact_day(fields.time_precision)
        and settings.series_settings(series.name).imprecise == "skip"
    )
    incident = await alerts.add_alerting(
        session,
        settings=settings,
        series=series,
        fields=fields,
        actor=caller.user,
        today=today,
        now=now,
        team=caller.team,
        days_of=WrittenDays(days, ref, {counting.filters: kept}),
    )
    placed = placing_text(placing, incident.id)
    # Half stored, an import's history can show pauses that are not there (its alerts wait).
    importing = await is_importing(session, series.id)
    return Reply(
        headline=f"Recorded {subject.scope.noun} #{incident.id} on {day_text(day)}",
        incident_id=incident.id,
        details=(
            incident_text(to_incident(incident)),
            imprecise_effect(fields.time_precision) if skipped else effect(subject, before, day),
            *([IMPORTING_NOTE] if importing else []),
            *([placed] if placed else []),
        ),
    )


IMPORTING_NOTE = (
    "An import into this series is under way: the pauses above count the rows it has "
    "stored so far, and the alerts wait for it."
)


def imprecise_effect(precision: int | None) -> str:
    """Say that an incident whose day is known only to the week or month moves no pause."""
    known = "week" if precision == KNOWN_TO_THE_WEEK else "month"
    return (
        f"Its day is known only to the {known}: it ends no pause and starts none (the series "
        "skips such days: imprecise: skip)."
    )


def effect(subject: Subject, before: Timeline, day: date) -> str:
    """Say what an incident on `day` does to the pauses of `before`: ends one, splits one."""
    scope = Scope(subject.scope.noun, subject.scope.nouns)
    numbers = before.ordinals
    number = day.toordinal()
    last = before.day(-1) if numbers else None
    at = bisect_left(numbers, number)
    same_day = at < len(numbers) and numbers[at] == number
    ended = split = None
    if last is not None and day > last:
        ended = before.with_later_day(number).standing(day, subject.tracking_start).ended
    elif last is not None and not same_day and 0 < at < len(numbers):
        split = before.pause(at - 1)  # the pause it falls in
    return effect_text(scope, last=last, day=day, same_day=same_day, ended=ended, split=split)


async def change(
    session: AsyncSession, command: Command, caller: Caller, *, settings: Settings, now: datetime
) -> Reply:
    """Edit or delete the incident the command names (audited), and say what changed."""
    incident = await incident_row(session, command.incident_id or 0)
    if incident is None:
        raise CommandError(f"There is no incident #{command.incident_id}; `last` shows ids.")
    await lock_series(session, incident.series_id)
    series = await session.get(Series, incident.series_id)
    assert series is not None  # an incident's series is never removed
    if not sees(series.team, caller):
        raise CommandError(f"There is no incident #{command.incident_id}; `last` shows ids.")
    if not writes(series.team, caller, settings):
        raise CommandError(not_an_owner(series.name, settings))
    noun = settings.series_settings(series.name).noun
    if command.verb == "edit":
        return await _edit(session, incident, command, caller, noun=noun, now=now)
    await delete_incident(
        session,
        incident=incident,
        actor=caller.user,
        now=now,
        reason=command.reason,
        team=caller.team,
    )
    return Reply(
        headline=f"Deleted {noun} #{incident.id}",
        incident_id=incident.id,
        details=(
            incident_text(to_incident(incident)),
            "It no longer counts in any answer; the audit log keeps it.",
        ),
    )


async def _edit(
    session: AsyncSession,
    incident: StoredIncident,
    command: Command,
    caller: Caller,
    *,
    noun: str,
    now: datetime,
) -> Reply:
    changes = dict(command.changes)
    point = {"latitude": incident.latitude, "longitude": incident.longitude}
    point.update((column, value) for column, value in changes.items() if column in point)
    try:
        check_coordinates(point["latitude"], point["longitude"])
    except FieldError as error:
        raise CommandError(f"{error}.") from None
    placed = _placed(incident, changes)
    changed = await edit_incident(
        session, incident=incident, changes=changes, actor=caller.user, now=now, team=caller.team
    )
    if not changed:
        return Reply(
            headline=f"Nothing to change: {noun} #{incident.id} already has those values",
            incident_id=incident.id,
        )
    return Reply(
        headline=f"Edited {noun} #{incident.id}",
        incident_id=incident.id,
        details=(
            changes_text(changed),
            incident_text(to_incident(incident)),
            *([placed] if placed else []),
        ),
    )


def _placed(incident: StoredIncident, changes: dict[str, Any]) -> str | None:
    """Place an incident again when an edit changes its location or country; say what it did.

    A point the gazetteer gave (the stored point is the gazetteer's for the old place and
    country) follows the place: moved to the new place's point, or cleared when the new
    place has none. A point the source or the user gave is never moved: that is said
    outright with lat: and lon:. Where a point came from is not stored: it is read so.
    """
    if "latitude" in changes or not {"location", "country"} & set(changes):
        return None
    location = changes.get("location", incident.location)
    country = changes.get("country", incident.country)
    had = (incident.latitude, incident.longitude)
    if had[0] is not None and had[1] is not None and not _from_gazetteer(incident):
        if "location" not in changes:
            return None
        return (
            f"It keeps its point ({had[0]:.2f}, {had[1]:.2f}); to move it: "
            f"edit {incident.id} lat:N lon:N."
        )
    place = gazetteer().find(location, country)
    if place is not None:
        changes["latitude"], changes["longitude"] = place.latitude, place.longitude
        if (place.latitude, place.longitude) == had:
            return None
        return f"Placed {location} at {place.point_text()} from the gazetteer."
    if had[0] is None:
        return _not_placed(incident.id, location, country)
    changes["latitude"] = changes["longitude"] = None
    cleared = f"Its point from the gazetteer ({had[0]:.2f}, {had[1]:.2f}) was cleared"
    why = _not_placed(incident.id, location, country)
    return f"{cleared}: {why}" if why else f"{cleared}, as it names no place."


def _not_placed(incident_id: int, location: str | None, country: str | None) -> str | None:
    """Say why a place has no point from the gazetteer (None: the incident names no place)."""
    if not location:
        return None
    known = gazetteer()
    if not country and (countries := known.countries_of(location)):
        return needs_country_text(location, countries, incident_id)
    return (
        f"{location}{f' in {country}' if country else ''} is not in the gazetteer, so it has no "
        f"point on the map; to place it: edit {incident_id} lat:N lon:N (its own degrees)."
    )


def _from_gazetteer(incident: StoredIncident) -> bool:
    """Say whether an incident's point is the gazetteer's for its place and country."""
    place = gazetteer().find(incident.location, incident.country)
    if place is None or incident.latitude is None or incident.longitude is None:
        return False
    return (round(incident.latitude, 6), round(incident.longitude, 6)) == (
        round(place.latitude, 6),
        round(place.longitude, 6),
    )
