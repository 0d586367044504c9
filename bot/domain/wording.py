"""How pausewatch puts days, pauses, incidents, scopes and standings into words (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.domain.fields import FIELD_OF, display_value
from bot.domain.filters import Filters
from bot.domain.incidents import Incident
from bot.domain.pauses import Counting, Pause
from bot.domain.standing import Kind, Place


def sentence_case(text: str) -> str:
    """Capitalise the first letter only ("iraq" in the middle stays as written)."""
    return text[:1].upper() + text[1:]


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
    return f"{n:,} day" if n == 1 else f"{n:,} days"


def counted(n: int, noun: str, nouns: str) -> str:
    """Write "1 attack" or "N attacks"."""
    return f"{n:,} {noun if n == 1 else nouns}"


def quoted(value: str) -> str:
    """Write a filter value as the grammar reads it back: quoted when it has a space."""
    return f'"{value}"' if " " in value else value


def a_n(length: int) -> str:
    """Write "a 78-day" or "an 86-day"."""
    # Said aloud, 8, 80-89, 800-899, ... and 11, 18, 11,000, 18,000 begin with a vowel.
    digits = str(length)
    vowel = digits.startswith("8") or (len(digits) % 3 == 2 and digits[:2] in ("11", "18"))
    return f"an {length:,}-day" if vowel else f"a {length:,}-day"


def article(noun: str) -> str:
    """Return "a" or "an" for a noun."""
    return "an" if noun[:1].lower() in "aeiou" else "a"


@dataclass(frozen=True)
class Scope:
    """What a sentence counts: a series' incidents, perhaps only some of them.

    Filters read as English: kind qualifies the noun ("drone attack"), the others follow it
    ("at Ain al-Assad in Iraq by Kataib Hezbollah").
    """

    noun: str
    nouns: str
    filters: Filters = field(default_factory=Filters)

    @property
    def one(self) -> str:
        """Return "attack", or "drone attack" with kind:drone."""
        return f"{self.filters.kind} {self.noun}" if self.filters.kind else self.noun

    @property
    def many(self) -> str:
        """Return "attacks", or "drone attacks" with kind:drone."""
        return f"{self.filters.kind} {self.nouns}" if self.filters.kind else self.nouns

    @property
    def where(self) -> str:
        """Return " at Ain al-Assad in Iraq by X" for the filters other than kind, or ""."""
        parts = []
        if self.filters.event_type:
            parts.append(f" ({self.filters.event_type})")
        if self.filters.location:
            parts.append(f" at {self.filters.location}")
        if self.filters.admin1:
            parts.append(f" in {self.filters.admin1}")
        if self.filters.country:
            parts.append(f" in {self.filters.country}")
        if self.filters.actor:
            parts.append(f" by {self.filters.actor}")
        return "".join(parts)

    @property
    def last_one(self) -> str:
        """Return "the last attack", "the last drone attack in Iraq"."""
        return f"the last {self.one}{self.where}"

    @property
    def all(self) -> str:
        """Return "attacks", "drone attacks in Iraq"."""
        return f"{self.many}{self.where}"

    @property
    def pause_scope(self) -> str:
        """Return what follows "pause": "", " in Syria", " in drone attacks in Syria"."""
        if not self.filters:
            return ""
        if self.filters.kind or self.filters.actor or self.filters.event_type:
            return f" in {self.all}"
        return self.where

    def counted(self, n: int) -> str:
        """Write "1 attack", "12 drone attacks in Iraq"."""
        return f"{n:,} {self.one if n == 1 else self.many}{self.where}"


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
    """Write what happened and how many: "drone", "drone ×2", or nothing."""
    count = f"×{incident.quantity:,}" if incident.quantity is not None else ""
    return " ".join(part for part in (incident.kind, count) if part)


def casualties_text(incident: Incident) -> str:
    """Write "2 killed, 5 wounded", or nothing when neither is known."""
    parts = []
    if incident.killed is not None:
        parts.append(f"{incident.killed:,} killed")
    if incident.wounded is not None:
        parts.append(f"{incident.wounded:,} wounded")
    return ", ".join(parts)


def record_text(record: Pause) -> str:
    """Write "the 86-day record (22 Apr → 16 Jul 2024)"."""
    return f"the {record.length:,}-day record ({span_text(record)})"


def _pause_named(pause: Pause, record: Pause | None) -> str:
    # The record is called the record; any other pause is "an N-day pause".
    if pause == record:
        return record_text(pause)
    return f"{a_n(pause.length)} pause ({span_text(pause)})"


def place_clause(place: Place, *, name_record: bool = True) -> str:
    """Say where a pause stands, to follow a comma: "a new record: the longest since ...".

    "The longest since X" is said only of a pause that beat an earlier one; only a pause
    that beats or equals the record is called a record. With `name_record`, a pause
    shorter than the record also says what the record is.
    """
    kind, rival, record = place.kind, place.rival, place.record
    if kind is Kind.FIRST:
        return f"the first pause since tracking began on {day_text(place.tracking_began)}"
    if kind is Kind.NEW_RECORD:
        assert record is not None
        return (
            f"a new record: the longest since tracking began on {day_text(place.tracking_began)}; "
            f"the previous record was {days_text(record.length)} ({span_text(record)})"
        )
    assert rival is not None and record is not None
    if kind is Kind.EQUALS_RECORD:
        return f"equal to {record_text(record)}"
    if kind is Kind.LONGEST_SINCE:
        clause = (
            f"the longest since {day_text(rival.end)}, when {_pause_named(rival, record)} ended"
        )
    elif kind is Kind.AS_LONG_AS:
        clause = f"as long as the {rival.length:,}-day pause that ended on {day_text(rival.end)}"
    elif rival == record:
        return f"shorter than {record_text(record)}"
    else:
        clause = f"shorter than the {rival.length:,}-day pause that ended on {day_text(rival.end)}"
    if name_record and rival != record:
        clause += f"; the record is {days_text(record.length)} ({span_text(record)})"
    return clause


def running_text(place: Place, *, name_record: bool = True) -> str:
    """Say where the running pause stands: "It is the longest since ..."."""
    if place.kind is Kind.FIRST:
        return "It is the first pause: there is no earlier one to compare it with."
    if place.kind is Kind.EQUALS_RECORD and place.record is not None:
        return f"It equals {record_text(place.record)}."
    return f"It is {place_clause(place, name_record=name_record)}."


def ended_phrase(place: Place, scope: Scope, *, verb: str = "ends") -> str:
    """Say which pause an incident ended: "ends an 86-day pause (...), a new record: ..."."""
    pause = place.pause
    return (
        f"{verb} {a_n(pause.length)} pause{scope.pause_scope} ({span_text(pause)}), "
        f"{place_clause(place)}"
    )


def ended_text(place: Place, scope: Scope, *, verb: str = "ends") -> str:
    """Say it as a sentence: "It ends an 86-day pause (...), ..."."""
    return f"It {ended_phrase(place, scope, verb=verb)}."


def counting_text(counting: Counting, example: Pause | None) -> str:
    """Say how pauses are counted, with the data's own longest pause as the example."""
    rule = (
        "Pauses count both end days"
        if counting is Counting.INCLUSIVE
        else "Pauses count the days elapsed"
    )
    if example is None:
        return f"{rule}."
    return f"{rule} ({span_text(example)} is {days_text(example.length)})."


def since_and_pause_text(counting: Counting) -> str:
    """Say, once, why a pause is a day longer than the days since the last incident."""
    if counting is Counting.INCLUSIVE:
        return "(A pause counts both its end days: one day more than the days since.)"
    return ""


def effect_text(
    scope: Scope,
    *,
    last: date | None,
    day: date,
    same_day: bool,
    ended: Place | None,
    split: Pause | None,
) -> str:
    """Say what a new incident does to the series' pauses: ends one, splits one, or none.

    `ended` is the pause it ended (a day after the last one); `split` the pause it fell in.
    """
    if last is None:
        return f"It is the first {scope.noun} of the series."
    if same_day:
        return f"There was already {article(scope.noun)} {scope.noun} that day: no pause changes."
    if ended is not None:
        since = day_text(ended.pause.start)
        return f"It is the first {scope.noun} since {since}: it {ended_phrase(ended, scope)}."
    if split is not None:
        before = split.length - (split.end - day).days
        after = split.length - (day - split.start).days
        return (
            f"It is a backfill before the last {scope.noun} ({day_text(last)}): it splits "
            f"{a_n(split.length)} pause ({span_text(split)}) into {days_text(before)} and "
            f"{days_text(after)}."
        )
    return f"It is a backfill, now the first {scope.noun} of the series."


def changes_text(changed: dict[str, tuple[object, object]]) -> str:
    """Write an edit's changes as "kind: drone → rocket, date: ...", in the user's field names."""
    return ", ".join(
        f"{FIELD_OF.get(column, column)}: {display_value(column, before) or '(none)'} → "
        f"{display_value(column, after) or '(none)'}"
        for column, (before, after) in changed.items()
    )
