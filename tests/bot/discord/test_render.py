"""Long answers on Discord: within every embed limit, whole rows only, what was left out said."""

from __future__ import annotations

import csv
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from discord import app_commands

from bot.commands.core import Caller, Core
from bot.commands.imports import import_file
from bot.commands.render_text import render_table
from bot.discord.render import (
    DESCRIPTION_LIMIT,
    FIELD_LIMIT,
    FIELD_NAME_LIMIT,
    FIELDS_LIMIT,
    MESSAGE_TOTAL,
    TITLE_LIMIT,
    render_embed,
)
from bot.discord.text import fenced, size, unescape
from bot.domain.replies import Reply, Table
from tests.bot.discord.fake_discord import CHANNEL_ID, FakeDiscord, invoke

ADMIN = Caller("42", True, "discord", CHANNEL_ID)
SHOWING = re.compile(r"Showing ([0-9,]+) of ([0-9,]+) rows")


def check_limits(embeds: list[dict[str, Any]]) -> None:
    """Assert Discord's limits on one message's embeds."""
    assert len(embeds) <= 10
    total = 0
    for embed in embeds:
        title, description = embed.get("title", ""), embed.get("description", "")
        assert size(title) <= TITLE_LIMIT and size(description) <= DESCRIPTION_LIMIT
        fields = embed.get("fields", [])
        assert len(fields) <= FIELDS_LIMIT
        for field in fields:
            assert size(field["name"]) <= FIELD_NAME_LIMIT
            assert size(field["value"]) <= FIELD_LIMIT
            assert field["value"].count("```") % 2 == 0, "a code block left open"
        total += size(title) + size(description)
        total += sum(size(f["name"]) + size(f["value"]) for f in fields)
    assert total <= MESSAGE_TOTAL


def shown_rows(embed: dict[str, Any]) -> list[str]:
    """The table rows shown, in order, without the column names that start each field."""
    rows: list[str] = []
    for field in embed.get("fields", []):
        if field["value"].startswith("```\n"):
            rows.extend(field["value"].removeprefix("```\n").removesuffix("\n```").split("\n")[1:])
    return rows


@pytest.fixture
async def five_hundred(tree: tuple[Core, app_commands.CommandTree], tmp_path: Path) -> Any:
    """500 attacks on 500 days, with places full of markup and mentions."""
    core, _ = tree
    path = tmp_path / "many.csv"
    first = date(2020, 1, 1)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["date", "location", "country", "kind", "source"])
        for number in range(500):
            writer.writerow(
                [
                    (first + timedelta(days=number * 3 + number % 2)).isoformat(),
                    f"Tower 22 @everyone <@{number}> ```",
                    "Jordan",
                    "drone",
                    f"https://example.org/report?id={number}&lang=en",
                ]
            )
    result = await import_file(
        core.context, path, file_format="csv", series=None, caller=ADMIN, quiet=True
    )
    assert result.added == 500
    return tree


@pytest.mark.parametrize(
    ("subcommand", "options", "question", "rows"),
    [
        ("last", {"count": 500}, "last 500", 500),
        ("list", {"from": "2020-01-01"}, "list from:2020-01-01", 50),
        ("list", {"from": "2020-01-01", "limit": 500}, "list from:2020-01-01 limit:500", 500),
        ("pauses", {"limit": 200}, "pauses limit:200", 200),
    ],
)
async def test_a_long_answer_stays_within_discords_limits_and_says_what_it_left_out(
    five_hundred: tuple[Core, app_commands.CommandTree],
    fake_discord: FakeDiscord,
    subcommand: str,
    options: dict[str, Any],
    question: str,
    rows: int,
) -> None:
    core, commands = five_hundred
    reply = await core.handle(question, ADMIN)
    [table] = reply.tables
    assert len(table.rows) == rows
    expected = [fenced(row) for row in render_table(table)[2:]]
    await invoke(commands, subcommand, **options)
    embeds = fake_discord.followups[-1].payload["embeds"]
    check_limits(embeds)
    [embed] = embeds
    shown = shown_rows(embed)
    # Whole rows, in order, from the first: none cut, none repeated.
    assert shown == expected[: len(shown)]
    assert len(shown) >= 10  # as much as fits is shown, not a token few
    assert len(shown) < rows
    note = embed["fields"][-1]
    assert note["name"] == "Not shown"
    assert SHOWING.search(note["value"]).groups() == (f"{len(shown):,}", f"{rows:,}")
    assert reply.see_more in unescape(note["value"])
    assert "@everyone" not in embed.get("description", "").replace("\\@", "")


def test_details_longer_than_the_description_are_cut_between_lines() -> None:
    reply = Reply(headline="x" * 400, details=tuple(f"line {n} " + "*" * 90 for n in range(200)))
    embed = render_embed(reply).to_dict()
    check_limits([embed])  # type: ignore[list-item]
    assert embed["title"].endswith("…") and size(embed["title"]) == TITLE_LIMIT
    lines = embed["description"].split("\n")
    assert [unescape(line) for line in lines] == list(reply.details[: len(lines)])
    [note] = embed["fields"]
    assert note["value"].startswith(f"{200 - len(lines)} more lines")


def test_emoji_count_twice_as_discord_counts_them() -> None:
    reply = Reply(headline="h", details=("🛰" * 3000,))
    embed = render_embed(reply).to_dict()
    check_limits([embed])  # type: ignore[list-item]
    assert size(embed.get("description", "")) <= DESCRIPTION_LIMIT


def test_a_cell_holding_backticks_cannot_close_the_code_block() -> None:
    reply = Reply(headline="h", tables=(Table("T", ("where",), (("a```b",), ("``",))),))
    [field] = render_embed(reply).to_dict()["fields"]  # type: ignore[typeddict-item]
    assert field["value"].count("```") == 2
