"""Answering an interaction: who asked, and the reply sent back with no mention allowed."""

from __future__ import annotations

import io

import discord

from bot.commands.core import Caller, Core
from bot.commands.teams import team_admin
from bot.discord.access import Asker, access_of
from bot.discord.render import render_embed
from bot.domain.replies import Reply

# Nothing we send may ping anyone, whatever the text holds (a location "@everyone").
NO_MENTIONS = discord.AllowedMentions.none()
# Set in Interaction.extras while a public "thinking…" awaits its first followup.
_PUBLIC_THINKING = "pausewatch.public_thinking"


def asker_of(interaction: discord.Interaction) -> Asker:
    """Read who asked and where from an interaction, as Discord sent it."""
    user = interaction.user
    # The role ids Discord sent with the interaction: Member.roles keeps only the roles of a
    # server already in discord.py's cache, which a server still loading lacks.
    role_ids = frozenset(getattr(user, "_roles", ()))
    return Asker(
        user_id=user.id,
        guild_id=interaction.guild_id,
        role_ids=role_ids,
        # Discord computes the member's permissions for the interaction's channel.
        manages_server=interaction.guild_id is not None and _manages(interaction.permissions),
    )


def _manages(permissions: discord.Permissions) -> bool:
    return permissions.manage_guild or permissions.administrator


async def caller_of(interaction: discord.Interaction, core: Core) -> Caller:
    """Say who asked, from which team, and whether they are its admin."""
    channel = str(interaction.channel_id) if interaction.channel_id is not None else ""
    return await caller_for(core, asker_of(interaction), channel)


async def caller_for(core: Core, asker: Asker, channel: str) -> Caller:
    """Say who asked in `channel`, for which team, and whether they are its admin.

    Only an operator, or a member of an allowed server whom Discord's permissions, the
    configured role ids or the team's named admins make one, is (bot/discord/access.py).
    """
    access = access_of(asker, core.settings)
    user = str(asker.user_id)
    admin = access.operator or (
        access.trusted
        and await team_admin(
            core.context,
            team=access.team,
            user=user,
            born_admin=access.born_admin,
            role_ids=access.role_ids,
        )
    )
    return Caller(user, admin, "discord", channel, team=access.team)


async def defer(interaction: discord.Interaction, *, public: bool) -> None:
    """Defer with "thinking…", shown to the channel when the answer will be public."""
    await interaction.response.defer(ephemeral=not public, thinking=True)
    if public:
        interaction.extras[_PUBLIC_THINKING] = True


async def make_private(interaction: discord.Interaction) -> None:
    """Delete a public "thinking…" still awaiting its followup, so the next one may be private.

    Discord shows the first followup after a defer as public or private as the defer was,
    whatever the followup's own ephemeral flag says; with the deferred message deleted, a
    followup is a new message that keeps its flag. An error goes to the asker alone this way.
    """
    if interaction.extras.pop(_PUBLIC_THINKING, False):
        await interaction.delete_original_response()


async def send_reply(interaction: discord.Interaction, reply: Reply, *, public: bool) -> None:
    """Send a reply to an interaction, as its first response or as a followup after a defer.

    After a defer, the first followup takes the place of "thinking…"; a private one (an
    error, a notice for admins) first deletes a public "thinking…" (see make_private).
    """
    files = [discord.File(io.BytesIO(a.content), filename=a.filename) for a in reply.attachments]
    ephemeral = not public or reply.is_error
    embed = render_embed(reply)
    if interaction.response.is_done():
        if ephemeral:
            await make_private(interaction)
        await interaction.followup.send(
            embed=embed, files=files, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS
        )
        # "thinking…" is answered: later followups are shown as their own flag says.
        interaction.extras.pop(_PUBLIC_THINKING, None)
    else:
        await interaction.response.send_message(
            embed=embed, files=files, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS
        )
