"""Review on Discord: Approve / Reject buttons under a candidate, decided through the core.

The buttons are dynamic items (their custom id names the decision and the candidate), so
they work on messages posted before a restart and on any replica; the decision is the
core's (admins only, once whoever clicks).
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.commands.command import Command
from bot.commands.core import Core
from bot.discord.access import access_of, refusal, refused_here
from bot.discord.answer import asker_of, caller_of
from bot.discord.render import render_embed
from bot.domain.replies import Reply

TEMPLATE = r"pausewatch:review:(?P<decision>approve|reject):(?P<id>[0-9]{1,10})"


def custom_id(decision: str, candidate: int) -> str:
    """Name a review button as Discord gives it back on a click."""
    return f"pausewatch:review:{decision}:{candidate}"


class ReviewButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=TEMPLATE):
    """One review button; clicking it asks the core to decide the candidate."""

    def __init__(self, decision: str, candidate: int, label: str = "", danger: bool = False):
        super().__init__(
            discord.ui.Button(
                label=label or decision.capitalize(),
                style=discord.ButtonStyle.danger if danger else discord.ButtonStyle.success,
                custom_id=custom_id(decision, candidate),
            )
        )
        self.decision = decision
        self.candidate = candidate

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ReviewButton:
        """Rebuild the button a click names."""
        return cls(match["decision"], int(match["id"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Defer at once (three seconds), decide through the core, then replace the buttons."""
        core: Core = interaction.client.core
        await interaction.response.defer()
        command = Command(verb="review", topic=self.decision, words=(str(self.candidate),))
        reply = self._refused(interaction, core, command) or await core.execute(
            command, await caller_of(interaction, core)
        )
        if reply.is_error:
            # A refusal is told to the one who clicked; the buttons stay for an admin.
            await interaction.followup.send(embed=render_embed(reply), ephemeral=True)
            return
        await interaction.edit_original_response(embed=render_embed(reply), view=None)

    @staticmethod
    def _refused(
        interaction: discord.Interaction[Any], core: Core, command: Command
    ) -> Reply | None:
        """Refuse a click where the bot does not answer, or where nothing may be decided."""
        asker = asker_of(interaction)
        if not access_of(asker, core.settings).answered:
            return refusal(asker)
        return refused_here(asker, core.settings, command)


def review_view(reply: Reply) -> discord.ui.View:
    """The buttons of a reply, as a view to send with it."""
    view = discord.ui.View(timeout=None)
    for action in reply.actions[:25]:
        decision = action.name.removeprefix("review ")
        view.add_item(ReviewButton(decision, action.target, action.label, action.danger))
    return view


def register(client: discord.Client) -> None:
    """Let the client dispatch clicks on review buttons, whenever they were posted."""
    client.add_dynamic_items(ReviewButton)
