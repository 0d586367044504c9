"""`source add NAME kind:... [KEY:VALUE ...] [reviewed]` read once into a typed SourceRequest.

The text grammar (bot/commands/grammar.py), a platform's options (bot/commands/build.py) and
the terminal's flags (bot/cli/) all read a source add here, with the same messages; what needs
the data (the kind, the address, the series) is checked when the source is added
(bot/commands/sources/add.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.commands.command import Command, GrammarError, SourceRequest
from bot.domain.fields import clean_text
from bot.settings import parse_every

ADD_USAGE = (
    "Usage: source add NAME kind:csv|json|acled [url:URL] [series:SERIES] [reviewed] "
    "[every:1h] [country:..] [event_type:..] [actor1:..] [notes:..] [from:DATE]   "
    "e.g. source add acled-iraq kind:acled country:Iraq reviewed every:6h"
)


def name_refusal(name: str) -> str | None:
    """Say why `name` cannot name a source (letters, digits, - and _ only), or None."""
    if not name or len(name) > 64 or not all(c.isalnum() or c in "-_" for c in name):
        return f"{name!r} is not a source name; use letters, digits, - and _, e.g. acled-iraq"
    return None


def _refused(message: str) -> GrammarError:
    # The message carries the text usage where it needs one, as it always did: a platform
    # adds none of its own (see bot/commands/build.py).
    return GrammarError(message, "source")


def operation_command(verb: str, topic: str | None, words: tuple[str, ...]) -> Command:
    """Make an admin's `source ...` or `review ...` command from the words after its topic."""
    if verb == "source" and topic == "add":
        return Command(verb=verb, topic=topic, source=read_add(words))
    return Command(verb=verb, topic=topic, words=words)


def read_add(words: tuple[str, ...]) -> SourceRequest:
    """Read `source add`'s words; raise GrammarError saying what was wrong."""
    if not words:
        raise _refused(f"`source add` needs the source's name first. {ADD_USAGE}")
    options = []
    reviewed = False
    for word in words[1:]:
        if word.lower() in ("reviewed", "review"):
            reviewed = True
        elif word.lower() != "trusted":
            key, _, value = word.partition(":")
            options.append((key, value) if ":" in word else (word, None))
    return source_request(words[0], options, reviewed=reviewed)


def source_request(
    name: str, options: Iterable[tuple[str, str | None]], *, reviewed: bool
) -> SourceRequest:
    """Check a source add's name and KEY:VALUE options (a value None: a word without `:`).

    Raise GrammarError saying what was wrong, in the order the text grammar always has: the
    name, each option as given, the kind, the interval.
    """
    if ":" in name:
        raise _refused(f"`source add` needs the source's name first. {ADD_USAGE}")
    refused = name_refusal(name)
    if refused is not None:
        raise _refused(refused)
    given: dict[str, str] = {}
    for written, value in options:
        word = written if value is None else f"{written}:{value}"
        key = written.lower().replace("-", "_")
        if value is None or not value.strip():
            raise _refused(f"{word!r} is not KEY:VALUE. {ADD_USAGE}")
        if key in given:
            raise _refused(f"`{key}:` is given twice. {ADD_USAGE}")
        given[key] = clean_text(value)
    kind = given.pop("kind", None)
    if kind is None:
        raise _refused(f"`source add` needs kind:csv, kind:json or kind:acled. {ADD_USAGE}")
    try:
        every = parse_every(given.pop("every", "1h"))
    except ValueError as error:
        raise _refused(str(error)) from None
    if "actor" in given:
        given["actor1"] = given.pop("actor")
    return SourceRequest(
        name=name,
        kind=kind.lower(),
        url=given.pop("url", None),
        series=given.pop("series", None),
        reviewed=reviewed,
        every_minutes=every,
        query=tuple(given.items()),
    )
