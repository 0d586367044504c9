"""Typed commands from a platform's typed input (Discord's options, Slack's form): never re-parsed.

Each builder checks its values with the grammar's own rules and messages, and raises
GrammarError saying what was wrong, as `parse` does for text.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from bot.commands.command import Command, GrammarError
from bot.commands.completion import period_of
from bot.commands.plain_words import Vocabulary
from bot.commands.source_words import operation_command
from bot.commands.verbs import (
    MAX_LIMIT,
    OPTIONS,
    SUBSCRIPTION_KINDS,
    TEAM_TOPICS,
    VERBS,
    usage,
)
from bot.commands.words import DAY_WORDS_HINT, QuoteError, read_day, tokens
from bot.domain.fields import (
    COUNT_FIELDS,
    FIELD_NAMES,
    MAX_INTEGER,
    FieldError,
    clean_text,
    parse_field,
    parse_fields,
)
from bot.domain.filters import FILTER_KEYS, Filters
from bot.domain.periods import Period
from bot.domain.schedules import ScheduleError, read_quiet_hours, read_schedule
from bot.domain.wording import day_text

Value = str | int | None


def _fail(verb: str, message: str) -> GrammarError:
    return GrammarError(f"{message} {usage(verb)}", verb, reason=message)


def _day(verb: str, raw: str, today: date, what: str) -> date:
    try:
        day = read_day(raw, today=today, what=what)
    except FieldError as error:
        raise _fail(verb, f"{error}.") from None
    if day is None:
        raise _fail(verb, f"{what} {raw!r} is not a day; {DAY_WORDS_HINT}.")
    return day


def _filters(verb: str, given: Mapping[str, str | None], vocabulary: Vocabulary) -> Filters:
    values: dict[str, str] = {}
    for key, raw in given.items():
        if key not in FILTER_KEYS:
            raise _fail(verb, f"`{key}:` is not a filter key.")
        if raw is None or not raw.strip():
            continue
        values[key] = vocabulary.label(key, clean_text(raw))
    return Filters(**values)


def _series(verb: str, name: str | None, vocabulary: Vocabulary) -> str | None:
    if name is None or not name.strip():
        return None
    known = vocabulary.series.get(name.strip().casefold())
    if vocabulary.series and known is None:
        listed = ", ".join(sorted(set(vocabulary.series.values())))
        raise _fail(verb, f"`{name}` is not a series; the series are {listed}.")
    return known or name.strip()


def question(
    verb: str,
    *,
    today: date,
    vocabulary: Vocabulary | None = None,
    series: str | None = None,
    filters: Mapping[str, str | None] | None = None,
    as_of: str | None = None,
    limit: int | None = None,
    start: str | None = None,
    end: str | None = None,
    by: str | None = None,
    period: str | None = None,
) -> Command:
    """Build a question (since, pause, pauses, last, list, stats, chart).

    `period` is a period in words (in March 2024, last week), for list and stats; stats
    counts from `start` to `end` as over a period.
    """
    vocabulary = vocabulary or Vocabulary()
    row = VERBS[verb]
    if row.kind != "question":
        raise ValueError(f"{verb} is not a question")
    if limit is not None and ("limit" not in row.options or not 1 <= limit <= MAX_LIMIT):
        raise _fail(verb, f"limit:{limit} is not a number from 1 to {MAX_LIMIT}.")
    if by is not None:
        try:
            by = OPTIONS["by"].read(by, today)
        except FieldError as error:
            raise _fail(verb, f"{error}.") from None
    first = _day(verb, start, today, "from:") if start else None
    last = _day(verb, end, today, "to:") if end else None
    asked = _day(verb, as_of, today, "as-of day") if as_of else None
    named = _period(verb, period, asked or today, first, last)
    if named is not None:
        first, last = named.first, named.last
    if "from" in row.required and first is None:
        raise _fail(verb, f"`{verb}` needs from:DATE.")
    if first is not None and last is not None and last < first:
        raise _fail(verb, f"to:{last} is before from:{first}; write the earlier day first.")
    if verb == "stats" and named is None:
        named = _days(first, last or asked or today, given_end=last is not None)
    return Command(
        verb=verb,
        series=_series(verb, series, vocabulary),
        filters=_filters(verb, filters or {}, vocabulary),
        as_of=asked,
        limit=limit,
        start=first,
        end=last,
        by=by,
        period=named,
    )


def _days(first: date | None, last: date, *, given_end: bool) -> Period | None:
    # stats from= to= counts as over a period; to= alone has no first day.
    if first is None:
        if given_end:
            raise _fail("stats", "`to:` needs from:DATE.")
        return None
    return Period(first, last, f"from {day_text(first)} to {day_text(last)}", dated=False)


def _period(
    verb: str, raw: str | None, today: date, first: date | None, last: date | None
) -> Period | None:
    if raw is None or not raw.strip():
        return None
    row = VERBS[verb]
    if not row.period:
        raise _fail(verb, f"`{verb}` takes no period.")
    if first is not None or last is not None:
        raise _fail(verb, "Give the days once: a period (in March 2024) or from:/to:.")
    try:
        words = tokens(clean_text(raw))
    except QuoteError:
        words = raw.split()
    return period_of(row, words, today)


def _raw_fields(verb: str, fields: Mapping[str, Value]) -> dict[str, str]:
    raw: dict[str, str] = {}
    for name, value in fields.items():
        if name not in FIELD_NAMES:
            raise _fail(verb, f"`{name}:` is not a field.")
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if isinstance(value, int):
            if name not in COUNT_FIELDS:
                raise _fail(verb, f"{name} is text, not a number.")
            if not 0 <= value <= MAX_INTEGER:
                raise _fail(
                    verb, f"{name} {value} is not a whole number from 0 to {MAX_INTEGER:,}."
                )
            raw[name] = str(value)
        else:
            raw[name] = value
    return raw


def add(
    *,
    today: date,
    day: str,
    fields: Mapping[str, Value],
    series: str | None = None,
    vocabulary: Vocabulary | None = None,
) -> Command:
    """Build an `add` from the day as typed and the fields (counts may be numbers)."""
    vocabulary = vocabulary or Vocabulary()
    raw = _raw_fields("add", fields)
    raw["date"] = _day("add", day, today, "date").isoformat()
    try:
        incident = parse_fields(raw, today=today)
    except FieldError as error:
        raise _fail("add", f"{error}.") from None
    return Command(verb="add", series=_series("add", series, vocabulary), incident=incident)


def edit(*, today: date, incident_id: int, fields: Mapping[str, Value]) -> Command:
    """Build an `edit` of one incident; only the fields given change."""
    if not 1 <= incident_id <= MAX_INTEGER:
        raise _fail("edit", f"{incident_id} is not an incident id; `last` shows them.")
    raw = _raw_fields("edit", fields)
    if not raw:
        raise _fail("edit", "`edit` needs at least one FIELD:VALUE.")
    changes: list[tuple[str, Any]] = []
    try:
        for name, value in raw.items():
            if name == "date":
                changes.append(("occurred_on", _day("edit", value, today, "date")))
            else:
                changes.append(parse_field(name, value, today=today))
    except FieldError as error:
        raise _fail("edit", f"{error}.") from None
    return Command(verb="edit", incident_id=incident_id, changes=tuple(changes))


def delete(*, incident_id: int, reason: str | None = None) -> Command:
    """Build a `delete` of one incident."""
    if not 1 <= incident_id <= MAX_INTEGER:
        raise _fail("delete", f"{incident_id} is not an incident id; `last` shows them.")
    return Command(
        verb="delete",
        incident_id=incident_id,
        reason=clean_text(reason)[:500] if reason else None,
    )


def subscription(
    verb: str,
    *,
    topic: str,
    series: str | None = None,
    filters: Mapping[str, str | None] | None = None,
    vocabulary: Vocabulary | None = None,
    every: str | None = None,
) -> Command:
    """Build a `subscribe` or `unsubscribe` of this channel (a digest's `every` its schedule)."""
    vocabulary = vocabulary or Vocabulary()
    if verb not in ("subscribe", "unsubscribe") or topic not in SUBSCRIPTION_KINDS:
        raise _fail(verb, "Say what to subscribe to: alerts or digest.")
    schedule = None
    if every is not None and every.strip():
        if verb != "subscribe" or topic != "digest":
            raise _fail(
                verb, "Only a digest takes a schedule: `subscribe digest every monday 08:00`."
            )
        try:
            schedule = read_schedule(clean_text(every))
        except ScheduleError as error:
            raise _fail(verb, str(error)) from None
    return Command(
        verb=verb,
        topic=topic,
        series=_series(verb, series, vocabulary),
        filters=_filters(verb, filters or {}, vocabulary),
        schedule=schedule,
    )


def quiet(hours: str | None = None) -> Command:
    """Build `quiet [HH:MM-HH:MM|off]`."""
    written = clean_text(hours).strip() if hours else ""
    if not written or written.lower() in ("off", "none", "default"):
        return Command(verb="quiet", topic=written.lower() or None)
    try:
        return Command(verb="quiet", topic="set", quiet=read_quiet_hours(written))
    except ScheduleError as error:
        raise _fail("quiet", str(error)) from None


def team(action: str | None = None, details: str | None = None) -> Command:
    """Build `team [timezone|admin|series] [DETAILS]`; the details are read when carried out."""
    if action is None:
        return Command(verb="team")
    if action not in TEAM_TOPICS:
        raise _fail("team", f"Say which: team {', team '.join(TEAM_TOPICS)}.")
    words = tuple(clean_text(details).split()) if details else ()
    return Command(verb="team", topic=action, words=words)


def other(verb: str, topic: str | None = None) -> Command:
    """Build `subscriptions` or `help [COMMAND]`."""
    if verb == "help" and topic is not None and topic.lower() not in VERBS:
        raise _fail("help", f"`help` takes one command name: {', '.join(VERBS)}.")
    return Command(verb=verb, topic=topic.lower() if topic else None)


def timezone(zone: str | None = None) -> Command:
    """Build `timezone [ZONE|default]`; the zone's name is checked when it is set."""
    written = clean_text(zone).strip() if zone else ""
    return Command(verb="timezone", topic=written or None)


def operation(
    verb: str, action: str, name: str | None = None, details: str | None = None
) -> Command:
    """Build `source ACTION [NAME] [DETAILS]` or `review ACTION [ID]`.

    The details of `source add` (kind:csv url:... every:1h) are the text grammar's own
    key:value words, read into the command's SourceRequest as the text grammar reads them
    (bot/commands/source_words.py).
    """
    if verb not in ("source", "review") or action not in VERBS[verb].topics:
        raise _fail(verb, f"Say what to do: {', '.join(VERBS[verb].topics)}.")
    words = [clean_text(name)] if name else []
    if details:
        try:
            words += tokens(clean_text(details))
        except QuoteError:
            raise _fail(
                verb, 'A quote is not closed: write values with spaces as notes:"two words".'
            ) from None
    try:
        return operation_command(verb, action, tuple(words))
    except GrammarError as error:
        # A source add's message carries the text usage, as it always has: the platform's
        # own usage is not added to it.
        raise GrammarError(str(error)) from None
