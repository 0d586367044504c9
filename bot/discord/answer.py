"""Answering an interaction: who asked, and the reply sent back with no mention allowed."""

from __future__ import annotations

import io

import discord

from bot.commands.core import Caller, Core
from bot.commands.replies import Reply
from bot.discord.render import render_embed

# Nothing we send may ping anyone, whatever the text holds (a location "@everyone").
NO_MENTIONS = discord.AllowedMentions.none()


def caller_of(interaction: discord.Interaction, core: Core) -> Caller:
    """Say who asked: an admin by user id (PAUSEWATCH_ADMINS) or by the configured role."""
    user = interaction.user
    by_id = core.settings.is_admin(str(user.id))
    roles = getattr(user, "roles", [])
    by_role = any(role.name == core.settings.discord_admin_role for role in roles)
    channel = str(interaction.channel_id) if interaction.channel_id is not None else ""
    return Caller(str(user.id), by_id or by_role, "discord", channel)


async def send_reply(interaction: discord.Interaction, reply: Reply, *, public: bool) -> None:
    """Send a reply to an interaction, as its first response or as a followup after a defer.

    After a defer, the first followup takes the place of "thinking…" and is as private or
    public as the defer was; a later one (a notice for admins) is private when asked.
    """
    files = [discord.File(io.BytesIO(a.content), filename=a.filename) for a in reply.attachments]
    ephemeral = not public or reply.is_error
    embed = render_embed(reply)
    if interaction.response.is_done():
        await interaction.followup.send(
            embed=embed, files=files, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS
        )
    else:
        await interaction.response.send_message(
            embed=embed, files=files, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS
        )
