"""The reader of questions in people's words, in front of the grammar; pure.

"how many rocket attacks in 2025?", "is this a record lull?", "and in Syria?": a question is
read by the kinds of word it holds (bot/commands/question_words.py), its typos mended against
the words a question may use and the data's own values (bot/commands/lexicon.py), its days and
periods read as the grammar reads them. A follow-up changes one part of the question before
it; a number picks one of the readings offered. Two readings as close as each other are asked
back; a word that is neither a question's nor the data's stops the reading, with the closest
commands that would work, rather than an answer to another question.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from bot.commands import question_words as q
from bot.commands.asked import command_text
from bot.commands.command import Command
from bot.commands.grammar import MAX_COMMAND_LENGTH
from bot.commands.lexicon import TIE_MARGIN, Lexicon
from bot.commands.plain_words import Vocabulary, quoted
from bot.commands.question_reader import Parts, Reader
from bot.commands.question_text import words_of
from bot.commands.verbs import OPTIONS, QUERY_VERBS, VERBS
from bot.domain.fields import FIELD_NAMES, FieldError, clean_text
from bot.domain.filters import FILTER_KEYS, Filters
from bot.domain.periods import Period, PeriodError
from bot.domain.wording import day_text

# The keys of key:value words: "brief: how many ..." is a question, "country:Iraq" a command.
COMMAND_KEYS = frozenset(
    [*FILTER_KEYS, *FIELD_NAMES, *OPTIONS, "series", "as-of", "as_of", "asof", "from", "to"]
)
# How close a word must be to values of the data for the bot to ask which was meant.
ASK_BACK = 70
# How close a word must be to one value, and closer than to any other, to be read as it.
READ_AS_CLOSEST = 86


@dataclass(frozen=True)
class Reading:
    """What a question was read as: a command, readings to choose from, or why neither."""

    command: Command | None = None
    choices: tuple[Command, ...] = ()
    problem: str = ""  # why it was not read
    suggestions: tuple[str, ...] = ()  # commands that would work, written out


def read_question(
    text: str,
    today: date,
    vocabulary: Vocabulary,
    *,
    previous: Command | None = None,
    offered: Sequence[Command] = (),
) -> Reading:
    """Read a question in people's words, after `previous` (a follow-up) and its choices."""
    if len(text) > MAX_COMMAND_LENGTH:
        return Reading(
            problem=f"That is {len(text):,} characters long; ask in under {MAX_COMMAND_LENGTH:,}."
        )
    words = words_of(text)
    lowered = [w.lower() for w in words]
    chosen = lowered[-1].lstrip("#") if lowered else ""
    if len(lowered) in (1, 2) and chosen.isascii() and chosen.isdigit() and len(chosen) <= 2:
        return _picked(int(chosen), offered)
    follows = previous is not None and _opens_follow_up(lowered)
    reader = Reader(words, today, vocabulary)
    try:
        parts = reader.parts()
    except (PeriodError, FieldError) as error:
        return Reading(problem=f"{str(error).rstrip('.')}.")
    if parts.unknown:
        return _not_known(parts, reader.lexicon, today, vocabulary)
    nouns = sorted(parts.intents & q.BREAKDOWN_NOUNS)
    if parts.by is None and nouns:
        parts.by = q.BREAKDOWNS[nouns[0]]  # "which country had the most attacks"
    verb = _verb(parts)
    refused = _refused_words(parts, verb)
    if refused is not None:
        return refused
    if previous is not None:
        follows = follows or bool(parts.intents & q.FOLLOWING)
        followed = _followed(previous, verb, parts, follows, today, vocabulary)
        if followed is not None:
            return followed
    if verb is None:
        if parts.period is not None:
            verb = "list"  # "attacks last week": how many, and which
        elif parts.series or parts.filters or parts.choices or parts.as_of:
            verb = "since"
        else:
            return Reading(
                problem="No question was found in those words.", suggestions=_suggest(parts)
            )
    return _built(Command(verb=verb), verb, parts, today, vocabulary)


def _refused_words(parts: Parts, verb: str | None) -> Reading | None:
    """Refuse words that would make it another question, rather than answer without them."""
    unread = parts.intents & (q.NOT_READ | q.UNITS | q.BEFORE | q.LEFT_OVER)
    pausing = parts.intents & (q.PAUSE | q.PAUSES)
    if pausing and (verb == "since" or "current" in parts.intents):
        # the pause before the last incident (what `since` says), or before the current one
        # (the record, which `pause` says)
        unread -= q.BEFORE
    if unread:
        shown = ", ".join(f"`{w}`" for w in sorted(unread))
        return Reading(
            problem=f"I cannot answer with {shown} in a question yet: ask without it, or with "
            "a period (since March, between 1 and 15 February).",
            suggestions=_suggest(parts),
        )
    if verb in ("pause", "pauses") and (parts.period or parts.day):
        return Reading(
            problem="Pauses are ranked over all the data, or as the data stood on a day "
            "(as of 31 Dec 2025); not within a period yet.",
            suggestions=_suggest(parts),
        )
    return None


def _followed(
    previous: Command,
    verb: str | None,
    parts: Parts,
    follows: bool,
    today: date,
    vocabulary: Vocabulary,
) -> Reading | None:
    """Read words that change one part of the question before, or point at it."""
    asks = bool(parts.intents & q.ASKING)
    if follows or (not asks and _changes_one_part(parts)):
        return _built(previous, verb, parts, today, vocabulary)
    if parts.intents & q.REFERRING and not (parts.series or parts.filters):
        # "when was it last hit?", "how many times there?": about what the question before was
        return _built(previous, verb, parts, today, vocabulary)
    return None


def _picked(number: int, offered: Sequence[Command]) -> Reading:
    """A number alone picks one of the readings offered, and nothing else."""
    if not offered:
        return Reading(problem="A number alone answers a question I asked back; ask in words.")
    if not 1 <= number <= len(offered):
        return Reading(
            problem=f"Answer with a number from 1 to {len(offered)}, or ask again in full.",
            choices=(),
        )
    return Reading(command=_said(offered[number - 1]))


def _not_known(parts: Parts, lexicon: Lexicon, today: date, vocabulary: Vocabulary) -> Reading:
    """Refuse words not read; one word spelled like values of the data is asked back.

    A word closer to one value than to any other, and close enough, is read as it and said so.
    """
    word = parts.unknown[0]
    if len(parts.unknown) == 1 and len(word) >= 4:
        close = [m for m in lexicon.closest_values(word) if m.score >= ASK_BACK]
        if close and not parts.choices:
            verb = _verb(parts) or ("list" if parts.period else "since")
            if close[0].score >= READ_AS_CLOSEST and (
                len(close) == 1 or close[1].score < close[0].score - TIE_MARGIN
            ):
                best = close[0]
                parts.filters.setdefault(best.key, best.value)
                parts.read_as.append(f"Read `{word}` as {best.key}:{quoted(best.value)}.")
                return _built(Command(verb=verb), verb, parts, today, vocabulary)
            base = _built(Command(verb=verb), verb, parts, today, vocabulary).command
            if base is not None:
                offered = tuple(
                    replace(
                        base,
                        filters=Filters(**{**dict(base.filters.items()), m.key: m.value}),
                        read_as=tuple(parts.read_as),
                    )
                    for m in close
                )

                return Reading(choices=tuple(dict.fromkeys(offered)))
    return Reading(problem=_unknown(parts, lexicon), suggestions=_suggest(parts))


def _changes_one_part(parts: Parts) -> bool:
    """Say whether words with no question in them change a part of the question before."""
    if parts.series and not (parts.choices or parts.as_of or parts.number or parts.by):
        return False  # "strikes", "rocket attacks last month" ask anew; "and the strikes?" not
    if parts.series and (parts.filters or parts.period or parts.day):
        return False  # "drone attacks by month" is a whole question; "strikes by month" is not
    return bool(
        parts.series
        or parts.filters
        or parts.choices
        or parts.period
        or parts.day
        or parts.as_of
        or parts.now
        or parts.everywhere
        or parts.cleared
        or parts.number
        or parts.by
    )


def begins_with_a_verb(text: str) -> bool:
    """Say whether text begins with a verb of the grammar: `since ...`, `pauses ...`."""
    words = clean_text(text).split()
    return bool(words) and words[0].lower() in VERBS


def asks_for_the_last_one(text: str, vocabulary: Vocabulary) -> bool:
    """Say whether `last` is followed by one incident's noun: "last strike in syria" asks when
    (a question), where "last", "last 3" and "last strikes" list (the command)."""
    words = clean_text(text).lower().split()
    return (
        len(words) > 1
        and words[0] == "last"
        and words[1] in vocabulary.series
        and not words[1].endswith("s")
    )


def looks_like_a_command(text: str) -> bool:
    """Say whether text is written as a command (key:value, or a verb that is not a question's).

    Such text that the grammar refuses gets the grammar's own reason, not a reading in words.
    """
    words = clean_text(text).split()
    if not words:
        return False
    first = words[0].lower()
    if first in VERBS and first not in QUERY_VERBS:
        return True
    return any(":" in w and w.split(":", 1)[0].lower() in COMMAND_KEYS for w in words)


def _opens_follow_up(lowered: list[str]) -> bool:
    text = " ".join(lowered)
    return any(text == o or text.startswith(f"{o} ") for o in q.FOLLOW_UP_OPENERS)


def _verb(parts: Parts) -> str | None:
    intents = parts.intents
    pause = bool(intents & q.PAUSE)
    pauses = bool(intents & q.PAUSES)
    if intents & q.MAP:
        return "map"
    if intents & q.CHART:
        return "chart"
    if parts.by is not None:
        return "stats"
    if (pause or pauses) and intents & q.BEFORE and intents & q.WHEN:
        return "since"  # the pause the last incident ended
    if pauses or (pause and parts.number is not None):
        return "pauses"
    if pause:
        return "pause"
    if intents & q.WHEN and "days" in intents:
        return "since"  # how many days since ...
    if intents & q.COUNT:
        return "stats"
    if parts.number is not None and intents & (q.WHEN | q.SHOW) and not (parts.period or parts.day):
        return "last"  # the five most recent attacks
    if intents & q.WHEN and not (intents & q.SHOW and (parts.period or parts.day)):
        return "since"  # when did the last attack happen?
    if intents & (q.SHOW | q.HAPPENED) or parts.day is not None:
        return "list" if parts.period or parts.day else "last"
    return None


def _built(
    base: Command, verb: str | None, parts: Parts, today: date, vocabulary: Vocabulary
) -> Reading:
    verb = verb or base.verb
    filters, conflict = _filters_asked(base, parts)
    if conflict:
        return Reading(problem=conflict, suggestions=_suggest(parts))
    limit = parts.number if parts.number is not None else base.limit
    try:
        verb, period, as_of = _days_asked(base, verb, parts, today)
    except ValueError as error:
        return Reading(problem=str(error))
    series = parts.series[0] if parts.series else base.series
    if series is None and parts.intents & {"incidents", "events"} and vocabulary.default_series:
        parts.read_as.append(
            f"Read `incidents` as the {vocabulary.default_series}, the default series: "
            "name another to ask about it."
        )
    if parts.series and base.filters:
        # "and the strikes?" after rocket attacks: a value carried over that no strike holds
        # would answer nothing; it is left out, and said so
        for key, value in base.filters.items():
            if key not in parts.filters and not vocabulary.holds(series, key, value):
                del filters[key]
                parts.read_as.append(f"Left out {key}:{quoted(value)}: no {series} hold it.")
    if series is None and filters:
        # a place only the strikes hold is asked of the strikes
        series = vocabulary.only_in(Filters(**filters))
        if series is not None:
            parts.read_as.append(f"Read as the series {series}: only it holds {_values(filters)}.")
    command = Command(
        verb=verb,
        series=series,
        filters=Filters(**filters),
        as_of=as_of,
        limit=limit if verb in ("pauses", "last", "list") else None,
        start=period.first if period else None,
        end=period.last if period else None,
        by=parts.by or (base.by if verb == "stats" else None),
        period=period,
        read_as=tuple(parts.read_as),
    )
    if len(set(parts.series)) > 1:
        return Reading(
            choices=tuple(replace(command, series=s) for s in dict.fromkeys(parts.series))
        )
    if parts.choices:
        matches = parts.choices[0][1]
        offered = []
        for match in matches:
            picked = {**filters, match.key: match.value}
            offered.append(replace(command, filters=Filters(**picked)))
        return Reading(choices=tuple(dict.fromkeys(offered)))
    return Reading(command=_said(command))


def said_back(command: Command) -> Command:
    """Add how plain words were read, as the command that asks it, when any were."""
    return _said(command) if command.read_as else command


def _filters_asked(base: Command, parts: Parts) -> tuple[dict[str, str], str]:
    """Return the filters a question asks, the question before's changed by it, or a conflict.

    A country drops the place asked about before ("and all of Iraq" after Harir); "all
    countries" drops the country; a breakdown by a key drops that key's filter.
    """
    held = dict(base.filters.items())
    given = parts.filters
    places = {"country", "location"}
    if parts.everywhere or "country" in given:
        # a country is wider than a place: the place asked about before goes
        for key in places - set(given):
            if key in held:
                del held[key]
                parts.read_as.append(f"Left out {key}:{quoted(base_value(base, key))}.")
    for key in {*parts.cleared, parts.by or ""} & set(held):
        if key not in given:
            del held[key]
            parts.read_as.append(f"Left out {key}:{quoted(base_value(base, key))}.")
    return {**held, **given}, ""


def base_value(command: Command, key: str) -> str:
    return str(getattr(command.filters, key))


def _days_asked(
    base: Command, verb: str, parts: Parts, today: date
) -> tuple[str, Period | None, date | None]:
    """Return the verb, the period and the day asked about, the question before's included."""
    as_of = None if parts.now else (parts.as_of or base.as_of)
    period = parts.period
    if parts.day is not None:
        period = Period(parts.day, parts.day, f"on {day_text(parts.day)}", dated=False)
    if period is None and verb in ("stats", "list") and base.verb in ("stats", "list"):
        period = base.period
    if verb not in ("stats", "list", "map") and period is not None:
        # "the last attack in 2025": as the data stood at the period's end
        if period.last < (as_of or today):
            as_of = period.last
        period = None
    if verb == "list" and period is None:
        verb = "last"
    if period is not None and as_of is not None and period.last > as_of:
        # "and as of 1 July?" after "in 2024": the period as the data stood that day
        if period.first > as_of:
            raise ValueError(f"{period.text} begins after {day_text(as_of)}, the day asked about.")
        period = Period(period.first, as_of, period.label, dated=True)
    return verb, period, as_of


def _values(filters: dict[str, str]) -> str:
    return " and ".join(f"{k}:{quoted(v)}" for k, v in filters.items())


def _said(command: Command) -> Command:
    notes = [n for n in command.read_as if n and not n.startswith("Read as `")]
    notes.append(f"Read as `{command_text(command)}`.")
    return replace(command, read_as=tuple(notes))


def _unknown(parts: Parts, lexicon: Lexicon) -> str:
    shown = ", ".join(f"`{w}`" for w in parts.unknown)
    closest = lexicon.closest_values(parts.unknown[0])
    hint = ""
    if closest:
        names = " or ".join(f"{m.key}:{quoted(m.value)}" for m in closest)
        hint = f" The data's closest values: {names}."
    return f"I could not read {shown}: not a word of a question nor a value in the data.{hint}"


def _suggest(parts: Parts) -> tuple[str, ...]:
    """Commands that would work, from the parts that were read.

    After a negation ("non-drone", "except Syria") the values read are what was excluded:
    commands about them would ask the opposite, so only the series is kept.
    """
    negated = parts.intents & q.NEGATIONS
    values = () if negated else parts.filters.items()
    scope = " ".join([*parts.series[:1], *(f"{k}:{quoted(v)}" for k, v in values)])
    tail = f" {scope}" if scope else ""
    return (
        f"since{tail}",
        f"pause{tail}",
        f"stats{tail} this month",
        f"pauses{tail} limit:5",
        f"last 5{tail}",
    )
