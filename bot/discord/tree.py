"""The command tree with pausewatch's one error boundary: every failure is answered.

A subcommand defers at once, so Discord shows "thinking…" until a followup comes. Whatever
fails after that (the database, a refused send, a bug), the person who asked gets a short
message with an id to quote, and the log gets the traceback under that id. The message is
theirs alone even after a public defer (bot/discord/answer.py make_private).
"""

from __future__ import annotations

import logging
import uuid

import discord
from discord import app_commands

from bot.commands.core import Core
from bot.discord.access import access_of, refusal
from bot.discord.answer import NO_MENTIONS, asker_of, make_private, send_reply
from bot.discord.commands import build_group
from bot.domain.replies import Reply

log = logging.getLogger(__name__)


def failure_reply(error: app_commands.AppCommandError, error_id: str) -> Reply:
    """Say what went wrong in words the person can act on."""
    if isinstance(error, app_commands.CommandSignatureMismatch | app_commands.CommandNotFound):
        return Reply.error(
            "This command has just changed; Discord will have the new one within a minute. "
            "Try again then."
        )
    if isinstance(error, app_commands.TransformerError):
        return Reply.error(f"{error}. `/incidents help` shows what each option takes.")
    return Reply.error(f"Something went wrong (error {error_id}); an admin can look it up.")


class PausewatchTree(app_commands.CommandTree[discord.Client]):
    """A command tree that answers only where the settings allow, and answers every failure."""

    def __init__(self, client: discord.Client, core: Core) -> None:
        super().__init__(client)
        self.core = core

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Refuse, briefly, an interaction from a server (or a DM) the settings do not allow."""
        asker = asker_of(interaction)
        if access_of(asker, self.core.settings).answered:
            return True
        log.info("refused an interaction from server %s, user %s", asker.guild_id, asker.user_id)
        if interaction.type is discord.InteractionType.autocomplete:
            await interaction.response.autocomplete([])
        else:
            await send_reply(interaction, refusal(asker), public=False)
        return False

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError, /
    ) -> None:
        error_id = uuid.uuid4().hex[:8]
        cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        log.error(
            "error %s in /%s",
            error_id,
            getattr(interaction.command, "qualified_name", "?"),
            exc_info=cause,
        )
        reply = failure_reply(error, error_id)
        try:
            await send_reply(interaction, reply, public=False)
        except discord.HTTPException:
            # The embed itself may be what Discord refuses: try once more as plain text.
            try:
                await _plain(interaction, reply.headline)
            except discord.HTTPException:
                log.warning("error %s could not be told to the user", error_id, exc_info=True)


async def _plain(interaction: discord.Interaction, text: str) -> None:
    if interaction.response.is_done():
        await make_private(interaction)
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
    else:
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)


def build_tree(client: discord.Client, core: Core) -> PausewatchTree:
    """Make the command tree holding /incidents, bound to the command core."""
    tree = PausewatchTree(client, core)
    tree.add_command(build_group(core))
    return tree
