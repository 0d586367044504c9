"""A command's words, once read, checked against its verb as a whole and made a typed Command.

The reader (bot/commands/grammar.py) puts each word where it belongs; what only the whole
command can say is checked here: an option the verb requires, an incident's id, a number given
once, from: before to:, and an incident's fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from bot.commands.command import Command
from bot.commands.plain_words import day_at
from bot.commands.verbs import MAX_LIMIT, OPTIONS, Verb, bad_number, refusal
from bot.commands.words import DAY_WORDS_HINT, read_day
from bot.domain.fields import FieldError, parse_field, parse_fields
from bot.domain.filters import Filters
from bot.domain.periods import PERIOD_HINT, Period, PeriodError, period_at


@dataclass
class Read:
    """What the reader found in one command's words, before the verb's checks of the whole."""

    verb: Verb
    today: date
    series: str | None = None
    filters: dict[str, str] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)  # FIELD:VALUE, as written
    number: int | None = None  # a bare number: a limit or an incident's id
    day: date | None = None  # a bare day: add DATE
    as_of: date | None = None
    topic: str | None = None
    read_as: list[str] = field(default_factory=list)
    period: tuple[str, ...] | None = None  # a period's words: in March 2024, last week


def complete(read: Read) -> Command:
    """Return the Command `read` makes; raise GrammarError, with the usage, when it makes none."""
    verb = read.verb
    period = _period(read)
    for key in verb.required:
        if key not in read.options and period is None:
            raise refusal(verb, f"`{verb.name}` needs {OPTIONS[key].example.split(':')[0]}:DATE.")
    if verb.number == "incident_id" and read.number is None:
        raise refusal(verb, f"`{verb.name}` needs the incident's id (see `last`).")
    limit = _limit(read)
    start, end = read.options.get("from"), read.options.get("to")
    if period is not None:
        if start is not None or end is not None:
            raise refusal(verb, "Give the days once: a period (in March 2024) or from:/to:.")
        start, end = period.first, period.last
    if start is not None and end is not None and end < start:
        raise refusal(
            verb,
            f"to:{end.isoformat()} is before from:{start.isoformat()}; "
            "write the earlier day first.",
        )
    command = Command(
        verb=verb.name,
        series=read.series,
        filters=Filters(**read.filters),
        as_of=read.as_of,
        limit=limit,
        start=start,
        end=end,
        by=read.options.get("by"),
        period=period,
        incident_id=read.number if verb.number == "incident_id" else None,
        reason=read.options.get("reason"),
        topic=read.topic,
        read_as=tuple(read.read_as),
    )
    try:
        if verb.name == "add":
            return _add(read, command)
        if verb.name == "edit":
            return _edit(read, command)
    except FieldError as error:
        raise refusal(verb, f"{error}.") from None
    return command


def period_words(verb: Verb | None, words: list[str], start: int, today: date) -> int | None:
    """Return how many words from `start` name a period, or None; refuse one named wrongly."""
    try:
        found = period_at(words, start, today, _read_day)
    except PeriodError as error:
        raise refusal(verb, f"{error}.") from None
    return None if found is None else found[0]


def _period(read: Read) -> Period | None:
    # Made as of the day asked about: "in March" as-of a past day is the March before it.
    if read.period is None:
        return None
    return period_of(read.verb, read.period, read.as_of or read.today)


def period_of(verb: Verb | None, words: Sequence[str], today: date) -> Period:
    """Return the period `words` name as of `today`; refuse words that name none, or wrongly."""
    try:
        found = period_at(words, 0, today, _read_day)
    except PeriodError as error:
        raise refusal(verb, f"{error}.") from None
    if found is None or found[0] != len(words):
        raise refusal(verb, f"`{' '.join(words)}` is not a period; {PERIOD_HINT}.")
    return found[1]


def _read_day(words: Sequence[str], start: int, today: date) -> tuple[int, date] | None:
    return day_at(words, start, today=today, what="day")


def day_of(verb: Verb | None, words: str, *, today: date, what: str) -> date | None:
    """Read a day as read_day does; a wrong day is refused with the verb's usage."""
    try:
        return read_day(words, today=today, what=what)
    except FieldError as error:
        raise refusal(verb, f"{error}.") from None


def _limit(read: Read) -> int | None:
    # `last 10` and `last limit:10` say the same; one of them, at most MAX_LIMIT.
    limit = read.options.get("limit")
    if read.verb.number == "limit" and read.number is not None:
        if limit is not None:
            raise refusal(read.verb, "Give the number once, as N or limit:.")
        if read.number > MAX_LIMIT:
            raise refusal(read.verb, bad_number(read.verb, str(read.number)))
        limit = read.number
    return limit


def _add(read: Read, command: Command) -> Command:
    raw = dict(read.fields)
    if read.day is not None and "date" in raw:
        raise refusal(read.verb, "Give the day once, as DATE or date:.")
    if read.day is None and "date" not in raw:
        raise refusal(read.verb, "`add` needs the day it happened.")
    day = read.day
    if "date" in raw:
        day = day_of(read.verb, raw["date"], today=read.today, what="date")
        if day is None:
            raise refusal(read.verb, f"date:{raw['date']} is not a day; {DAY_WORDS_HINT}.")
    assert day is not None
    raw["date"] = day.isoformat()
    return replace(command, incident=parse_fields(raw, today=read.today))


def _edit(read: Read, command: Command) -> Command:
    if not read.fields:
        raise refusal(read.verb, "`edit` needs at least one FIELD:VALUE.")
    changes = []
    for name, value in read.fields.items():
        if name == "date":
            day = day_of(read.verb, value, today=read.today, what="date")
            if day is None:
                raise refusal(read.verb, f"date:{value} is not a day; {DAY_WORDS_HINT}.")
            changes.append(("occurred_on", day))
        else:
            changes.append(parse_field(name, value, today=read.today))
    return replace(command, changes=tuple(changes))
