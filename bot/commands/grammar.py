"""The text grammar: a command's words read, one at a time, into the typed Command of its verb.

Each verb is one row of the table (bot/commands/verbs.py) saying what it takes; `parse` reads
any verb by its row. People write naturally ("how many days since the last attack in Iraq?"):
filler words are skipped, a series may be named in the singular, a bare value known in the data
is read as its filter, and days may be written in words (bot/commands/plain_words.py); each such
reading is reported back. What only the whole command can say is checked once every word is
read (bot/commands/completion.py).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from difflib import get_close_matches
from typing import Any

from bot.commands.command import Command, GrammarError
from bot.commands.completion import Read, complete, day_of, period_words
from bot.commands.note_words import context_series, note_command
from bot.commands.plain_words import (
    FILLERS,
    LEADING_FILLERS,
    Vocabulary,
    day_at,
    not_understood,
    quoted,
    series_named,
    value_at,
)
from bot.commands.source_words import operation_command
from bot.commands.verbs import (
    OPERATE,
    OPTIONS,
    QUESTION,
    SUBSCRIBE,
    TEAM_TOPICS,
    VERBS,
    Verb,
    bad_number,
    refusal,
    unknown_key,
)
from bot.commands.words import DAY_WORDS_HINT, QuoteError, tokens
from bot.domain.fields import FIELD_ALIASES, FIELD_NAMES, FieldError, clean_text, parse_id
from bot.domain.filters import FILTER_KEYS
from bot.domain.notes import NOTE_EXAMPLE
from bot.domain.schedules import (
    DigestSchedule,
    ScheduleError,
    read_quiet_hours,
    read_schedule,
)

# A key:value word (`with:us-strikes`), which ends a digest's schedule; a time has no letters.
_KEYED = re.compile(r"^[A-Za-z_]+:")

MAX_COMMAND_LENGTH = 4_000
AS_OF_WORDS = ("as-of", "as_of", "asof")
DOUBLE_QUOTES = '"“”„«»'


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
        self.text = cleaned
        try:
            self.words = tokens(cleaned)
        except QuoteError:
            example = (
                NOTE_EXAMPLE if cleaned.lower().startswith("note") else 'location:"Ain al-Assad"'
            )
            raise GrammarError(
                f"A quote is not closed: write values with spaces as {example}."
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
        self.period: tuple[str, ...] | None = None  # its words, read again as of the day asked

    def fail(self, message: str) -> GrammarError:
        return refusal(self.verb, message)

    def command(self) -> Command:
        self.verb = self._verb()
        verb = self.verb
        if verb.name == "help":
            return self._help()
        if verb.name == "timezone":
            return self._timezone()
        if verb.name == "quiet":
            return self._quiet()
        if verb.name == "team":
            return self._team()
        if verb.topics:
            self._topic(verb)
        if verb.kind == OPERATE:
            return operation_command(verb.name, self.topic, tuple(self.words[self.position :]))
        if verb.name == "note":
            rest = self.words[self.position :]
            # The words written in quotes: a note's text is one of them.
            quoted = {w for w in rest if any(q + w in self.text for q in DOUBLE_QUOTES)}
            return note_command(self.topic, rest, self.today, self.vocabulary, quoted=quoted)
        schedule = self._schedule(verb)
        while self.position < len(self.words):
            self._word()
        command = complete(
            Read(
                verb=verb,
                today=self.today,
                series=self.series,
                filters=self.filters,
                options=self.options,
                fields=self.fields,
                number=self.number,
                day=self.day,
                as_of=self.as_of,
                topic=self.topic,
                read_as=self.read_as,
                period=self.period,
            )
        )
        written = self.options.get("with")
        if written is not None:
            command = replace(
                command,
                context_series=context_series(
                    verb.name,
                    written,
                    series=self.series,
                    topic=self.topic,
                    vocabulary=self.vocabulary,
                ),
            )
        return command if schedule is None else replace(command, schedule=schedule)

    def _schedule(self, verb: Verb) -> DigestSchedule | None:
        # `every DAYS TIME` is a digest's schedule: the words from `every` up to a key:value
        # (`with:us-strikes` may follow it) are its own.
        lowered = [word.lower() for word in self.words]
        if verb.name != "subscribe" or "every" not in lowered[self.position :]:
            return None
        start = lowered.index("every", self.position)
        if self.topic != "digest":
            raise self.fail(
                "Only a digest takes a schedule: `subscribe digest every monday 08:00`."
            )
        end = next(
            (n for n in range(start + 1, len(self.words)) if _KEYED.match(self.words[n])),
            len(self.words),
        )
        try:
            schedule = read_schedule(" ".join(self.words[start:end]))
        except ScheduleError as error:
            raise self.fail(str(error)) from None
        self.words = self.words[:start] + self.words[end:]
        return schedule

    def _quiet(self) -> Command:
        rest = " ".join(self.words[self.position :]).strip()
        if not rest or rest.lower() in ("off", "none", "default"):
            return Command(verb="quiet", topic=rest.lower() or None)
        try:
            return Command(verb="quiet", topic="set", quiet=read_quiet_hours(rest))
        except ScheduleError as error:
            raise self.fail(str(error)) from None

    def _team(self) -> Command:
        # What follows the topic is kept as written: zone names and ids keep their case.
        rest = self.words[self.position :]
        if not rest:
            return Command(verb="team")
        topic = rest[0].lower()
        if topic not in TEAM_TOPICS:
            raise self.fail(f"`team {rest[0]}` is not one of: team {', team '.join(TEAM_TOPICS)}.")
        return Command(verb="team", topic=topic, words=tuple(rest[1:]))

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

    def _timezone(self) -> Command:
        # A zone's name keeps its case (Asia/Baghdad); the verb's module checks it is one.
        rest = self.words[self.position :]
        if len(rest) > 1:
            raise self.fail("`timezone` takes one zone name, such as Asia/Baghdad, or `default`.")
        return Command(verb="timezone", topic=rest[0] if rest else None)

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
        elif ":" in word and _is_key(word.split(":", 1)[0]):
            self._key_value(word)
        elif verb.period and self._period():
            pass
        elif verb.number and self.number is None and (number := parse_id(word)) is not None:
            self.number = number
        elif verb.number and word.strip("#").isdigit() and self.number is None:
            raise self.fail(bad_number(verb, word))
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

    def _period(self) -> bool:
        # A period's words ("in March 2024", "last week"), before they are read as fillers,
        # a day or a value; the period is made once the day asked about is known.
        start = self.position - 1
        found = period_words(self.verb, self.words, start, self.today)
        if found is None:
            return False
        if self.period is not None:
            raise self.fail("Give one period, e.g. `in March 2024` or `last week`.")
        self.period = tuple(self.words[start : start + found])
        self.position = start + found
        return True

    def _peek(self) -> str:
        return self.words[self.position] if self.position < len(self.words) else ""

    def _as_of(self, word: str) -> None:
        verb = self.verb
        assert verb is not None
        if verb.kind != QUESTION:
            raise self.fail(f"`as-of` is for questions, not for `{verb.name}`.")
        if self.as_of is not None:
            raise self.fail("`as-of` is given twice.")
        if ":" in word and word.split(":", 1)[1]:
            day = day_of(verb, word.split(":", 1)[1], today=self.today, what="as-of day")
            if day is None:
                raise self.fail(f"`{word}` is not a day; {DAY_WORDS_HINT}.")
            self.as_of = day
            return
        if self.position >= len(self.words):
            raise self.fail("`as-of` needs a day, e.g. as-of 2024-07-15.")
        if not self._longest_day(what="as-of day", as_of=True):
            raise self.fail(f"`as-of {self._peek()}` is not a day; {DAY_WORDS_HINT}.")

    def _longest_day(self, *, what: str, as_of: bool) -> bool:
        try:
            found = day_at(self.words, self.position, today=self.today, what=what)
        except FieldError as error:
            raise self.fail(f"{error}.") from None
        if found is None:
            return False
        count, day = found
        self.position += count
        if as_of:
            self.as_of = day
        else:
            self.day = day
        return True

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
        name = series_named(word, self.vocabulary)
        if name is None:
            return False
        if self.series is not None and self.series != name:
            raise self.fail(f"Give one series, not `{self.series}` and `{name}`.")
        if name != word:
            self.read_as.append(f"Read `{word}` as the series {name}.")
        self.series = name
        return True

    def _bare_value(self, word: str) -> bool:
        found = value_at(self.words, self.position - 1, self.vocabulary)
        if found is None:
            return False
        self.position += found.words - 1
        self._put(self.filters, found.key, found.value)
        self.read_as.append(f"Read `{found.written}` as {found.key}:{quoted(found.value)}.")
        return True

    def _key_value(self, word: str) -> None:
        verb = self.verb
        assert verb is not None
        key, value = word.split(":", 1)
        key = key.lower()
        if verb.fields:
            key = FIELD_ALIASES.get(key, key)  # lat: and lon: for latitude: and longitude:
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
            raise self.fail(unknown_key(verb, key))

    def _put(self, target: dict[str, Any], key: str, value: Any) -> None:
        if key in target:
            raise self.fail(f"`{key}:` is given twice.")
        target[key] = value

    def _not_understood(self, word: str) -> str:
        assert self.verb is not None
        return not_understood(word, self.verb, self.vocabulary, day_missing=self.day is None)


def _is_key(written: str) -> bool:
    """Say whether text before a colon is a key: letters, then letters, digits or _ (admin1)."""
    return written[:1].isalpha() and written.replace("_", "").isalnum()
