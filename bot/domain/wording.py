"""How pausewatch puts days, pauses, incidents and records into words (pure)."""

from __future__ import annotations

from datetime import date

from bot.domain.fields import FIELD_OF, display_value
from bot.domain.pauses import Pause, Standing
from storage.models import Incident


def day_text(day: date) -> str:
    """Write a day as "4 Feb 2024"."""
    return f"{day.day} {day:%b %Y}"


def span_text(pause: Pause) -> str:
    """Write a pause's dates as "4 Feb → 21 Apr 2024"."""
    if pause.start.year == pause.end.year:
        return f"{pause.start.day} {pause.start:%b} → {day_text(pause.end)}"
    return f"{day_text(pause.start)} → {day_text(pause.end)}"


def days_text(n: int) -> str:
    """Write "1 day" or "N days"."""
    return f"{n} day" if n == 1 else f"{n} days"


def counted(n: int, noun: str, nouns: str) -> str:
    """Write "1 attack" or "N attacks"."""
    return f"{n:,} {noun if n == 1 else nouns}"


def quoted(value: str) -> str:
    return f'"{value}"' if " " in value else value


def a_n(length: int) -> str:
    """Write "a 78-day" or "an 86-day"."""
    # Said aloud, 8, 11, 18, 80-89 and 800-899 begin with a vowel: "an 86-day pause".
    vowel = str(length).startswith("8") or length in (11, 18)
    return f"an {length}-day" if vowel else f"a {length}-day"


def place_text(incident: Incident) -> str:
    """Write where an incident happened, e.g. "Ain al-Assad, Iraq"."""
    return (
        ", ".join(part for part in (incident.location, incident.country) if part)
        or "place not given"
    )


def incident_text(incident: Incident) -> str:
    """Describe an incident in one line."""
    parts = [f"#{incident.id}", day_text(incident.occurred_on), place_text(incident)]
    what = what_text(incident)
    if what:
        parts.append(what)
    if incident.actor:
        parts.append(f"by {incident.actor}")
    casualties = casualties_text(incident)
    if casualties:
        parts.append(casualties)
    return ", ".join(parts)


def what_text(incident: Incident) -> str:
    """Write what happened and how many: "drone", "drone" times 2, or nothing."""
    count = f"×{incident.quantity}" if incident.quantity is not None else ""
    return " ".join(part for part in (incident.kind, count) if part)


def casualties_text(incident: Incident) -> str:
    """Write "2 killed, 5 wounded", or nothing when neither is known."""
    parts = []
    if incident.killed is not None:
        parts.append(f"{incident.killed} killed")
    if incident.wounded is not None:
        parts.append(f"{incident.wounded} wounded")
    return ", ".join(parts)


def _since_text(standing: Standing) -> str:
    if standing.since_tracking_start:
        return f"tracking began on {day_text(standing.since)}"
    longer = standing.longer
    assert longer is not None
    return (
        f"{day_text(standing.since)}, when {a_n(longer.length)} pause ({span_text(longer)}) ended"
    )


def standing_clause(standing: Standing) -> str:
    """Say where a pause stands, to follow a comma: "the longest since ... (record ...)"."""
    since = _since_text(standing)
    if standing.tied is not None:
        tied = standing.tied
        return (
            f"equal to the {tied.length}-day record of {span_text(tied)}, the longest since {since}"
        )
    if standing.beaten is not None:
        beaten = standing.beaten
        record = f"; the previous record was {days_text(beaten.length)}, {span_text(beaten)}"
    else:
        record = "; it is the first pause" if standing.since_tracking_start else ""
    return f"the longest since {since}{record}"


def standing_text(standing: Standing, *, verb: str) -> str:
    """Say where a pause stands as a sentence: "It is the longest since ..."."""
    if standing.tied is not None:
        tied = standing.tied
        record = f"the {tied.length}-day record of {span_text(tied)}"
        return f"It equals {record}, the longest since {_since_text(standing)}."
    return f"It {verb} {standing_clause(standing)}."


def ended_text(standing: Standing) -> str:
    """Say which pause an incident ended and where it stands: "It ends an 86-day pause (...)"."""
    pause = standing.pause
    return f"It ends {a_n(pause.length)} pause ({span_text(pause)}), {standing_clause(standing)}."


def article(noun: str) -> str:
    """Return "a" or "an" for a noun."""
    return "an" if noun[:1].lower() in "aeiou" else "a"


def effect_text(
    noun: str, last: date | None, same_day: bool, day: date, ended: Pause | None
) -> str:
    """Say what a new incident does to the pauses: ends one, splits one, or changes none."""
    if last is None:
        return f"It is the first {noun} of the series."
    if same_day:
        return f"There was already {article(noun)} {noun} that day: no pause changes."
    if ended is not None:
        return f"It ends the {ended.length}-day pause since {day_text(ended.start)}."
    return (
        f"It is a backfill before the last {noun} ({day_text(last)}): "
        "the pauses around it were recomputed."
    )


def changes_text(changed: dict[str, tuple[object, object]]) -> str:
    """Write an edit's changes as "kind: drone → rocket, date: ...", in the user's field names."""
    return ", ".join(
        f"{FIELD_OF.get(column, column)}: {display_value(column, before) or '(none)'} → "
        f"{display_value(column, after) or '(none)'}"
        for column, (before, after) in changed.items()
    )
