"""Render a Reply as a Discord embed, within every limit Discord sets, saying what was left out.

Discord refuses a message whose embeds pass a limit (400, code 50035): a title of 256
characters, a description of 4,096, 25 fields of 1,024 (names 256), and 6,000 for all the
text of all the embeds of one message together. Tables are laid out in fields of whole rows,
each in its own code block with the column names; the rows that do not fit are left out and
the reply says how many, with how to see them (the reply's `see_more`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import discord

from bot.commands.render_text import left_out_note, lines_left_out, render_table, rows_left_out
from bot.discord.text import fenced, fit, size
from bot.domain.replies import Reply, Table

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_LIMIT = 1024
FIELDS_LIMIT = 25
MESSAGE_TOTAL = 6000  # all the embeds of one message together
NOTE_ROOM = 600  # kept for the field that says what was left out
NOTE_NAME = "Not shown"
FENCE = "```"
COLOUR = discord.Colour(0x1F4E79)
ERROR_COLOUR = discord.Colour(0xC00000)


@dataclass
class _Layout:
    """The embed's parts so far, the room left in the message, and what was left out."""

    budget: int
    used: int = 0
    fields: list[tuple[str, str]] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)

    def room(self, name: str, value: str, reserve: int) -> bool:
        """Say whether one more field fits, keeping room for the note."""
        fields = len(self.fields) + 1 + (1 if reserve else 0)
        return fields <= FIELDS_LIMIT and self.used + size(name) + size(value) + reserve <= (
            self.budget
        )

    def add(self, name: str, value: str) -> None:
        self.fields.append((name, value))
        self.used += size(name) + size(value)


def _lines(lines: list[str], limit: int) -> int:
    """Return how many whole lines, joined by newlines, fit in `limit`."""
    used = taken = 0
    for line in lines:
        grown = used + size(line) + (1 if taken else 0)
        if grown > limit:
            break
        used, taken = grown, taken + 1
    return taken


def _table_fields(layout: _Layout, table: Table, reserve: int) -> int:
    """Lay a table out in fields of whole rows; return how many rows fitted."""
    _, header, *rows = render_table(table)
    head = fenced(header)
    lines = [fenced(row)[: FIELD_LIMIT - size(head) - 10] for row in rows]
    shown = 0
    while shown < len(lines):
        # Each field repeats the column names, so that it reads on its own.
        title = table.title if shown == 0 else f"{table.title} (continued)"
        name = fit(title, FIELD_NAME_LIMIT, mentions=False)
        opening, closing = f"{FENCE}\n{head}\n", f"\n{FENCE}"
        taken = _lines(lines[shown:], FIELD_LIMIT - size(opening) - size(closing))
        while taken:
            value = opening + "\n".join(lines[shown : shown + taken]) + closing
            if layout.room(name, value, reserve):
                break
            taken -= 1
        if taken == 0:
            break
        layout.add(name, value)
        shown += taken
    return shown


def render_embed(reply: Reply, *, budget: int = MESSAGE_TOTAL) -> discord.Embed:
    """Lay a reply out as one embed: the headline as title, context below, tables as fields.

    `budget` is the room this embed may take of the message's 6,000 characters.
    """
    title = fit(reply.headline, min(TITLE_LIMIT, budget), mentions=False)
    layout = _Layout(budget=budget, used=size(title))
    reserve = NOTE_ROOM + size(NOTE_NAME)
    lines = [fit(line, DESCRIPTION_LIMIT) for line in reply.details]
    room = max(min(DESCRIPTION_LIMIT, budget - layout.used - reserve), 0)
    taken = _lines(lines, room)
    description = "\n".join(lines[:taken])
    layout.used += size(description)
    if taken < len(lines):
        layout.left_out.append(lines_left_out(len(lines) - taken))
    for table in reply.tables:
        if not table.rows:
            continue
        shown = _table_fields(layout, table, reserve)
        if shown < len(table.rows):
            layout.left_out.append(rows_left_out(shown, len(table.rows), table.title))
    embed = discord.Embed(
        title=title,
        description=description or None,
        colour=ERROR_COLOUR if reply.is_error else COLOUR,
    )
    for name, value in layout.fields:
        embed.add_field(name=name, value=value, inline=False)
    if layout.left_out:
        note = fit(left_out_note(layout.left_out, reply.see_more), NOTE_ROOM)
        embed.add_field(name=NOTE_NAME, value=note, inline=False)
    for attachment in reply.attachments[:1]:
        embed.set_image(url=f"attachment://{attachment.filename}")
    return embed


def embed_size(embed: discord.Embed) -> int:
    """Count an embed's text as Discord does against the message's 6,000."""
    parts = [embed.title or "", embed.description or "", embed.footer.text or ""]
    parts += [embed.author.name or ""]
    for item in embed.fields:
        parts += [item.name or "", item.value or ""]
    return sum(size(part) for part in parts)
