"""The verbs of the grammar, one row each: what a verb takes, how it is written, who may use it.

Every reading of a command (the text grammar, typed input, the prompt's completion, Discord's
options, the HTTP API) asks this table what a verb takes and says its usage when it is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from difflib import get_close_matches
from typing import Any

from bot.commands.command import GrammarError
from bot.commands.words import DAY_WORDS_HINT, read_day
from bot.domain.fields import FIELD_NAMES, MAX_INTEGER, FieldError, clean_text, parse_id, shown
from bot.domain.filters import FILTER_KEYS

MAX_LIMIT = 500
STATS_BY = (
    "week",
    "month",
    "year",
    "country",
    "kind",
    "location",
    "actor",
    "event_type",
    "admin1",
)
SUBSCRIPTION_KINDS = ("alerts", "digest", "reviews")
TEAM_TOPICS = ("timezone", "admin", "series")
FILTER_HELP = (
    "FILTERS are key:value, any of country:, location:, actor:, kind:, event_type:, admin1: "
    '(quote spaces: location:"Ain al-Assad")'
)
# OPERATE: admins' commands about the bot itself (sources, the review queue), whose words
# after the subcommand are read by their own module (`source add`'s: source_words.py).
QUESTION, WRITE, SUBSCRIBE, OTHER, OPERATE = "question", "write", "subscribe", "other", "operate"


@dataclass(frozen=True)
class Option:
    """A key:value a verb takes besides filters, and how its value is read."""

    example: str
    read: Callable[[str, date], Any]


@dataclass(frozen=True)
class Verb:
    """One verb of the grammar: what it takes, how it is written, what it does."""

    name: str
    usage: str
    summary: str
    examples: tuple[str, ...]
    kind: str = QUESTION
    options: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    number: str | None = None  # what a bare number is: "limit" or "incident_id"
    day: bool = False  # a bare day: add DATE
    fields: bool = False  # FIELD:VALUE of an incident
    series: bool = True
    filters: bool = False
    topics: tuple[str, ...] = ()  # the word that must follow the verb (subscribe alerts)
    period: bool = False  # a period in words: in March 2024, last week (bot/domain/periods.py)

    @property
    def admin(self) -> bool:
        """Say whether only admins may use it."""
        return self.kind in (WRITE, SUBSCRIBE, OPERATE)


def _limit(raw: str, _today: date) -> int:
    number = parse_id(raw)
    if number is None or number > MAX_LIMIT:
        raise FieldError(f"limit:{raw} is not a number from 1 to {MAX_LIMIT}")
    return number


def _day_option(key: str) -> Callable[[str, date], date]:
    def read(raw: str, today: date) -> date:
        day = read_day(raw, today=today, what=f"{key}:")
        if day is None:
            raise FieldError(f"{key}:{raw} is not a day; {DAY_WORDS_HINT}")
        return day

    return read


def _by(raw: str, _today: date) -> str:
    if raw.lower() not in STATS_BY:
        raise FieldError(f"by:{raw} is not a breakdown; write by: one of {', '.join(STATS_BY)}")
    return raw.lower()


def _reason(raw: str, _today: date) -> str:
    return clean_text(raw)[:500]


def _series_name(raw: str, _today: date) -> str:
    # Checked against the series by bot/commands/note_words.py context_series.
    return clean_text(raw).strip()


OPTIONS = {
    "limit": Option("limit:10", _limit),
    "from": Option("from:2024-04-01", _day_option("from")),
    "to": Option("to:2024-07-31", _day_option("to")),
    "by": Option("by:country", _by),
    "reason": Option('reason:"duplicate"', _reason),
    "with": Option("with:us-strikes", _series_name),
}
VERB_LIST = (
    Verb(
        "since",
        "since [SERIES] [FILTERS] [as-of DATE]",
        "days since the last incident",
        ("since", "since country:Iraq", "since us-strikes as-of 2024-07-15"),
        filters=True,
    ),
    Verb(
        "pause",
        "pause [SERIES] [FILTERS] [as-of DATE]",
        "the current pause against the record",
        ("pause", 'pause location:"Ain al-Assad"'),
        filters=True,
    ),
    Verb(
        "pauses",
        "pauses [SERIES] [FILTERS] [limit:N] [as-of DATE]",
        "the longest pauses, ranked",
        ("pauses", "pauses country:Syria limit:5"),
        options=("limit",),
        filters=True,
    ),
    Verb(
        "last",
        "last [N] [SERIES] [FILTERS] [as-of DATE]",
        "the most recent incidents (5 unless N is given)",
        ("last", "last 10 kind:drone"),
        options=("limit",),
        number="limit",
        filters=True,
    ),
    Verb(
        "list",
        "list [SERIES] from:DATE [to:DATE] | PERIOD [FILTERS] [limit:N]",
        "the incidents in a range of days",
        ("list from:2024-04-01 to:2024-07-31", "list in March 2024", "list last week"),
        options=("from", "to", "limit"),
        required=("from",),
        filters=True,
        period=True,
    ),
    Verb(
        "stats",
        "stats [SERIES] [PERIOD] [by:week|month|year|country|kind|location|actor|event_type|"
        "admin1] [FILTERS] "
        "[as-of DATE]",
        "counts since tracking began or over a period, by period, country and kind",
        (
            "stats",
            "stats by:country",
            "stats us-strikes by:month",
            "stats in March 2024",
            "stats between 2024-03-01 and 2024-03-15",
        ),
        options=("by",),
        filters=True,
        period=True,
    ),
    Verb(
        "chart",
        "chart [SERIES] [FILTERS] [with:OTHER] [as-of DATE]",
        "a chart of incidents per week, the long pauses shaded, notes and another series marked",
        ("chart", "chart attacks with:us-strikes", "chart country:Iraq as-of 2024-07-22"),
        options=("with",),
        filters=True,
    ),
    Verb(
        "map",
        "map [SERIES] [PERIOD] [FILTERS] [as-of DATE]",
        "a map of where the incidents of a period happened, points sized by count",
        ("map", "map country:Iraq in 2024", "map us-strikes last month"),
        filters=True,
        period=True,
    ),
    Verb(
        "add",
        "add DATE [SERIES] [time:HH:MM] [country:..] [location:..] [actor:..] [kind:..] "
        "[quantity:N] [killed:N] [wounded:N] [source:..] [notes:..] [event_type:..] [admin1:..] "
        "[admin2:..] [lat:N lon:N] [geo_precision:1-3] [time_precision:1-3]",
        "record an incident (admins)",
        ('add 2024-07-16 location:"Ain al-Assad" country:Iraq kind:drone quantity:2',),
        kind=WRITE,
        day=True,
        fields=True,
    ),
    Verb(
        "edit",
        "edit ID FIELD:VALUE ...",
        "change fields of an incident by its id (admins)",
        ("edit 12 kind:rocket killed:0",),
        kind=WRITE,
        number="incident_id",
        fields=True,
        series=False,
    ),
    Verb(
        "delete",
        "delete ID [reason:TEXT]",
        "delete an incident by its id; it stays in the audit log (admins)",
        ('delete 12 reason:"duplicate of #11"',),
        kind=WRITE,
        number="incident_id",
        options=("reason",),
        series=False,
    ),
    Verb(
        "note",
        'note add DATE "TEXT" [SERIES] | note list [SERIES] [PERIOD] | note delete ID',
        "notes on the timeline: what happened around the pauses (add and delete: admins)",
        (
            "note list",
            "note list us-strikes in February 2024",
            "note delete 3",
            'note add 2024-02-02 "U.S. strikes on 85 targets in Iraq and Syria"',
        ),
        kind=WRITE,
        topics=("add", "list", "delete"),
        period=True,
    ),
    Verb(
        "subscribe",
        "subscribe alerts|digest|reviews [SERIES] [FILTERS] [with:OTHER|with:none] "
        "[every DAYS HH:MM]",
        "post alerts, the weekly digest or a reviewed source's candidates to this channel (admins)",
        (
            "subscribe alerts",
            "subscribe digest attacks",
            "subscribe reviews",
            "subscribe digest every day 07:30",
            "subscribe digest attacks with:us-strikes",
            "subscribe alerts country:Iraq",
        ),
        kind=SUBSCRIBE,
        topics=SUBSCRIPTION_KINDS,
        options=("with",),
        filters=True,
    ),
    Verb(
        "unsubscribe",
        "unsubscribe alerts|digest|reviews [SERIES] [FILTERS]",
        "stop alerts, the digest or reviews in this channel (admins)",
        ("unsubscribe alerts", "unsubscribe alerts country:Iraq"),
        kind=SUBSCRIBE,
        topics=SUBSCRIPTION_KINDS,
        filters=True,
    ),
    Verb(
        "timezone",
        "timezone [ZONE|default]",
        "the time zone this channel counts its days in; set it, or go back to the bot's (admins)",
        ("timezone", "timezone default", "timezone Asia/Baghdad"),
        kind=SUBSCRIBE,
        series=False,
    ),
    Verb(
        "quiet",
        "quiet [HH:MM-HH:MM|off]",
        "hours when this channel's alerts are held, then posted as one message (admins)",
        ("quiet", "quiet off", "quiet 22:00-07:00"),
        kind=SUBSCRIBE,
        series=False,
    ),
    Verb(
        "team",
        "team | team timezone ZONE|default | team admin add|remove USER|ROLE | "
        "team series add NAME",
        "your team (this workspace or server): its zone, its admins, its own series; "
        "changes are for its admins",
        (
            "team",
            "team timezone Europe/London",
            "team admin add <@U0123ABCD>",
            "team series add outages",
        ),
        kind=OTHER,
        series=False,
    ),
    Verb(
        "source",
        "source add NAME kind:csv|json|acled [url:URL] [series:SERIES] [reviewed] [every:1h] "
        "[QUERY] | source list | source run NAME | source remove NAME",
        "feeds read on a schedule: a sheet's CSV/JSON URL or ACLED's API (admins)",
        (
            "source list",
            "source run acled-iraq",
            "source add acled-iraq kind:acled country:Iraq reviewed every:6h",
            "source add sheet kind:csv url:https://example.org/attacks.csv every:1h",
        ),
        kind=OPERATE,
        topics=("add", "list", "run", "remove"),
        series=False,
    ),
    Verb(
        "review",
        "review list | review approve ID | review reject ID",
        "incidents from reviewed sources waiting for an admin: store or drop each (admins)",
        ("review list", "review approve 12", "review reject 12"),
        kind=OPERATE,
        topics=("list", "approve", "reject"),
        series=False,
    ),
    Verb(
        "subscriptions",
        "subscriptions",
        "what this channel is subscribed to",
        ("subscriptions",),
        kind=OTHER,
        series=False,
    ),
    Verb(
        "help",
        "help [COMMAND]",
        "this list, or one command in detail",
        ("help", "help add"),
        kind=OTHER,
        series=False,
    ),
)
VERBS: dict[str, Verb] = {verb.name: verb for verb in VERB_LIST}
QUERY_VERBS = tuple(name for name, verb in VERBS.items() if verb.kind == QUESTION)
WRITE_VERBS = tuple(name for name, verb in VERBS.items() if verb.kind == WRITE)
SUBSCRIBE_VERBS = tuple(name for name, verb in VERBS.items() if verb.kind == SUBSCRIBE)
OPERATE_VERBS = tuple(name for name, verb in VERBS.items() if verb.kind == OPERATE)
ADMIN_VERBS = (*WRITE_VERBS, *SUBSCRIBE_VERBS, *OPERATE_VERBS)
# Commands that write (or run a source): each opens its own transaction.
CHANGING_VERBS = frozenset(ADMIN_VERBS)


def usage(verb: str) -> str:
    """Return how to write `verb`, with an example."""
    return f"Usage: {VERBS[verb].usage}   e.g. {VERBS[verb].examples[-1]}"


def refusal(verb: Verb | None, message: str) -> GrammarError:
    """Return the error for a command that cannot be read, with its verb's usage once known."""
    if verb is None:
        return GrammarError(message)
    return GrammarError(f"{message} {usage(verb.name)}", verb.name)


def bad_number(verb: Verb, word: str) -> str:
    """Say why `word` is not the number `verb` takes (a count, or an incident's id)."""
    if verb.number == "limit":
        return f"`{verb.name}` takes a number from 1 to {MAX_LIMIT}, not {shown(word)}."
    return f"{shown(word)} is not an incident id: ids are 1 to {MAX_INTEGER:,}; `last` shows them."


def unknown_key(verb: Verb, key: str) -> str:
    """Say that `verb` takes no `key:`, with the closest key it takes and what it does take."""
    if verb.fields:
        known: tuple[str, ...] = FIELD_NAMES
        what = "field"
        hint = f"the fields are {', '.join(FIELD_NAMES)}"
    else:
        known = (*(FILTER_KEYS if verb.filters else ()), *verb.options, "series")
        what = "filter key" if verb.kind == QUESTION else "key"
        hint = (
            FILTER_HELP
            if verb.kind == QUESTION
            else f"`{verb.name}` takes {', '.join(k + ':' for k in known)}"
        )
        if verb.options and verb.kind == QUESTION:
            hint += f"; `{verb.name}` also takes {', '.join(f'{o}:' for o in verb.options)}"
    close = get_close_matches(key, known, n=1)
    guess = f" (did you mean {close[0]}:?)" if close else ""
    return f"`{key}:` is not a {what}{guess}. {hint}."
