"""Long answers on Slack: within every limit, never a row or a code fence cut, the rest said."""

from __future__ import annotations

import csv
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.commands.core import Caller
from bot.commands.imports import import_file
from bot.commands.render_text import render_table
from bot.domain.replies import Action, Reply, Table
from bot.slack.render import (
    BLOCK_LIMIT,
    CHOICE_ACTIONS,
    FALLBACK_LIMIT,
    HEADER_LIMIT,
    SECTION_LIMIT,
    TEXT_BUDGET,
    fallback_text,
    render_blocks,
)
from bot.slack.text import escape
from tests.bot.slack.signed import SlackBot

ADMIN = Caller("U-ADMIN", True, "slack", "C-OPS")
FENCED = re.compile(r"```(.*?)```", re.S)
SHOWING = re.compile(r"Showing ([0-9,]+) of ([0-9,]+) rows")


def check_limits(blocks: list[dict[str, Any]], fallback: str) -> None:
    """Assert Slack's limits on one message."""
    assert len(blocks) <= BLOCK_LIMIT
    total = 0
    for block in blocks:
        if block["type"] == "actions":
            total += sum(len(button["text"]["text"]) for button in block["elements"])
            continue
        text = block["text"]["text"]
        total += len(text)
        if block["type"] == "header":
            assert len(text) <= HEADER_LIMIT
        else:
            assert len(text) <= SECTION_LIMIT
            assert text.count("```") % 2 == 0, "a code fence left open"
    assert total <= TEXT_BUDGET
    assert len(fallback) <= FALLBACK_LIMIT


def shown_rows(blocks: list[dict[str, Any]]) -> list[str]:
    """The table rows shown, in order, without the column names that start each part."""
    rows: list[str] = []
    for block in blocks:
        for fenced in FENCED.findall(block["text"]["text"]):
            rows.extend(fenced.split("\n")[1:])
    return rows


@pytest.fixture
async def five_hundred(slack_bot: SlackBot, tmp_path: Path) -> SlackBot:
    """500 attacks on 500 days, with places that grow when escaped."""
    path = tmp_path / "many.csv"
    first = date(2020, 1, 1)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["date", "location", "country", "kind", "source"])
        for number in range(500):
            writer.writerow(
                [
                    (first + timedelta(days=number * 3 + number % 2)).isoformat(),
                    f"Tower 22 & Al-Tanf <{number}>",
                    "Jordan",
                    "drone",
                    f"https://example.org/report?id={number}&lang=en",
                ]
            )
    result = await import_file(
        slack_bot.core.context, path, file_format="csv", series=None, caller=ADMIN, quiet=True
    )
    assert result.added == 500
    return slack_bot


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        ("last 200", 200),
        ("list from:2020-01-01 limit:500", 500),
        ("list from:2020-01-01", 50),
        ("pauses limit:500", 499),
    ],
)
async def test_a_long_answer_stays_within_slacks_limits_and_says_what_it_left_out(
    five_hundred: SlackBot, question: str, rows: int
) -> None:
    bot = five_hundred
    reply = await bot.core.handle(question, ADMIN)
    [table] = reply.tables
    assert len(table.rows) == rows
    expected = [escape(row) for row in render_table(table)[2:]]
    assert await bot.command(question, trigger=f"T-{question}") == 200
    [answer] = await bot.answered(1)
    blocks = answer["blocks"]
    check_limits(blocks, answer["text"])
    shown = shown_rows(blocks)
    # Whole rows, in order, from the first: none cut, none repeated.
    assert shown == expected[: len(shown)]
    if len(shown) < rows:
        note = blocks[-1]["text"]["text"]
        assert SHOWING.search(note).groups() == (f"{len(shown):,}", f"{rows:,}")
        assert escape(reply.see_more) in note
    assert len(shown) >= min(rows, 40)  # as much as fits is shown, not a token few
    # The fallback is cut between lines too, and says how to see the rest.
    fallback_lines = answer["text"].split("\n")
    every_line = {escape(line) for line in [reply.headline, *reply.details, *render_table(table)]}
    assert set(fallback_lines[:-1]) <= every_line | {""}


def test_details_longer_than_a_section_are_split_between_lines() -> None:
    reply = Reply(headline="x" * 400, details=tuple(f"line {n} " + "&" * 90 for n in range(200)))
    blocks = render_blocks(reply)
    check_limits(blocks, fallback_text(reply))
    assert blocks[0]["text"]["text"].endswith("…") and len(blocks[0]["text"]["text"]) == 150
    lines = [line for b in blocks[1:-1] for line in b["text"]["text"].split("\n")]
    assert lines == [escape(d) for d in reply.details[: len(lines)]]
    assert blocks[-1]["text"]["text"].startswith(f"{200 - len(lines)} more lines")


def test_a_cell_holding_backticks_cannot_close_the_code_fence() -> None:
    reply = Reply(headline="h", tables=(Table("T", ("where",), (("a```b",), ("``",))),))
    [_, section] = render_blocks(reply)
    assert section["text"]["text"].count("```") == 2


def test_choices_are_buttons_numbered_as_the_details_number_them() -> None:
    choices = ("location:Ain al-Asad", "location:Ain al-Assad", "Tower 22 & " + "x" * 100)
    details = ("Which did you mean?", *(f"{n}. {c}" for n, c in enumerate(choices, start=1)))
    reply = Reply(headline="Which place?", details=details, choices=choices)
    blocks = render_blocks(reply)
    check_limits(blocks, fallback_text(reply))
    buttons = blocks[-1]
    assert buttons["type"] == "actions" and buttons["block_id"] == "pausewatch_choices"
    ids = [b["action_id"] for b in buttons["elements"]]
    assert ids == ["pausewatch_choice_1", "pausewatch_choice_2", "pausewatch_choice_3"]
    assert all(CHOICE_ACTIONS.fullmatch(i) for i in ids)
    assert [b["value"] for b in buttons["elements"]] == ["1", "2", "3"]
    labels = [b["text"]["text"] for b in buttons["elements"]]
    assert labels[:2] == list(choices[:2])
    assert len(labels[2]) == 75 and labels[2].startswith("Tower 22 &amp; x")
    assert labels[2].endswith("…")
    # The details list the same choices, numbered.
    assert "1. location:Ain al-Asad" in fallback_text(reply)


def test_a_reply_without_choices_has_no_choice_buttons() -> None:
    blocks = render_blocks(Reply(headline="h", details=("1. a", "2. b")))
    assert all(block["type"] != "actions" for block in blocks)


def test_buttons_keep_their_room_in_a_reply_that_fills_the_message() -> None:
    choices = tuple(f"reading {n} " + "y" * 80 for n in range(30))
    reply = Reply(
        headline="h",
        details=tuple(f"line {n} " + "z" * 1990 for n in range(60)),
        actions=(Action("review approve", 1, "Approve"), Action("review reject", 1, "Reject")),
        choices=choices,
    )
    blocks = render_blocks(reply)
    check_limits(blocks, fallback_text(reply))
    review, offered = blocks[-2:]
    assert [b["action_id"] for b in review["elements"]] == ["review_approve", "review_reject"]
    # Slack takes at most 25 elements in an actions block.
    assert len(offered["elements"]) == 25
    assert "more lines" in blocks[-3]["text"]["text"]  # the rest said, before the buttons
