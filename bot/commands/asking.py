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
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from bot.commands import question_words as q
from bot.commands.asked import command_text
from bot.commands.command import Command
from bot.commands.lexicon import PLAIN_ENGLISH, Lexicon, Match, ValueFound
from bot.commands.plain_words import Vocabulary, day_at, quoted
from bot.commands.verbs import MAX_LIMIT, QUERY_VERBS, VERBS
from bot.domain.fields import FieldError, clean_text
from bot.domain.filters import Filters
from bot.domain.periods import Period, PeriodError, period_at
from bot.domain.wording import day_text

_PUNCTUATION = "?!.,;:()[]{}\"'“”‘’«»…"


@dataclass(frozen=True)
class Reading:
    """What a question was read as: a command, readings to choose from, or why neither."""

    command: Command | None = None
    choices: tuple[Command, ...] = ()
    problem: str = ""  # why it was not read
    suggestions: tuple[str, ...] = ()  # commands that would work, written out


@dataclass
class _Parts:
    """The parts found in a question's words."""

    intents: set[str] = field(default_factory=set)
    series: list[str] = field(default_factory=list)
    filters: dict[str, str] = field(default_factory=dict)
    choices: list[tuple[str, tuple[Match, ...]]] = field(default_factory=list)
    period: Period | None = None
    day: date | None = None
    as_of: date | None = None
    now: bool = False
    everywhere: bool = False
    number: int | None = None
    by: str | None = None
    unknown: list[str] = field(default_factory=list)
    read_as: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Value:
    """A value of the data found in the words, and the words as written."""

    found: ValueFound
    written: str


_LEXICONS: dict[int, tuple[Vocabulary, Lexicon]] = {}


def lexicon_of(vocabulary: Vocabulary) -> Lexicon:
    """Return the lexicon of a vocabulary, made once per vocabulary (they are made per change)."""
    kept = _LEXICONS.get(id(vocabulary))
    if kept is not None and kept[0] is vocabulary:
        return kept[1]
    lexicon = Lexicon((*q.QUESTION_WORDS, *vocabulary.series), vocabulary.entries)
    _LEXICONS.clear()
    _LEXICONS[id(vocabulary)] = (vocabulary, lexicon)
    return lexicon


def words_of(text: str) -> list[str]:
    """Split a question into words, without the punctuation around them or a possessive 's."""
    found = []
    for raw in clean_text(text).split():
        word = raw.strip(_PUNCTUATION)
        for ending in ("'s", "’s"):
            word = word.removesuffix(ending)
        if word:
            found.append(word)
    return found


def read_question(
    text: str,
    today: date,
    vocabulary: Vocabulary,
    *,
    previous: Command | None = None,
    offered: Sequence[Command] = (),
) -> Reading:
    """Read a question in people's words, after `previous` (a follow-up) and its choices."""
    words = words_of(text)
    lowered = [w.lower() for w in words]
    if offered and len(lowered) in (1, 2) and lowered[-1].lstrip("#").isdigit():
        picked = int(lowered[-1].lstrip("#"))
        if 1 <= picked <= len(offered):
            return Reading(command=offered[picked - 1])
    follows = previous is not None and _opens_follow_up(lowered)
    reader = _Reader(words, today, vocabulary)
    try:
        parts = reader.parts()
    except (PeriodError, FieldError) as error:
        return Reading(problem=f"{str(error).rstrip('.')}.")
    if parts.unknown:
        return Reading(problem=_unknown(parts, reader.lexicon), suggestions=_suggest(parts))
    verb = _verb(parts)
    if previous is not None and (follows or (verb is None and _changes_one_part(parts))):
        return _built(previous, verb, parts, today)
    if verb is None:
        if parts.period is not None:
            verb = "stats"
        elif parts.series or parts.filters or parts.choices or parts.as_of:
            verb = "since"
        else:
            return Reading(
                problem="No question was found in those words.", suggestions=_suggest(parts)
            )
    return _built(Command(verb=verb), verb, parts, today)


def _changes_one_part(parts: _Parts) -> bool:
    """Say whether words with no question in them change a part of the question before."""
    if parts.series and not (parts.choices or parts.as_of or parts.number or parts.by):
        return False  # "strikes", "rocket attacks last month" ask anew; "and the strikes?" not
    return bool(
        parts.series
        or parts.filters
        or parts.choices
        or parts.period
        or parts.day
        or parts.as_of
        or parts.now
        or parts.everywhere
        or parts.number
        or parts.by
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
    return any(":" in w and w.split(":", 1)[0].replace("_", "").isalpha() for w in words)


def _opens_follow_up(lowered: list[str]) -> bool:
    text = " ".join(lowered)
    return any(text == o or text.startswith(f"{o} ") for o in q.FOLLOW_UP_OPENERS)


def _verb(parts: _Parts) -> str | None:
    intents = parts.intents
    pause = bool(intents & q.PAUSE)
    pauses = bool(intents & q.PAUSES)
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
    if intents & q.SHOW or parts.day is not None:
        return "list" if parts.period or parts.day else "last"
    if parts.number is not None and intents & q.WHEN:
        return "last"
    if intents & q.WHEN:
        return "since"
    return None


def _built(base: Command, verb: str | None, parts: _Parts, today: date) -> Reading:
    verb = verb or base.verb
    filters = dict(base.filters.items())
    if parts.everywhere:
        filters = {k: v for k, v in filters.items() if k not in ("country", "location")}
    filters.update(parts.filters)
    as_of = None if parts.now else (parts.as_of or base.as_of)
    period = parts.period
    if parts.day is not None:
        period = Period(parts.day, parts.day, f"on {day_text(parts.day)}", dated=False)
    if period is None and verb in ("stats", "list") and base.verb in ("stats", "list"):
        period = base.period
    limit = parts.number if parts.number is not None else base.limit
    if verb not in ("stats", "list") and period is not None:
        # "the last attack in 2025": as the data stood at the period's end
        if period.last < (as_of or today):
            as_of = period.last
        period = None
    if verb == "list" and period is None:
        verb = "last"
    command = Command(
        verb=verb,
        series=parts.series[0] if parts.series else base.series,
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


def _said(command: Command) -> Command:
    notes = [n for n in command.read_as if n]
    notes.append(f"Read as `{command_text(command)}`.")
    return replace(command, read_as=tuple(notes))


class _Reader:
    """One pass over a question's words: values and mended words, then what each word is."""

    def __init__(self, words: list[str], today: date, vocabulary: Vocabulary) -> None:
        self.words = words
        self.today = today
        self.vocabulary = vocabulary
        self.lexicon = lexicon_of(vocabulary)
        self.found = _Parts()

    def parts(self) -> _Parts:
        mended = self._mended()
        self._read(mended)
        return self.found

    def _mended(self) -> list[str | _Value]:
        """The words with the data's values found and typos mended."""
        lexicon, words = self.lexicon, self.words
        out: list[str | _Value] = []
        at = 0
        while at < len(words):
            word = words[at].lower()
            value = None if self._question_word(word) else lexicon.value_at(words, at, loose=False)
            if value is None and not self._question_word(word):
                value = self._singular_value(word)
            if value is not None:
                out.append(_Value(value, " ".join(words[at : at + value.words])))
                at += value.words
                continue
            if lexicon.known(word) or not word.isalpha() or len(word) < 3:
                out.append(word)
                at += 1
                continue
            mended = self._mend(word, at)
            out.append(mended)
            at += 1 if isinstance(mended, str) else mended.found.words
        return out

    def _question_word(self, word: str) -> bool:
        return word in self.lexicon.words or word in PLAIN_ENGLISH

    def _singular_value(self, word: str) -> ValueFound | None:
        for ending in ("es", "s"):
            if word.endswith(ending) and len(word) > len(ending) + 2:
                found = self.lexicon.value_at([word[: -len(ending)]], 0, loose=False)
                if found is not None:
                    return found
        return None

    def _mend(self, word: str, at: int) -> str | _Value:
        corrected = self.lexicon.corrected(word)
        value = self.lexicon.value_at(self.words, at, loose=True)
        if value is not None and (corrected is None or value.matches[0].score > corrected[1]):
            return _Value(value, " ".join(self.words[at : at + value.words]))
        if corrected is None:
            return word
        self.found.read_as.append(f"Read `{self.words[at]}` as {corrected[0]}.")
        return corrected[0]

    def _read(self, mended: list[str | _Value]) -> None:
        words = [w if isinstance(w, str) else "\0" for w in mended]
        at = 0
        while at < len(mended):
            item = mended[at]
            if isinstance(item, _Value):
                self._value(item.found, item.written)
                at += 1
                continue
            at += self._word(words, at)

    def _value(self, found: ValueFound, written: str) -> None:
        distinct = tuple(dict.fromkeys(found.matches))
        if len(distinct) > 1:
            self.found.choices.append((written, distinct))
            return
        match = distinct[0]
        held = self.found.filters.get(match.key)
        if held is not None and held != match.value:
            self.found.choices.append((written, (Match(match.key, held, 100.0), match)))
            return
        self.found.filters[match.key] = match.value
        if written != match.value:
            self.found.read_as.append(f"Read `{written}` as {match.key}:{quoted(match.value)}.")

    def _word(self, words: list[str], at: int) -> int:
        """Read the word at `at` (and those it takes with it); return how many were read."""
        word = words[at]
        taken = self._as_of(words, at) or self._period(words, at) or self._day(words, at)
        if taken:
            return taken
        following = words[at + 1] if at + 1 < len(words) else ""
        if word in q.BY_WORDS and following in q.BREAKDOWNS:
            self.found.by = q.BREAKDOWNS[following]
            return 2
        if word in q.ALONE:
            self.found.by = q.BREAKDOWNS[word]
            return 1
        if word.isdigit():
            self._number(word)
            return 1
        series = self.vocabulary.series.get(word)
        if series is not None:
            self.found.series.append(series)
            return 1
        self._intent(word)
        return 1

    def _intent(self, word: str) -> None:
        if word in q.EVERYWHERE:
            self.found.everywhere = True
        elif word in q.NOW:
            self.found.now = True
        if word in self.lexicon.words or word in PLAIN_ENGLISH:
            self.found.intents.add(word)
        elif len(word) > 2 and word != "\0":
            # A word of the question that is not read would be a question left unasked.
            self.found.unknown.append(word)

    def _number(self, word: str) -> None:
        number = int(word)
        if not 1 <= number <= MAX_LIMIT:
            raise FieldError(
                f"{word} is more than the bot ranks or lists: ask for 1 to {MAX_LIMIT}"
            )
        self.found.number = number

    def _as_of(self, words: list[str], at: int) -> int:
        if words[at] in ("as-of", "asof"):
            skip = 1
        elif words[at] == "as" and at + 1 < len(words) and words[at + 1] == "of":
            skip = 2
        else:
            return 0
        found = self._day_at(words, at + skip)
        if found is None:
            raise FieldError("`as of` needs a day, e.g. as of 1 July")
        self.found.as_of = found[1]
        return skip + found[0]

    def _period(self, words: list[str], at: int) -> int:
        found = period_at(words, at, self.found.as_of or self.today, self._day_at)
        if found is None:
            return 0
        self.found.period = found[1]
        return found[0]

    def _day(self, words: list[str], at: int) -> int:
        skip = 1 if words[at] == "on" else 0
        found = self._day_at(words, at + skip)
        if found is None:
            return 0
        self.found.day = found[1]
        return skip + found[0]

    def _day_at(self, words: Sequence[str], at: int, today: date | None = None) -> Any:
        """Read a day at `at`, only where one may begin: the date parser is slow on any word."""
        if at >= len(words) or not _may_begin_a_day(words, at):
            return None
        return day_at(words, at, today=today or self.today, what="day")


def _may_begin_a_day(words: Sequence[str], at: int) -> bool:
    word = words[at].lower()
    following = words[at + 1].lower() if at + 1 < len(words) else ""
    if word in q.DAY_STARTS or (word == "last" and following in q.WEEKDAYS):
        return True
    if not word[:1].isdigit():
        return False
    return (
        any(c in word for c in "-/.")
        or following.rstrip(".,") in q.DAY_STARTS
        or (following in ("days", "weeks", "day", "week") and "ago" in words[at + 2 : at + 3])
        or word.endswith(("st", "nd", "rd", "th"))
    )


def _unknown(parts: _Parts, lexicon: Lexicon) -> str:
    shown = ", ".join(f"`{w}`" for w in parts.unknown)
    closest = lexicon.closest_values(parts.unknown[0])
    hint = ""
    if closest:
        names = " or ".join(f"{m.key}:{quoted(m.value)}" for m in closest)
        hint = f" The data's closest values: {names}."
    return f"I could not read {shown}: not a word of a question nor a value in the data.{hint}"


def _suggest(parts: _Parts) -> tuple[str, ...]:
    """Commands that would work, from the parts that were read."""
    scope = " ".join([*parts.series[:1], *(f"{k}:{quoted(v)}" for k, v in parts.filters.items())])
    tail = f" {scope}" if scope else ""
    return (
        f"since{tail}",
        f"pause{tail}",
        f"stats{tail} this month",
        f"pauses{tail} limit:5",
        f"last 5{tail}",
    )
