"""`source add|list|run|remove` typed in chat, carried out and answered."""

from __future__ import annotations

from dataclasses import dataclass

from bot.commands.command import Command, CommandError
from bot.commands.context import Caller, Context
from bot.commands.sources.add import add, check_name, listing, remove
from bot.commands.sources.pipeline import run
from bot.commands.sources.replies import (
    added_reply,
    listing_reply,
    removed_reply,
    report_reply,
)
from bot.domain.fields import clean_text
from bot.domain.replies import Reply
from bot.settings import parse_every


@dataclass(frozen=True)
class AddRequest:
    """`source add` as written in chat."""

    name: str
    kind: str
    url: str | None
    series: str | None
    reviewed: bool
    every_minutes: int
    query: dict[str, str]


ADD_USAGE = (
    "Usage: source add NAME kind:csv|json|acled [url:URL] [series:SERIES] [reviewed] "
    "[every:1h] [country:..] [event_type:..] [actor1:..] [notes:..] [from:DATE]   "
    "e.g. source add acled-iraq kind:acled country:Iraq reviewed every:6h"
)


def parse_add(words: tuple[str, ...]) -> AddRequest:
    """Read `source add`'s words; raise CommandError saying what was wrong."""
    if not words or ":" in words[0]:
        raise CommandError(f"`source add` needs the source's name first. {ADD_USAGE}")
    name = check_name(words[0])
    options: dict[str, str] = {}
    reviewed = False
    for word in words[1:]:
        if word.lower() in ("reviewed", "review"):
            reviewed = True
            continue
        if word.lower() == "trusted":
            continue
        key, sep, value = word.partition(":")
        key = key.lower().replace("-", "_")
        if not sep or not value.strip():
            raise CommandError(f"{word!r} is not KEY:VALUE. {ADD_USAGE}")
        if key in options:
            raise CommandError(f"`{key}:` is given twice. {ADD_USAGE}")
        options[key] = clean_text(value)
    kind = options.pop("kind", None)
    if kind is None:
        raise CommandError(f"`source add` needs kind:csv, kind:json or kind:acled. {ADD_USAGE}")
    try:
        every = parse_every(options.pop("every", "1h"))
    except ValueError as error:
        raise CommandError(str(error)) from None
    if "actor" in options:
        options["actor1"] = options.pop("actor")
    return AddRequest(
        name=name,
        kind=kind.lower(),
        url=options.pop("url", None),
        series=options.pop("series", None),
        reviewed=reviewed,
        every_minutes=every,
        query=options,
    )


async def execute(context: Context, command: Command, caller: Caller) -> Reply:
    """Carry out `source ...` typed in chat (the core checked the caller is an admin)."""
    words = command.words
    if command.topic == "list":
        return listing_reply(await listing(context))
    if command.topic == "add":
        wanted = parse_add(words)
        info = await add(
            context,
            name=wanted.name,
            kind=wanted.kind,
            url=wanted.url,
            series=wanted.series,
            reviewed=wanted.reviewed,
            every_minutes=wanted.every_minutes,
            query=wanted.query,
            caller=caller,
        )
        return added_reply(info)
    if len(words) != 1:
        raise CommandError(
            f"`source {command.topic}` takes the source's name, e.g. "
            f"`source {command.topic} acled-iraq`."
        )
    if command.topic == "run":
        return report_reply(await run(context, words[0]))
    if await remove(context, words[0], caller):
        return removed_reply(words[0])
    raise CommandError(f"there is no source {words[0]!r}; `source list` lists them")
