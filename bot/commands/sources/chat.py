"""`source add|list|run|remove` typed in chat, carried out and answered."""

from __future__ import annotations

from bot.commands.command import Command, CommandError
from bot.commands.context import Caller, Context
from bot.commands.source_words import ADD_USAGE
from bot.commands.sources.add import add, listing, managed, remove
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
        return listing_reply(await listing(context, caller))
    if command.topic == "add":
        wanted = command.source
        if wanted is None:  # every builder reads a source add into its request
            raise CommandError(f"`source add` needs the source's name first. {ADD_USAGE}")
        info = await add(context, wanted, caller)
        return added_reply(info)
    if len(words) != 1:
        raise CommandError(
            f"`source {command.topic}` takes the source's name, e.g. "
            f"`source {command.topic} acled-iraq`."
        )
    if not await managed(context, words[0], caller):
        raise CommandError(f"there is no source {words[0]!r}; `source list` lists them")
    if command.topic == "run":
        return report_reply(await run(context, words[0]))
    if await remove(context, words[0], caller):
        return removed_reply(words[0])
    raise CommandError(f"there is no source {words[0]!r}; `source list` lists them")
