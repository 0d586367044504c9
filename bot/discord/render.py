"""Render a Reply as a Discord embed."""

from __future__ import annotations

import discord

from bot.commands.render_text import render_table
from bot.commands.replies import Reply

TITLE_LIMIT = 256  # Discord's limits for an embed
DESCRIPTION_LIMIT = 4096
FIELD_LIMIT = 1024
FIELDS_LIMIT = 25
COLOUR = discord.Colour(0x1F4E79)
ERROR_COLOUR = discord.Colour(0xC00000)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_embed(reply: Reply) -> discord.Embed:
    """Lay a reply out as one embed: the headline as title, context below, tables as fields."""
    embed = discord.Embed(
        title=_cut(reply.headline, TITLE_LIMIT),
        description=_cut("\n".join(reply.details), DESCRIPTION_LIMIT) or None,
        colour=ERROR_COLOUR if reply.is_error else COLOUR,
    )
    for table in reply.tables[:FIELDS_LIMIT]:
        if table.rows:
            lines = render_table(table)[1:]
            block = _cut("\n".join(lines), FIELD_LIMIT - 8)
            embed.add_field(name=table.title, value=f"```\n{block}\n```", inline=False)
    for attachment in reply.attachments[:1]:
        embed.set_image(url=f"attachment://{attachment.filename}")
    return embed
