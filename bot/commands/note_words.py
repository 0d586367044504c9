"""`note add|list|delete` and `with:OTHER` read once into the typed Command, with their refusals.

The text grammar (bot/commands/grammar.py) hands the words after `note add` here; a platform's
typed options (bot/commands/build.py) hand their values to the same checks, so that a note is
refused with the same message wherever it is written.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from bot.commands.command import Command, GrammarError, NoteRequest
from bot.commands.completion import period_of, period_words
from bot.commands.plain_words import Vocabulary, day_at, looks_like_series, series_named
from bot.commands.verbs import VERBS, refusal
from bot.commands.words import DAY_WORDS_HINT, QuoteError, read_day, tokens
from bot.domain.fields import MAX_INTEGER, FieldError, clean_text, parse_id
from bot.domain.notes import NOTE_EXAMPLE, note_text

CONTEXT_EXAMPLE = "chart attacks with:us-strikes"
# `subscribe digest with:none` removes the other series a digest's chart marks.
NO_CONTEXT_WORD = "none"
NO_CONTEXT = ""


def _fail(message: str) -> GrammarError:
    return refusal(VERBS["note"], message)


def note_command(
    topic: str | None,
    words: Sequence[str],
    today: date,
    vocabulary: Vocabulary,
    *,
    quoted: Collection[str] = (),
) -> Command:
    """Make `note add|list|delete` from the words after its topic; raise GrammarError.

    `quoted` holds the words that were written in quotes: a note's text is the one quoted
    word (a text of one word may go unquoted); the other word after the day is its series.
    """
    if topic == "add":
        return _add(words, today, vocabulary, quoted=quoted)
    if topic == "delete":
        return Command(verb="note", topic="delete", note=NoteRequest(note_id=_note_id(words)))
    return _list(words, today, vocabulary)


def _add(
    words: Sequence[str], today: date, vocabulary: Vocabulary, *, quoted: Collection[str]
) -> Command:
    if not words:
        raise _fail(f"`note add` needs a day and a text in quotes: {NOTE_EXAMPLE}.")
    try:
        found = day_at(words, 0, today=today, what="date")
    except FieldError as error:
        raise _fail(f"{error}.") from None
    if found is None:
        raise _fail(f"`note add` needs the day first: {words[0]!r} is not a day; {DAY_WORDS_HINT}.")
    taken, day = found
    rest = list(words[taken:])
    texts = [word for word in rest if word in quoted]
    if len(texts) > 1:
        raise _fail(f"Give one text in quotes: {NOTE_EXAMPLE}.")
    if not texts and len(rest) == 1 and series_named(rest[0], vocabulary) is None:
        texts = list(rest)  # one word needs no quotes: note add 2024-02-02 ceasefire
    if not texts and len(rest) > 1:
        raise _fail(f"Put the note's text in quotes, as one value: {NOTE_EXAMPLE}.")
    if texts:
        rest.remove(texts[0])
    series = _note_series(rest, vocabulary)
    try:
        text = note_text(texts[0] if texts else "")
    except FieldError as error:
        raise _fail(f"{str(error)[:1].upper()}{str(error)[1:]}.") from None
    return Command(verb="note", topic="add", series=series, note=NoteRequest(day=day, text=text))


def _note_series(words: Sequence[str], vocabulary: Vocabulary) -> str | None:
    """Return the series the words after a note's day and text name (None: none)."""
    if len(words) > 1:
        raise _fail(f"Put the note's text in quotes, as one value: {NOTE_EXAMPLE}.")
    if not words:
        return None
    name = series_named(words[0], vocabulary)
    if name is None and looks_like_series(words[0]):
        known = ", ".join(sorted(set(vocabulary.series.values())))
        raise _fail(f"`{words[0]}` is not a series; the series are {known or 'none yet'}.")
    if name is None:
        raise _fail(f"Put the note's text in quotes, as one value: {NOTE_EXAMPLE}.")
    return name


def _note_id(words: Sequence[str]) -> int:
    number = parse_id(words[0]) if len(words) == 1 else None
    if number is None:
        written = " ".join(words) or "nothing"
        raise _fail(
            f"`note delete` takes one note's id (1 to {MAX_INTEGER:,}), not {written}; "
            "`note list` shows them."
        )
    return number


def _list(words: Sequence[str], today: date, vocabulary: Vocabulary) -> Command:
    verb = VERBS["note"]
    series = None
    period = None
    position = 0
    while position < len(words):
        word = words[position]
        name = series_named(word, vocabulary)
        if name is not None and series is None:
            series, position = name, position + 1
            continue
        found = period_words(verb, list(words), position, today)
        if found is None or period is not None:
            raise _fail(
                f"`{word}` is not a series or a period; write e.g. `note list us-strikes` or "
                "`note list in February 2024`."
            )
        period = period_of(verb, words[position : position + found], today)
        position += found
    return Command(
        verb="note",
        topic="list",
        series=series,
        period=period,
        start=period.first if period is not None else None,
        end=period.last if period is not None else None,
    )


def context_series(
    verb: str,
    written: str | None,
    *,
    series: str | None,
    topic: str | None,
    vocabulary: Vocabulary,
) -> str | None:
    """Return the series `with:` names as context for a chart or a digest, or None without it
    (NO_CONTEXT for a digest's `with:none`, which removes it); raise GrammarError when it names
    none, the series charted (the default one when none is named), or is given to another
    verb."""
    if written is None or not written.strip():
        return None
    if verb not in ("chart", "subscribe") or (verb == "subscribe" and topic != "digest"):
        raise refusal(
            VERBS[verb],
            f"Only a chart or a digest takes another series: `{CONTEXT_EXAMPLE}`, "
            "`subscribe digest attacks with:us-strikes`.",
        )
    if written.strip().casefold() == NO_CONTEXT_WORD:
        return NO_CONTEXT if verb == "subscribe" else None
    name = series_named(written.strip(), vocabulary)
    if name is None:
        known = ", ".join(sorted(set(vocabulary.series.values())))
        raise refusal(
            VERBS[verb], f"`with:{written}` is not a series; the series are {known or 'none yet'}."
        )
    if name == (series or vocabulary.default_series or None):
        raise refusal(
            VERBS[verb],
            f"`with:{name}` is the series charted: name another, e.g. `{CONTEXT_EXAMPLE}`.",
        )
    return name


def typed_note(
    *,
    today: date,
    action: str,
    vocabulary: Vocabulary,
    day: str | None = None,
    text: str | None = None,
    series: str | None = None,
    note_id: int | None = None,
    start: str | None = None,
    end: str | None = None,
    period: str | None = None,
) -> Command:
    """Build `note add|list|delete` from a platform's typed values (Discord's options, the
    API's body), with the text grammar's checks and messages; raise GrammarError."""
    if action not in VERBS["note"].topics:
        raise _fail(f"Say what to do: {', '.join(VERBS['note'].topics)}.")
    named = None
    if series is not None and series.strip():
        named = series_named(series.strip(), vocabulary)
        if named is None:
            known = ", ".join(sorted(set(vocabulary.series.values())))
            raise _fail(f"`{series}` is not a series; the series are {known or 'none yet'}.")
    if action == "delete":
        if note_id is None or not 1 <= note_id <= MAX_INTEGER:
            raise _fail(f"`note delete` takes one note's id (1 to {MAX_INTEGER:,}).")
        return Command(verb="note", topic="delete", note=NoteRequest(note_id=note_id))
    if action == "add":
        found = _typed_day(day, today, "date")
        if found is None:
            raise _fail(f"`note add` needs the day it is about: {NOTE_EXAMPLE}.")
        try:
            written = note_text(text or "")
        except FieldError as error:
            raise _fail(f"{str(error)[:1].upper()}{str(error)[1:]}.") from None
        request = NoteRequest(day=found, text=written)
        return Command(verb="note", topic="add", series=named, note=request)
    return _typed_list(today, named, start, end, period)


def _typed_day(raw: str | None, today: date, what: str) -> date | None:
    if raw is None or not raw.strip():
        return None
    try:
        day = read_day(raw, today=today, what=what)
    except FieldError as error:
        raise _fail(f"{error}.") from None
    if day is None:
        raise _fail(f"{what} {raw!r} is not a day; {DAY_WORDS_HINT}.")
    return day


def _typed_list(
    today: date, series: str | None, start: str | None, end: str | None, period: str | None
) -> Command:
    first, last = _typed_day(start, today, "from:"), _typed_day(end, today, "to:")
    named = None
    if period is not None and period.strip():
        if first is not None or last is not None:
            raise _fail("Give the days once: a period (in March 2024) or from:/to:.")
        try:
            words = tokens(clean_text(period))
        except QuoteError:
            words = period.split()
        named = period_of(VERBS["note"], words, today)
        first, last = named.first, named.last
    if first is not None and last is not None and last < first:
        raise _fail(f"to:{last} is before from:{first}; write the earlier day first.")
    return Command(verb="note", topic="list", series=series, period=named, start=first, end=last)
