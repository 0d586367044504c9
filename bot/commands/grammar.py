"""The command grammar shared by chat and terminal: text in, a typed Command or a helpful error out.

Each verb is one row of VERBS, saying what it takes; `parse` reads any verb by its row.
People write naturally ("how many days since the last attack in Iraq?"): filler words are
skipped, a series may be named in the singular, a bare value known in the data is read as
its filter, and days may be written in words; each such reading is reported back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from difflib import get_close_matches
from typing import Any

from bot.commands.words import DAY_WORDS_HINT, QuoteError, read_day, tokens
from bot.domain.fields import (
    FIELD_NAMES,
    MAX_INTEGER,
    FieldError,
    IncidentFields,
    clean_text,
    parse_field,
    parse_fields,
    parse_id,
    shown,
)
from bot.domain.filters import FILTER_KEYS, Filters

MAX_COMMAND_LENGTH = 4_000
MAX_LIMIT = 500
STATS_BY = ("week", "month", "year", "country", "kind", "location", "actor")
SUBSCRIPTION_KINDS = ("alerts", "digest", "reviews")
AS_OF_WORDS = ("as-of", "as_of", "asof")
FILTER_HELP = (
    "FILTERS are key:value, any of country:, location:, actor:, kind: "
    '(quote spaces: location:"Ain al-Assad")'
)
# Words people put around a command that change nothing: "how many days since the last
# attack?", "is the current pause the longest?".
LEADING_FILLERS = frozenset(
    [
        "how",
        "many",
        "much",
        "long",
        "days",
        "day",
        "what",
        "whats",
        "what's",
        "is",
        "was",
        "it",
        "has",
        "been",
        "the",
        "current",
        "show",
        "me",
        "tell",
        "please",
        "longest",
    ]
)
FILLERS = LEADING_FILLERS | frozenset(
    [
        "last",
        "since",
        "in",
        "at",
        "by",
        "of",
        "for",
        "a",
        "an",
        "on",
        "record",
        "so",
        "far",
        "ever",
        "there",
    ]
)
# OPERATE: admins' commands about the bot itself (sources, the review queue), whose words
# after the subcommand are read by their own module (bot/commands/sources.py).
QUESTION, WRITE, SUBSCRIBE, OTHER, OPERATE = "question", "write", "subscribe", "other", "operate"


class GrammarError(ValueError):
    """Text that is not a command; the message says what was wrong and how to write it.

    `reason` is what was wrong without the text syntax's usage line, for a platform that
    shows its own syntax (Discord's options).
    """

    def __init__(self, message: str, verb: str | None = None, reason: str | None = None) -> None:
        super().__init__(message)
        self.verb = verb
        self.reason = reason or message


class CommandError(ValueError):
    """A command that parsed but cannot be carried out; the message says why and what to do."""


@dataclass(frozen=True)
class Command:
    """One command with its arguments converted once; which are set depends on the verb."""

    verb: str
    series: str | None = None
    filters: Filters = field(default_factory=Filters)
    as_of: date | None = None
    limit: int | None = None  # last N, limit:N
    start: date | None = None  # list from:
    end: date | None = None  # list to:
    by: str | None = None  # stats by:
    incident_id: int | None = None  # edit ID, delete ID
    incident: IncidentFields | None = None  # add
    changes: tuple[tuple[str, Any], ...] = ()  # edit: (column, value)
    reason: str | None = None  # delete reason:
    topic: str | None = None  # subscribe alerts|digest, help COMMAND, source add, review list
    words: tuple[str, ...] = ()  # source and review: the words after the subcommand
    read_as: tuple[str, ...] = ()  # how natural words were read, said back to the user


@dataclass(frozen=True)
class Vocabulary:
    """What the data knows, so that plain words can be read: series names and filter values.

    `series` maps a word (casefolded) to the series it names, its plural and singular
    included; `values` maps a value (casefolded) to the (key, value as stored) it is.
    """

    series: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    labels: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (key, casefolded)

    def label(self, key: str, value: str) -> str:
        """Return a filter value as the data writes it ("iraq" → "Iraq"), or as given."""
        return self.labels.get((key, value.casefold()), value)


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


OPTIONS = {
    "limit": Option("limit:10", _limit),
    "from": Option("from:2024-04-01", _day_option("from")),
    "to": Option("to:2024-07-31", _day_option("to")),
    "by": Option("by:country", _by),
    "reason": Option('reason:"duplicate"', _reason),
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
        "list [SERIES] from:DATE [to:DATE] [FILTERS] [limit:N]",
        "the incidents in a range of days",
        ("list from:2024-04-01 to:2024-07-31",),
        options=("from", "to", "limit"),
        required=("from",),
        filters=True,
    ),
    Verb(
        "stats",
        "stats [SERIES] [by:week|month|year|country|kind|location|actor] [FILTERS] [as-of DATE]",
        "counts since tracking began, by period, country and kind",
        ("stats", "stats by:country", "stats us-strikes by:month"),
        options=("by",),
        filters=True,
    ),
    Verb(
        "chart",
        "chart [SERIES] [FILTERS] [as-of DATE]",
        "a chart of incidents per week, the long pauses shaded",
        ("chart", "chart country:Iraq as-of 2024-07-22"),
        filters=True,
    ),
    Verb(
        "add",
        "add DATE [SERIES] [time:HH:MM] [country:..] [location:..] [actor:..] [kind:..] "
        "[quantity:N] [killed:N] [wounded:N] [source:..] [notes:..]",
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
        "subscribe",
        "subscribe alerts|digest|reviews [SERIES] [FILTERS]",
        "post alerts, the weekly digest or a reviewed source's candidates to this channel (admins)",
        (
            "subscribe alerts",
            "subscribe digest attacks",
            "subscribe reviews",
            "subscribe alerts country:Iraq",
        ),
        kind=SUBSCRIBE,
        topics=SUBSCRIPTION_KINDS,
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


def usage(verb: str) -> str:
    """Return how to write `verb`, with an example."""
    return f"Usage: {VERBS[verb].usage}   e.g. {VERBS[verb].examples[-1]}"


def parse(text: str, today: date, vocabulary: Vocabulary | None = None) -> Command:
    """Parse one command; days after `today` are refused."""
    return _Reader(text, today, vocabulary or Vocabulary()).command()


class _Reader:
    """One pass over a command's words, filling in what its verb takes."""

    def __init__(self, text: str, today: date, vocabulary: Vocabulary) -> None:
        if len(text) > MAX_COMMAND_LENGTH:
            raise GrammarError(
                f"That command is {len(text):,} characters long; keep it under "
                f"{MAX_COMMAND_LENGTH:,} (to add many incidents, import a file)."
            )
        self.today = today
        self.vocabulary = vocabulary
        cleaned = clean_text(text).rstrip("?!. ")
        try:
            self.words = tokens(cleaned)
        except QuoteError:
            raise GrammarError(
                'A quote is not closed: write values with spaces as location:"Ain al-Assad".'
            ) from None
        self.position = 0
        self.verb: Verb | None = None
        self.series: str | None = None
        self.filters: dict[str, str] = {}
        self.options: dict[str, Any] = {}
        self.fields: dict[str, str] = {}
        self.number: int | None = None
        self.day: date | None = None
        self.as_of: date | None = None
        self.topic: str | None = None
        self.read_as: list[str] = []

    def fail(self, message: str) -> GrammarError:
        verb = self.verb
        if verb is None:
            return GrammarError(message)
        return GrammarError(f"{message} {usage(verb.name)}", verb.name)

    def command(self) -> Command:
        self.verb = self._verb()
        verb = self.verb
        if verb.name == "help":
            return self._help()
        if verb.topics:
            self._topic(verb)
        if verb.kind == OPERATE:
            return Command(
                verb=verb.name, topic=self.topic, words=tuple(self.words[self.position :])
            )
        while self.position < len(self.words):
            self._word()
        return self._complete(verb)

    def _verb(self) -> Verb:
        words = self.words
        while self.position < len(words) and words[self.position].lower() in LEADING_FILLERS:
            if words[self.position].lower() in VERBS:
                break
            self.position += 1
        if self.position >= len(words):
            if words:
                raise GrammarError(
                    f"`{' '.join(words)}` is not a command; `help` lists them, e.g. `since`."
                )
            raise GrammarError("Say a command; `help` lists them.")
        word = words[self.position]
        self.position += 1
        if word.lower() in VERBS:
            return VERBS[word.lower()]
        close = get_close_matches(word.lower(), list(VERBS), n=1)
        hint = f" Did you mean `{close[0]}`?" if close else ""
        raise GrammarError(
            f"`{word}` is not a command.{hint} The commands are: {', '.join(VERBS)}."
        )

    def _help(self) -> Command:
        rest = [w.lower() for w in self.words[self.position :]]
        if len(rest) > 1 or (rest and rest[0] not in VERBS):
            raise self.fail(f"`help` takes one command name: {', '.join(VERBS)}.")
        return Command(verb="help", topic=rest[0] if rest else None)

    def _topic(self, verb: Verb) -> None:
        word = self.words[self.position].lower() if self.position < len(self.words) else ""
        if word not in verb.topics:
            if verb.kind == SUBSCRIBE:
                raise self.fail(
                    f"Say what to {verb.name}: alerts (when a pause ends), digest (weekly) "
                    "or reviews (a reviewed source's candidates)."
                )
            raise self.fail(f"Say which: `{verb.name} {'|'.join(verb.topics)}`.")
        self.topic = word
        self.position += 1

    def _take(self) -> str:
        word = self.words[self.position]
        self.position += 1
        return word

    def _word(self) -> None:
        verb = self.verb
        assert verb is not None
        word = self._take()
        lowered = word.lower()
        if lowered in AS_OF_WORDS or lowered.split(":", 1)[0] in AS_OF_WORDS:
            self._as_of(word)
        elif lowered == "as" and self._peek().lower() == "of":
            self.position += 1
            self._as_of("as-of")
        elif ":" in word and word.split(":", 1)[0].replace("_", "").isalpha():
            self._key_value(word)
        elif verb.number and self.number is None and (number := parse_id(word)) is not None:
            self.number = number
        elif verb.number and word.strip("#").isdigit() and self.number is None:
            raise self.fail(self._bad_number(word))
        elif (
            (verb.day and self.day is None and self._bare_day(word))
            or (verb.series and self._series_word(word))
            or (verb.filters and self._bare_value(word))
            or (verb.kind == QUESTION and lowered in FILLERS)
            or (verb.kind == QUESTION and self.as_of is None and self._bare_day(word, as_of=True))
        ):
            pass
        else:
            raise self.fail(self._not_understood(word))

    def _peek(self) -> str:
        return self.words[self.position] if self.position < len(self.words) else ""

    def _bad_number(self, word: str) -> str:
        if self.verb is not None and self.verb.number == "limit":
            return f"`{self.verb.name}` takes a number from 1 to {MAX_LIMIT}, not {shown(word)}."
        return (
            f"{shown(word)} is not an incident id: ids are 1 to {MAX_INTEGER:,}; `last` shows them."
        )

    def _as_of(self, word: str) -> None:
        verb = self.verb
        assert verb is not None
        if verb.kind != QUESTION:
            raise self.fail(f"`as-of` is for questions, not for `{verb.name}`.")
        if self.as_of is not None:
            raise self.fail("`as-of` is given twice.")
        if ":" in word and word.split(":", 1)[1]:
            day = self._day_of(word.split(":", 1)[1], what="as-of day")
            if day is None:
                raise self.fail(f"`{word}` is not a day; {DAY_WORDS_HINT}.")
            self.as_of = day
            return
        if self.position >= len(self.words):
            raise self.fail("`as-of` needs a day, e.g. as-of 2024-07-15.")
        if not self._longest_day(what="as-of day", as_of=True):
            raise self.fail(f"`as-of {self._peek()}` is not a day; {DAY_WORDS_HINT}.")

    def _day_of(self, words: str, what: str) -> date | None:
        try:
            return read_day(words, today=self.today, what=what)
        except FieldError as error:
            raise self.fail(f"{error}.") from None

    def _longest_day(self, *, what: str, as_of: bool) -> bool:
        # "16 July 2024", "3 days ago", "last friday": a day may take several words.
        for count in range(min(4, len(self.words) - self.position), 0, -1):
            words = self.words[self.position : self.position + count]
            if any(":" in w for w in words):
                continue
            day = self._day_of(" ".join(words), what)
            if day is not None:
                self.position += count
                if as_of:
                    self.as_of = day
                else:
                    self.day = day
                return True
        return False

    def _bare_day(self, word: str, *, as_of: bool = False) -> bool:
        self.position -= 1
        start = self.position
        found = self._longest_day(what="as-of day" if as_of else "date", as_of=as_of)
        if not found:
            self.position += 1
            return False
        written = " ".join(self.words[start : self.position])
        if as_of and self.as_of is not None:
            self.read_as.append(f"Read `{written}` as as-of {self.as_of.isoformat()}.")
        elif self.day is not None and written != self.day.isoformat():
            self.read_as.append(f"Read `{written}` as {self.day.isoformat()}.")
        return True

    def _series_word(self, word: str) -> bool:
        known = self.vocabulary.series
        lowered = word.casefold()
        if known:
            name = known.get(lowered)
            if name is None:
                return False
        elif _looks_like_series(word):
            name = word  # no vocabulary: the core checks that the series exists
        else:
            return False
        if self.series is not None and self.series != name:
            raise self.fail(f"Give one series, not `{self.series}` and `{name}`.")
        if name != word:
            self.read_as.append(f"Read `{word}` as the series {name}.")
        self.series = name
        return True

    def _bare_value(self, word: str) -> bool:
        values = self.vocabulary.values
        if not values:
            return False
        start = self.position - 1
        for count in range(min(4, len(self.words) - start), 0, -1):
            written = " ".join(self.words[start : start + count])
            found = values.get(written.casefold())
            if found is not None:
                key, value = found
                self.position = start + count
                self._put(self.filters, key, value)
                self.read_as.append(f"Read `{written}` as {key}:{_quoted(value)}.")
                return True
        return False

    def _key_value(self, word: str) -> None:
        verb = self.verb
        assert verb is not None
        key, value = word.split(":", 1)
        key = key.lower()
        if not value.strip():
            raise self.fail(f"`{key}:` has no value; write e.g. {key}:VALUE.")
        if key == "series" and verb.series:
            if not self._series_word(value):
                raise self.fail(self._not_understood(value))
        elif verb.fields and key in FIELD_NAMES:
            self._put(self.fields, key, value)
        elif verb.filters and key in FILTER_KEYS:
            self._put(self.filters, key, self.vocabulary.label(key, clean_text(value)))
        elif key in verb.options:
            try:
                self._put(self.options, key, OPTIONS[key].read(value, self.today))
            except FieldError as error:
                raise self.fail(f"{error}.") from None
        else:
            raise self.fail(_unknown_key(verb, key))

    def _put(self, target: dict[str, Any], key: str, value: Any) -> None:
        if key in target:
            raise self.fail(f"`{key}:` is given twice.")
        target[key] = value

    def _not_understood(self, word: str) -> str:
        verb = self.verb
        assert verb is not None
        if verb.kind == QUESTION and _looks_like_iso_day(word):
            return f"To ask about a past day, write as-of {word}."
        if verb.name == "add" and self.day is None:
            return f"{shown(word)} is not a day; {DAY_WORDS_HINT}."
        guesses = self._guesses(word)
        hint = f" Did you mean {guesses}?" if guesses else ""
        if not verb.series and not verb.filters:
            return f"`{word}` does not belong in `{verb.name}`.{hint}"
        known = ", ".join(sorted(set(self.vocabulary.series.values())))
        what = f"a series ({known})" if known else "a series"
        if verb.filters:
            what += " or a value in the data"
        return f"`{word}` is not {what}.{hint}"

    def _guesses(self, word: str) -> str:
        lowered = word.casefold()
        candidates: dict[str, str] = {}
        if self.verb is not None and (self.verb.series or self.verb.filters):
            for spelled, name in self.vocabulary.series.items():
                candidates.setdefault(spelled, name)
        if self.verb is not None and self.verb.filters:
            for spelled, (key, value) in self.vocabulary.values.items():
                candidates.setdefault(spelled, f"{key}:{_quoted(value)}")
        close = get_close_matches(lowered, list(candidates), n=3, cutoff=0.75)
        unique = list(dict.fromkeys(f"`{candidates[c]}`" for c in close))
        return " or ".join(unique)

    def _complete(self, verb: Verb) -> Command:
        for key in verb.required:
            if key not in self.options:
                raise self.fail(f"`{verb.name}` needs {OPTIONS[key].example.split(':')[0]}:DATE.")
        if verb.number == "incident_id" and self.number is None:
            raise self.fail(f"`{verb.name}` needs the incident's id (see `last`).")
        limit = self.options.get("limit")
        if verb.number == "limit" and self.number is not None:
            if limit is not None:
                raise self.fail("Give the number once, as N or limit:.")
            if self.number > MAX_LIMIT:
                raise self.fail(self._bad_number(str(self.number)))
            limit = self.number
        start, end = self.options.get("from"), self.options.get("to")
        if start is not None and end is not None and end < start:
            raise self.fail(
                f"to:{end.isoformat()} is before from:{start.isoformat()}; "
                "write the earlier day first."
            )
        command = Command(
            verb=verb.name,
            series=self.series,
            filters=Filters(**self.filters),
            as_of=self.as_of,
            limit=limit,
            start=start,
            end=end,
            by=self.options.get("by"),
            incident_id=self.number if verb.number == "incident_id" else None,
            reason=self.options.get("reason"),
            topic=self.topic,
            read_as=tuple(self.read_as),
        )
        try:
            if verb.name == "add":
                return self._add(command)
            if verb.name == "edit":
                return self._edit(command)
        except FieldError as error:
            raise self.fail(f"{error}.") from None
        return command

    def _add(self, command: Command) -> Command:
        raw = dict(self.fields)
        if self.day is not None and "date" in raw:
            raise self.fail("Give the day once, as DATE or date:.")
        if self.day is None and "date" not in raw:
            raise self.fail("`add` needs the day it happened.")
        if "date" in raw:
            day = self._day_of(raw["date"], what="date")
            if day is None:
                raise self.fail(f"date:{raw['date']} is not a day; {DAY_WORDS_HINT}.")
            self.day = day
        assert self.day is not None
        raw["date"] = self.day.isoformat()
        return _replace(command, incident=parse_fields(raw, today=self.today))

    def _edit(self, command: Command) -> Command:
        if not self.fields:
            raise self.fail("`edit` needs at least one FIELD:VALUE.")
        changes = []
        for name, value in self.fields.items():
            if name == "date":
                day = self._day_of(value, what="date")
                if day is None:
                    raise self.fail(f"date:{value} is not a day; {DAY_WORDS_HINT}.")
                changes.append(("occurred_on", day))
            else:
                changes.append(parse_field(name, value, today=self.today))
        return _replace(command, changes=tuple(changes))


def _replace(command: Command, **changes: Any) -> Command:
    from dataclasses import replace

    return replace(command, **changes)


def _quoted(value: str) -> str:
    return f'"{value}"' if " " in value else value


def _unknown_key(verb: Verb, key: str) -> str:
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


def _looks_like_iso_day(word: str) -> bool:
    return len(word) >= 8 and word[:4].isdigit() and "-" in word


def _looks_like_series(word: str) -> bool:
    return (
        word[:1].isalpha()
        and all(c.isalnum() or c in "-_" for c in word)
        and not _looks_like_iso_day(word)
        and word.lower() not in FILLERS
    )
