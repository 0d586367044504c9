"""Any text as a location through /incidents add: stored as typed, shown as typed, never a mention."""

from __future__ import annotations

import re
from typing import Any

from discord import app_commands
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.commands.core import Core
from bot.discord.text import fenced, unescape
from bot.domain.fields import clean_text
from tests.bot.discord.fake_discord import FakeDiscord, invoke
from tests.bot.discord.test_commands import OPS

PIECES = st.sampled_from(
    [
        "Al-Qa’im",
        "'",
        "’",
        "‘",
        '"',
        "“",
        "”",
        "«",
        "»",
        "<!channel>",
        "<!here>",
        "@everyone",
        "@here",
        "<@123456789012345678>",
        "<@&42>",
        "<#987654321>",
        "<t:1700000000:R>",
        "<:pause:1234>",
        "&",
        "&amp;",
        "**",
        "__",
        "~~",
        "||",
        "`",
        "```",
        "\\",
        "> ",
        "# ",
        "-# ",
        "1. ",
        "[x](https://e.org)",
        "🛰",
        "🇮🇶",
        "👩‍👩‍👧",
        "عين الأسد",
        "אילת",
        "\u200f",
        " ",
        "Tower 22",
    ]
)
LOCATIONS = st.lists(PIECES | st.text(max_size=4), min_size=1, max_size=8).map("".join)
# Mention syntax as Discord reads it in an embed, once escaped characters are taken out.
MENTION = re.compile(r"<[@#:]|<a:|<t:|</|@everyone|@here")


def live(text: str) -> str:
    """Replace each backslash-escaped character by a space: what is left is read as markup."""
    return re.sub(r"\\[^0-9A-Za-z\s]", " ", text)


def texts(payload: dict[str, Any]) -> list[str]:
    embed = payload["embeds"][0]
    found = [embed.get("title", ""), embed.get("description", "")]
    for field in embed.get("fields", []):
        found.append(field["name"])
        # Inside a code block Discord draws no mention and no markup.
        found.append(re.sub(r"```.*?```", "", field["value"], flags=re.S))
    return found


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(location=LOCATIONS)
async def test_any_location_survives_add_and_never_makes_a_mention(
    tree: tuple[Core, app_commands.CommandTree],
    fake_discord: FakeDiscord,
    location: str,
) -> None:
    stored = clean_text(location)
    assume(stored and len(stored) <= 48 and "http" not in stored)
    core, commands = tree
    await invoke(commands, "add", day="2024-07-16", location=location)
    added = fake_discord.followups[-1].payload
    assert added["embeds"][0]["title"].startswith("Recorded attack #"), added
    assert f", {stored}" in unescape(added["embeds"][0]["description"])
    [table] = (await core.handle("last 1", OPS)).tables
    assert table.rows[0][2] == stored  # stored exactly as typed (cleaned of control characters)
    await invoke(commands, "last", count=1)
    listed = fake_discord.followups[-1].payload
    assert fenced(stored) in listed["embeds"][0]["fields"][0]["value"]
    for payload in (added, listed):
        assert payload["allowed_mentions"] == {"parse": []}
        for text in texts(payload):
            assert not MENTION.search(live(text)), text
