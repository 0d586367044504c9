"""Review on Discord: Approve / Reject buttons under a candidate, and /incidents source|review.

The buttons are dynamic items (their custom id names the decision and the candidate), so
they work on messages posted before a restart and on any replica; the decision is the
core's (admins only, once whoever clicks).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal

import discord
from discord import app_commands

from bot.commands import build
from bot.commands.core import Core
from bot.commands.grammar import Command, Vocabulary
from bot.discord.answer import caller_of
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
        reply = await core.execute(
            Command(verb="review", topic=self.decision, words=(str(self.candidate),)),
            caller_of(interaction, core),
        )
        if reply.is_error:
            # A refusal is told to the one who clicked; the buttons stay for an admin.
            await interaction.followup.send(embed=render_embed(reply), ephemeral=True)
            return
        await interaction.edit_original_response(embed=render_embed(reply), view=None)


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


def add_operations(group: app_commands.Group, answer: Any) -> None:
    """Add /incidents source and /incidents review (admins) to the group."""

    @group.command(name="source", description="Sources read on a schedule (admins)")
    @app_commands.describe(
        action="list, run, add or remove",
        name="The source's name",
        details='For add: e.g. "kind:csv url:https://... reviewed every:1h"',
    )
    async def source(
        interaction: discord.Interaction,
        action: Literal["list", "run", "add", "remove"],
        name: str | None = None,
        details: str | None = None,
    ) -> None:
        await answer(
            interaction, lambda today, words: build.operation("source", action, name, details)
        )

    @group.command(name="review", description="Incidents waiting for review (admins)")
    @app_commands.describe(action="list, approve or reject", review="The review's number")
    async def review(
        interaction: discord.Interaction,
        action: Literal["list", "approve", "reject"],
        review: app_commands.Range[int, 1, 2_000_000_000] | None = None,
    ) -> None:
        number = str(review) if review is not None else None

        def make(today: date, words: Vocabulary) -> Command:
            return build.operation("review", action, number)

        await answer(interaction, make)
