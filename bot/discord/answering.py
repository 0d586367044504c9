"""How an /incidents subcommand answers: defer, build its Command, ask the core, reply.

`AnsweringGroup` is the base of the group (bot/discord/commands.py); `subcommand` turns one
of its methods into the subcommand of a verb of the grammar.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from datetime import date
from typing import Any

import discord
from discord import app_commands

from bot.commands.command import Command, GrammarError
from bot.commands.core import Caller, Core
from bot.commands.plain_words import Vocabulary
from bot.commands.verbs import VERBS
from bot.discord.access import Asker, access_of, refused_here
from bot.discord.answer import asker_of, caller_for, defer, send_reply
from bot.discord.failures import FailureNotices
from bot.discord.help import usage
from bot.discord.options import FILTER_DESCRIPTIONS
from bot.domain.replies import Reply
from bot.domain.wording import sentence_case

Build = Callable[[date, Vocabulary], Command]
Callback = Callable[..., Coroutine[Any, Any, None]]


class AnsweringGroup(app_commands.Group):
    """An app command group whose subcommands are answered through the command core.

    Every failure after the defer is answered by the tree's error handler (bot/discord/tree.py).
    """

    def __init__(self, core: Core) -> None:
        super().__init__()
        self.core = core
        self.notices = FailureNotices(core)

    async def answer(
        self,
        interaction: discord.Interaction,
        make: Build,
        *,
        public: bool = False,
        check: Callable[[Caller], Reply | None] | None = None,
    ) -> None:
        """Defer, build the Command with `make`, ask the core, answer; tell admins of failures."""
        # Discord allows three seconds for the first response: defer at once.
        await defer(interaction, public=public)
        asker = asker_of(interaction)
        channel = str(interaction.channel_id) if interaction.channel_id is not None else ""
        caller = await caller_for(self.core, asker, channel)
        reply = check(caller) if check is not None else None
        if reply is None:
            reply = await self._reply(make, caller, asker)
        # Read before anything is sent: once the answer is out, this interaction is done.
        notice = await self.notices.notice(caller)
        await send_reply(interaction, reply, public=public)
        if notice is not None:
            await send_reply(interaction, notice, public=False)

    async def ask(
        self, interaction: discord.Interaction, question: Callable[..., Command], *, public: bool
    ) -> None:
        """Answer a question: `question` is build.question with the options already given."""
        await self.answer(
            interaction,
            lambda today, words: question(today=today, vocabulary=words),
            public=public,
        )

    async def _reply(self, make: Build, caller: Caller, asker: Asker) -> Reply:
        try:
            # The days typed are the caller's channel's; the words those of the series it sees.
            command = make(*await self.core.words_for(caller))
        except GrammarError as error:
            return self.refusal(error)
        # Outside the team's servers only questions are answered, whoever asks.
        refused = refused_here(asker, self.core.settings, command)
        if refused is not None:
            return refused
        return await self.core.execute(command, caller)

    def refusal(self, error: GrammarError) -> Reply:
        """Say what was wrong, with the subcommand's Discord usage (not the text syntax)."""
        command = self.get_command(error.verb) if error.verb else None
        if isinstance(command, app_commands.Command):
            return Reply.error(error.reason, f"Usage: {usage(command)}")
        return Reply.error(error.reason)

    async def series_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Offer the series the asker's team sees (the shared ones and its own) that contain
        what has been typed."""
        team = access_of(asker_of(interaction), self.core.settings).team
        names = await self.core.series_names(team)
        typed = current.casefold()
        return [app_commands.Choice(name=n, value=n) for n in names if typed in n.casefold()][:25]


def subcommand(
    verb: str, **described: str
) -> Callable[[Callback], app_commands.Command[Any, ..., None]]:
    """Make a method the subcommand of a verb, described as the grammar summarises it.

    Each option is described by `described`, else by the shared filter descriptions; a
    `series` option offers the series the database holds.
    """

    def decorate(callback: Callback) -> app_commands.Command[Any, ..., None]:
        parameters = inspect.signature(callback).parameters
        descriptions = {**FILTER_DESCRIPTIONS, **described}
        wanted = {name: text for name, text in descriptions.items() if name in parameters}
        callback = app_commands.describe(**wanted)(callback)
        if "series" in parameters:
            # Named through the class: discord.py then passes the group as `self`.
            callback = app_commands.autocomplete(series=AnsweringGroup.series_choices)(callback)
        description = sentence_case(VERBS[verb].summary)[:100]
        return app_commands.command(name=verb, description=description)(callback)

    return decorate
