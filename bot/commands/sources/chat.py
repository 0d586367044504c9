"""`source add|list|run|remove` typed in chat, carried out and answered."""

from __future__ import annotations

from bot.commands.command import Command, CommandError, GrammarError, SourceRequest
from bot.commands.context import Caller, Context
from bot.commands.source_words import read_add
from bot.commands.sources.add import add, listing, remove
from bot.commands.sources.pipeline import run
from bot.commands.sources.replies import (
    added_reply,
    listing_reply,
    removed_reply,
    report_reply,
)
from bot.domain.replies import Reply


async def execute(context: Context, command: Command, caller: Caller) -> Reply:
    """Carry out `source ...` typed in chat (the core checked the caller is an admin)."""
    words = command.words
    if command.topic == "list":
        return listing_reply(await listing(context))
    if command.topic == "add":
        wanted = _request(command)
        info = await add(
            context,
            name=wanted.name,
            kind=wanted.kind,
            url=wanted.url,
            series=wanted.series,
            reviewed=wanted.reviewed,
            every_minutes=wanted.every_minutes,
            query=dict(wanted.query),
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


def _request(command: Command) -> SourceRequest:
    if command.source is not None:
        return command.source
    # Only bot/cli still hands `source add` its words, until it builds the request itself.
    try:
        return read_add(command.words)
    except GrammarError as error:
        raise CommandError(str(error)) from None
