"""The command grammar shared by chat and terminal: text in, a Command or a helpful error out."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from datetime import date
from difflib import get_close_matches

from bot.domain.fields import FIELD_NAMES, FieldError, parse_date
from bot.domain.filters import FILTER_KEYS, Filters

QUERY_VERBS = ("since", "pause", "pauses", "last", "list", "stats", "chart")
WRITE_VERBS = ("add", "edit", "delete")
SUBSCRIBE_VERBS = ("subscribe", "unsubscribe")
ADMIN_VERBS = (*WRITE_VERBS, *SUBSCRIBE_VERBS)
VERBS = (*QUERY_VERBS, *WRITE_VERBS, *SUBSCRIBE_VERBS, "subscriptions", "help")
SUBSCRIPTION_KINDS = ("alerts", "digest")
STATS_BY = ("week", "month", "year", "country", "kind", "location", "actor")
MAX_LIMIT = 200

USAGE = {
    "since": "since [SERIES] [FILTERS] [as-of DATE]",
    "pause": "pause [SERIES] [FILTERS] [as-of DATE]",
    "pauses": "pauses [SERIES] [FILTERS] [limit:N] [as-of DATE]",
    "last": "last [N] [SERIES] [FILTERS] [as-of DATE]",
    "list": "list [SERIES] from:DATE [to:DATE] [FILTERS] [limit:N]",
    "stats": "stats [SERIES] [by:week|month|year|country|kind|location|actor] [FILTERS] "
    "[as-of DATE]",
    "chart": "chart [SERIES] [FILTERS] [as-of DATE]",
    "add": "add DATE [SERIES] [time:HH:MM] [country:..] [location:..] [actor:..] [kind:..] "
    "[quantity:N] [killed:N] [wounded:N] [source:..] [notes:..]",
    "edit": "edit ID FIELD:VALUE ...",
    "delete": "delete ID [reason:TEXT]",
    "subscribe": "subscribe alerts|digest [SERIES] [FILTERS]",
    "unsubscribe": "unsubscribe alerts|digest [SERIES] [FILTERS]",
    "subscriptions": "subscriptions",
    "help": "help [COMMAND]",
}
SUMMARY = {
    "since": "days since the last incident",
    "pause": "the current pause against the record",
    "pauses": "the longest pauses, ranked",
    "last": "the most recent incidents (5 unless N is given)",
    "list": "the incidents in a range of days",
    "stats": "counts since tracking began, by period, country and kind",
    "chart": "a chart of incidents per week, the long pauses shaded",
    "add": "record an incident (admins)",
    "edit": "change fields of an incident by its id (admins)",
    "delete": "delete an incident by its id; it stays in the audit log (admins)",
    "subscribe": "post alerts or the weekly digest of a series to this channel (admins)",
    "unsubscribe": "stop alerts or the digest in this channel (admins)",
    "subscriptions": "what this channel is subscribed to",
    "help": "this list, or one command in detail",
}
EXAMPLES = {
    "since": ["since", "since country:Iraq", "since us-strikes as-of 2024-07-15"],
    "pause": ["pause", 'pause location:"Ain al-Assad"'],
    "pauses": ["pauses", "pauses country:Syria limit:5"],
    "last": ["last", "last 10 kind:drone"],
    "list": ["list from:2024-04-01 to:2024-07-31"],
    "stats": ["stats", "stats by:country", "stats us-strikes by:month"],
    "chart": ["chart", "chart country:Iraq as-of 2024-07-22"],
    "add": ['add 2024-07-16 location:"Ain al-Assad" country:Iraq kind:drone quantity:2'],
    "edit": ["edit 12 kind:rocket killed:0"],
    "delete": ['delete 12 reason:"duplicate of #11"'],
    "subscribe": ["subscribe alerts", "subscribe digest attacks", "subscribe alerts country:Iraq"],
    "unsubscribe": ["unsubscribe alerts", "unsubscribe alerts country:Iraq"],
    "subscriptions": ["subscriptions"],
    "help": ["help", "help add"],
}
FILTER_HELP = (
    "FILTERS are key:value, any of country:, location:, actor:, kind: "
    '(quote spaces: location:"Ain al-Assad")'
)
OPTION_KEYS = {
    "pauses": ("limit",),
    "last": ("limit",),
    "list": ("from", "to", "limit"),
    "stats": ("by",),
    "delete": ("reason",),
}
AS_OF_WORDS = ("as-of", "as_of", "asof")
CURLY_QUOTES = str.maketrans("“”‘’", "\"\"''")


class GrammarError(ValueError):
    """Text that is not a command; the message says what was wrong and how to write it."""

    def __init__(self, message: str, verb: str | None = None) -> None:
        super().__init__(message)
        self.verb = verb


class CommandError(ValueError):
    """A command that parsed but cannot be carried out; the message says why and what to do."""


@dataclass(frozen=True)
class Command:
    """One parsed command; which parts are set depends on the verb."""

    verb: str
    series: str | None = None
    filters: Filters = field(default_factory=Filters)
    as_of: date | None = None
    day: date | None = None
    number: int | None = None
    options: dict[str, str] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)
    topic: str | None = None


def usage(verb: str) -> str:
    """Return how to write `verb`, with an example."""
    return f"Usage: {USAGE[verb]}   e.g. {EXAMPLES[verb][-1]}"


def parse(text: str, today: date) -> Command:
    """Parse one command; dates after `today` are refused."""
    tokens = _tokens(text)
    if not tokens:
        raise GrammarError("Say a command; `help` lists them.")
    verb, rest = tokens[0].lower(), tokens[1:]
    if verb not in VERBS:
        close = get_close_matches(verb, VERBS, n=1)
        hint = f" Did you mean `{close[0]}`?" if close else ""
        raise GrammarError(
            f"`{tokens[0]}` is not a command.{hint} The commands are: {', '.join(VERBS)}."
        )
    try:
        return _parse_verb(verb, rest, today)
    except FieldError as error:
        raise GrammarError(f"{error}. {usage(verb)}", verb) from None


def _tokens(text: str) -> list[str]:
    # Chat clients turn straight quotes into curly ones.
    text = text.translate(CURLY_QUOTES)
    try:
        return shlex.split(text)
    except ValueError:
        raise GrammarError(
            'A quote is not closed: write values with spaces as location:"Ain al-Assad".'
        ) from None


def _parse_verb(verb: str, tokens: list[str], today: date) -> Command:
    if verb == "help":
        if len(tokens) > 1 or (tokens and tokens[0].lower() not in VERBS):
            raise GrammarError(
                f"`help` takes one command name: {', '.join(VERBS)}. {usage('help')}", verb
            )
        return Command(verb=verb, topic=tokens[0].lower() if tokens else None)
    if verb == "subscriptions":
        if tokens:
            raise GrammarError(f"`subscriptions` takes nothing more. {usage(verb)}", verb)
        return Command(verb=verb)
    topic = None
    if verb in SUBSCRIBE_VERBS:
        if not tokens or tokens[0].lower() not in SUBSCRIPTION_KINDS:
            raise GrammarError(
                f"Say what to {verb}: alerts (when a pause ends) or digest (weekly). {usage(verb)}",
                verb,
            )
        topic, tokens = tokens[0].lower(), tokens[1:]

    series: str | None = None
    as_of: date | None = None
    day: date | None = None
    number: int | None = None
    filters: dict[str, str] = {}
    options: dict[str, str] = {}
    fields: dict[str, str] = {}
    allowed_options = OPTION_KEYS.get(verb, ())

    position = 0
    while position < len(tokens):
        token = tokens[position]
        position += 1
        word = token.lower()
        if word in AS_OF_WORDS or word.split(":", 1)[0] in AS_OF_WORDS:
            if verb not in QUERY_VERBS:
                raise GrammarError(
                    f"`as-of` is for questions, not for `{verb}`. {usage(verb)}", verb
                )
            if ":" in token:
                raw = token.split(":", 1)[1]
            elif position < len(tokens):
                raw = tokens[position]
                position += 1
            else:
                raise GrammarError(
                    f"`as-of` needs a day, e.g. as-of 2024-07-15. {usage(verb)}", verb
                )
            as_of = parse_date(raw, today=today, what="as-of day")
        elif ":" in token:
            key, value = token.split(":", 1)
            key = key.lower()
            if not value.strip():
                raise GrammarError(
                    f"`{key}:` has no value; write e.g. {key}:VALUE. {usage(verb)}", verb
                )
            if key == "series" and verb != "edit":
                series = _set_once(series, value, "series", verb)
            elif verb in ("add", "edit") and key in FIELD_NAMES:
                _put_once(fields, key, value, verb)
            elif verb not in WRITE_VERBS and key in FILTER_KEYS:
                _put_once(filters, key, value, verb)
            elif key in allowed_options:
                _put_once(options, key, value, verb)
            else:
                raise GrammarError(_unknown_key(verb, key, allowed_options), verb)
        elif _is_number(token) and verb in ("last", "edit", "delete") and number is None:
            number = int(token)
        elif _looks_like_date(token) and verb == "add" and day is None:
            day = parse_date(token, today=today)
        elif _is_series_word(token) and verb not in ("edit", "delete"):
            series = _set_once(series, token, "series", verb)
        elif _looks_like_date(token) and verb in QUERY_VERBS:
            raise GrammarError(f"To ask about a past day, write as-of {token}. {usage(verb)}", verb)
        else:
            raise GrammarError(f"`{token}` does not belong in `{verb}`. {usage(verb)}", verb)

    command = Command(
        verb=verb,
        series=series,
        filters=Filters(**filters),
        as_of=as_of,
        day=day,
        number=number,
        options=options,
        fields=fields,
        topic=topic,
    )
    _check_complete(command, today)
    return command


def _check_complete(command: Command, today: date) -> None:
    verb = command.verb
    if verb == "add":
        if command.day is None and "date" not in command.fields:
            raise GrammarError(f"`add` needs the day it happened. {usage(verb)}", verb)
        if command.day is not None and "date" in command.fields:
            raise GrammarError(f"Give the day once, as DATE or date:. {usage(verb)}", verb)
        if command.day is None:
            parse_date(command.fields["date"], today=today)
    if verb in ("edit", "delete") and command.number is None:
        raise GrammarError(f"`{verb}` needs the incident's id (see `last`). {usage(verb)}", verb)
    if verb == "edit":
        if not command.fields:
            raise GrammarError(f"`edit` needs at least one FIELD:VALUE. {usage(verb)}", verb)
        if "date" in command.fields:
            parse_date(command.fields["date"], today=today)
    if verb == "last" and command.number is not None and "limit" in command.options:
        raise GrammarError(f"Give the number once, as N or limit:. {usage(verb)}", verb)
    if verb == "list" and "from" not in command.options:
        raise GrammarError(f"`list` needs from:DATE. {usage(verb)}", verb)
    for key in ("from", "to"):
        if key in command.options:
            parse_date(command.options[key], today=today, what=f"{key}:")
    if "limit" in command.options:
        limit = command.options["limit"]
        if not _is_number(limit) or not 1 <= int(limit) <= MAX_LIMIT:
            raise GrammarError(
                f"limit:{limit} is not a number from 1 to {MAX_LIMIT}. {usage(verb)}", verb
            )
    if command.number is not None and verb == "last" and not 1 <= command.number <= MAX_LIMIT:
        raise GrammarError(f"`last` takes a number from 1 to {MAX_LIMIT}. {usage(verb)}", verb)
    if "by" in command.options and command.options["by"].lower() not in STATS_BY:
        raise GrammarError(
            f"by:{command.options['by']} is not a breakdown; "
            f"write by: one of {', '.join(STATS_BY)}",
            verb,
        )


def _unknown_key(verb: str, key: str, allowed_options: tuple[str, ...]) -> str:
    if verb in ("add", "edit"):
        known: tuple[str, ...] = FIELD_NAMES
        what = "field"
        hint = f"the fields are {', '.join(FIELD_NAMES)}"
    else:
        known = (*FILTER_KEYS, *allowed_options, "series")
        what = "filter key" if verb in QUERY_VERBS else "key"
        hint = FILTER_HELP if verb in QUERY_VERBS else f"`{verb}` takes {', '.join(known)}"
        if allowed_options and verb in QUERY_VERBS:
            hint += f"; `{verb}` also takes {', '.join(f'{o}:' for o in allowed_options)}"
    close = get_close_matches(key, known, n=1)
    guess = f" (did you mean {close[0]}:?)" if close else ""
    return f"`{key}:` is not a {what}{guess}. {hint}. {usage(verb)}"


def _set_once(current: str | None, value: str, what: str, verb: str) -> str:
    if current is not None and current != value:
        raise GrammarError(f"Give one {what}, not `{current}` and `{value}`. {usage(verb)}", verb)
    return value


def _put_once(target: dict[str, str], key: str, value: str, verb: str) -> None:
    if key in target:
        raise GrammarError(f"`{key}:` is given twice. {usage(verb)}", verb)
    target[key] = value


def _is_number(token: str) -> bool:
    return token.isascii() and token.isdigit()


def _looks_like_date(token: str) -> bool:
    return len(token) >= 8 and token[:4].isdigit() and "-" in token


def _is_series_word(token: str) -> bool:
    return (
        token[:1].isalpha()
        and all(c.isalnum() or c in "-_" for c in token)
        and not _looks_like_date(token)
    )
