"""Render a Reply as plain text for the terminal and the CLI."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.replies import CHANNEL_CLOSE, CHANNEL_OPEN, Reply, Table

MAX_CELL = 48


def render_text(reply: Reply) -> str:
    """Lay a reply out as lines of plain text."""
    lines = [reply.headline, *reply.details]
    for table in reply.tables:
        lines += ["", *render_table(table)]
    return plain("\n".join(lines))


def plain(text: str) -> str:
    """Write the channels a reply names as #channel."""
    return text.replace(CHANNEL_OPEN, "#").replace(CHANNEL_CLOSE, "")


def render_table(table: Table) -> list[str]:
    """Lay a table out in aligned columns, leaving out columns that are empty in every row."""
    keep = [i for i in range(len(table.columns)) if any(row[i] for row in table.rows)]
    cells = [[_cut(row[i]) for i in keep] for row in table.rows]
    header = [table.columns[i] for i in keep]
    widths = [max(len(c) for c in column) for column in zip(header, *cells, strict=True)]

    def line(values: list[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    return [f"{table.title}:", line(header), *(line(row) for row in cells)]


def _cut(text: str) -> str:
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def rows_left_out(shown: int, total: int, title: str) -> str:
    """Say how many rows of a table a reply shows (every platform says it the same way)."""
    return f"Showing {shown:,} of {total:,} rows of {title.lower()}"


def lines_left_out(count: int) -> str:
    """Say how many lines of a reply's context were left out."""
    return f"{count:,} more lines"


def left_out_note(left_out: Sequence[str], see_more: str) -> str:
    """Say what a renderer could not show within its platform's limits, and how to see it."""
    note = "; ".join(left_out) + "."
    return f"{note} {see_more}" if see_more else note
