"""Render a Reply as Slack Block Kit blocks, with the plain-text fallback Slack asks for."""

from __future__ import annotations

from typing import Any

from bot.commands.render_text import render_table, render_text
from bot.commands.replies import Reply

HEADER_LIMIT = 150  # Slack's limit for a header block's text
SECTION_LIMIT = 3000  # and for a section's
FALLBACK_LIMIT = 3000


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _cut(text, SECTION_LIMIT)}}


def render_blocks(reply: Reply) -> list[dict[str, Any]]:
    """Lay a reply out as blocks: the headline first, then its context and tables."""
    if reply.is_error:
        blocks = [_section(f":warning: {reply.headline}")]
    else:
        blocks = [
            {
                "type": "header",
                "text": {"type": "plain_text", "text": _cut(reply.headline, HEADER_LIMIT)},
            }
        ]
    if reply.details:
        blocks.append(_section("\n".join(reply.details)))
    for table in reply.tables:
        if table.rows:
            lines = render_table(table)
            blocks.append(_section(f"*{table.title}*\n```" + "\n".join(lines[1:]) + "```"))
    return blocks


def fallback_text(reply: Reply) -> str:
    """Return the text notifications and screen readers show."""
    return _cut(render_text(reply), FALLBACK_LIMIT)
