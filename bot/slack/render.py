"""Render a Reply as Slack Block Kit blocks, with the plain-text fallback Slack asks for.

Everything stays within Slack's limits: at most 50 blocks, 3,000 characters a section, 150 a
header, and about 12,000 for all the blocks' text together (beyond it Slack refuses the message
with msg_blocks_too_long). A table is split across sections between rows, each part in its own
code fence; rows that do not fit are left out and the reply says so, with how to see them.
Buttons come last (a review's Approve / Reject, a question's choices), their room kept first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.commands.render_text import left_out_note, lines_left_out, render_table, rows_left_out
from bot.domain.replies import Reply, Table
from bot.slack.text import escape, fit

BLOCK_LIMIT = 50  # blocks in one message
HEADER_LIMIT = 150  # a header block's text
SECTION_LIMIT = 3000  # a section's text
TEXT_BUDGET = 11_000  # all the blocks' text; Slack's undocumented total is about 12,000
FALLBACK_LIMIT = 3000
BUTTON_LIMIT = 75  # a button's text
BUTTONS_LIMIT = 25  # elements in one actions block
FENCE = "```"
# Room kept for the block that says what was left out.
NOTE_ROOM = 600


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": fit(text, HEADER_LIMIT)}}


def _fenced(line: str) -> str:
    # A cell holding ``` would end the code block early: keep backticks from running together.
    return escape(line).replace("``", "`\u200b`").replace("``", "`\u200b`")


@dataclass
class _Layout:
    """Blocks laid out so far, how much room is left, and what was left out."""

    blocks: list[dict[str, Any]] = field(default_factory=list)
    used: int = 0
    left_out: list[str] = field(default_factory=list)
    # Blocks kept for the end (the buttons), whose text is counted in `used` from the start.
    tail: int = 0

    def room(self, size: int, reserve: int) -> bool:
        """Say whether one more block of `size` characters fits, keeping `reserve` free."""
        return (
            len(self.blocks) + 1 + (1 if reserve else 0) + self.tail <= BLOCK_LIMIT
            and self.used + size + reserve <= TEXT_BUDGET
        )

    def add(self, block: dict[str, Any], text: str) -> None:
        self.blocks.append(block)
        self.used += len(text)


def _section_of(
    layout: _Layout, lines: list[str], *, opening: str = "", closing: str = "", reserve: int
) -> int:
    """Add one section of as many whole lines as fit, between `opening` and `closing`.

    Return how many lines it holds: 0 when not even the first fits the message any more.
    """
    size = len(opening) + len(closing)
    taken = 0
    for line in lines:
        grown = size + len(line) + (1 if opening or taken else 0)
        if grown > SECTION_LIMIT:
            break
        size, taken = grown, taken + 1
    while taken and not layout.room(size, reserve):
        taken -= 1
        size -= len(lines[taken]) + (1 if opening or taken else 0)
    if taken:
        body = "\n".join(lines[:taken])
        text = f"{opening}\n{body}{closing}" if opening else f"{body}{closing}"
        layout.add(_section(text), text)
    return taken


def _line_sections(layout: _Layout, lines: list[str], reserve: int) -> int:
    """Lay lines of text into sections; return how many fitted."""
    shown = 0
    while shown < len(lines):
        taken = _section_of(layout, lines[shown:], reserve=reserve)
        if taken == 0:
            break
        shown += taken
    return shown


def _table_sections(layout: _Layout, table: Table, reserve: int) -> int:
    """Lay a table out in fenced sections of whole rows; return how many rows fitted."""
    _, header, *rows = render_table(table)
    lines = [_fenced(row) for row in rows]
    title = escape(table.title)
    shown = 0
    while shown < len(lines):
        # Each part repeats the column names, so that it reads on its own.
        named = f"*{title}*" if shown == 0 else f"*{title} (continued)*"
        taken = _section_of(
            layout,
            lines[shown:],
            opening=f"{named}\n{FENCE}{_fenced(header)}",
            closing=FENCE,
            reserve=reserve,
        )
        if taken == 0:
            break
        shown += taken
    return shown


def render_blocks(reply: Reply) -> list[dict[str, Any]]:
    """Lay a reply out as blocks: the headline first, then its context and tables, then buttons."""
    buttons = [actions_block(reply)] if reply.actions else []
    if reply.choices:
        buttons.append(choices_block(reply.choices))
    layout = _Layout(used=sum(map(_buttons_text, buttons)), tail=len(buttons))
    if reply.is_error:
        text = fit(f":warning: {reply.headline}", SECTION_LIMIT)
        layout.add(_section(text), text)
    else:
        block = _header(reply.headline)
        layout.add(block, block["text"]["text"])
    if reply.details:
        lines = [fit(line, SECTION_LIMIT) for line in reply.details]
        shown = _line_sections(layout, lines, NOTE_ROOM)
        if shown < len(lines):
            layout.left_out.append(lines_left_out(len(lines) - shown))
    for table in reply.tables:
        if not table.rows:
            continue
        shown = _table_sections(layout, table, NOTE_ROOM)
        if shown < len(table.rows):
            layout.left_out.append(rows_left_out(shown, len(table.rows), table.title))
    if layout.left_out:
        text = fit(left_out_note(layout.left_out, reply.see_more), NOTE_ROOM)
        layout.add(_section(text), text)
    return layout.blocks + buttons


ACTIONS_BLOCK = "pausewatch_actions"
CHOICES_BLOCK = "pausewatch_choices"
# The choice buttons' action ids, pausewatch_choice_1, _2, ...: what Bolt listens for.
CHOICE_ACTIONS = re.compile(r"^pausewatch_choice_\d+$")
_USER_ID = re.compile(r"[A-Z0-9][A-Z0-9-]{0,30}")


def _buttons_text(block: dict[str, Any]) -> int:
    return sum(len(element["text"]["text"]) for element in block["elements"])


def action_id(name: str) -> str:
    """Name a button's action as Bolt listens for it: `review approve` → review_approve."""
    return name.replace(" ", "_")


def actions_block(reply: Reply) -> dict[str, Any]:
    """The reply's buttons (Approve / Reject), each carrying what it acts on as its value."""
    return {
        "type": "actions",
        "block_id": ACTIONS_BLOCK,
        "elements": [
            {
                "type": "button",
                "action_id": action_id(action.name),
                "text": {"type": "plain_text", "text": fit(action.label, BUTTON_LIMIT)},
                "value": str(action.target),
                "style": "danger" if action.danger else "primary",
            }
            for action in reply.actions[:BUTTONS_LIMIT]
        ],
    }


def choices_block(choices: tuple[str, ...]) -> dict[str, Any]:
    """A button per reading offered, numbered from 1 as the reply's details number them.

    Its value is the number: a click is answered as typing the number in the thread would be.
    """
    return {
        "type": "actions",
        "block_id": CHOICES_BLOCK,
        "elements": [
            {
                "type": "button",
                "action_id": f"pausewatch_choice_{number}",
                "text": {"type": "plain_text", "text": fit(label, BUTTON_LIMIT)},
                "value": str(number),
            }
            for number, label in enumerate(choices[:BUTTONS_LIMIT], start=1)
        ],
    }


def closed_offer(blocks: list[Any], number: str, user: str) -> list[dict[str, Any]]:
    """Return an offer's blocks (as Slack gave them back) with its buttons replaced by the pick."""
    kept = [b for b in blocks if isinstance(b, dict) and b.get("block_id") != CHOICES_BLOCK]
    label = next(
        (
            button["text"]
            for block in blocks
            if isinstance(block, dict) and block.get("block_id") == CHOICES_BLOCK
            for button in block.get("elements", [])
            if button.get("value") == number and isinstance(button.get("text"), dict)
        ),
        None,
    )
    # A user id as Slack writes them; anything else is not put in a mention.
    who = f"<@{user}>" if _USER_ID.fullmatch(user) else "Someone"
    elements: list[dict[str, Any]] = [{"type": "mrkdwn", "text": f"{who} chose {escape(number)}:"}]
    if label is not None:
        # The button's own text, as Slack gave it back: shown as the button showed it.
        elements.append({"type": "plain_text", "text": str(label.get("text", ""))[:BUTTON_LIMIT]})
    return [*kept, {"type": "context", "elements": elements}]


def fallback_text(reply: Reply) -> str:
    """Return the text notifications and screen readers show, cut between lines."""
    lines = [reply.headline, *reply.details]
    for table in reply.tables:
        if table.rows:
            lines += ["", *render_table(table)]
    kept: list[str] = []
    length = 0
    room = FALLBACK_LIMIT - NOTE_ROOM
    for line in lines:
        escaped = fit(line, room) if not kept else escape(line)
        if length + len(escaped) + 1 > room:
            note = "…"
            if reply.see_more:
                note += f" {reply.see_more}"
            kept.append(fit(note, NOTE_ROOM - 1))
            break
        kept.append(escaped)
        length += len(escaped) + 1
    return "\n".join(kept)
