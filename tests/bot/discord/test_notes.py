"""/incidents note and /incidents chart with:, through discord.py's command tree and HTTP layer."""

from __future__ import annotations

from discord import app_commands

from bot.commands.core import Core
from bot.discord.text import unescape
from tests.bot.discord.fake_discord import FakeDiscord, invoke
from tests.bot.discord.test_commands import OPS, last_embed, shown

TEXT = "U.S. strikes on 85 targets, “Iraq and Syria”"  # typographic quotes, as phones type


async def test_a_note_is_added_listed_and_deleted_from_discord(
    tree: tuple[Core, app_commands.CommandTree], fake_discord: FakeDiscord
) -> None:
    core, commands = tree
    await invoke(commands, "note", action="add", day="2024-02-02", text=TEXT)
    assert unescape(last_embed(fake_discord)["title"]) == "Noted on 2 Feb 2024 in attacks: note #1"
    await invoke(commands, "note", action="list", user="7")  # anyone reads them
    assert TEXT in shown(last_embed(fake_discord))
    [table] = (await core.handle("note list", OPS)).tables
    assert table.rows == (("#1", "2 Feb 2024", TEXT),)  # stored as typed, quotes and all
    await invoke(commands, "note", action="delete", note=1)
    assert unescape(last_embed(fake_discord)["title"]) == "Deleted note #1 of attacks"


async def test_a_bad_note_gets_discords_own_usage_and_stores_nothing(
    tree: tuple[Core, app_commands.CommandTree], fake_discord: FakeDiscord
) -> None:
    core, commands = tree
    await invoke(commands, "note", action="add", day="2024-02-02", text="   ")
    embed = last_embed(fake_discord)
    assert unescape(embed["title"]).startswith("The note has no text; write it in quotes")
    assert unescape(embed["description"]).startswith("Usage: /incidents note action:")
    await invoke(commands, "note", action="add", day="2099-01-01", text="later")
    assert "in the future" in unescape(last_embed(fake_discord)["title"])
    await invoke(commands, "note", action="add", text="no day")
    assert "needs the day" in unescape(last_embed(fake_discord)["title"])
    await invoke(commands, "note", action="add", day="2024-02-02", text="x", user="7")
    assert "only pausewatch's operators" in unescape(last_embed(fake_discord)["title"])
    assert (await core.handle("note list", OPS)).headline == "No notes on attacks"


async def test_a_chart_marks_another_series_from_discord(
    tree: tuple[Core, app_commands.CommandTree], fake_discord: FakeDiscord
) -> None:
    core, commands = tree
    await invoke(commands, "chart", **{"with": "us-strikes"})
    assert "No us-strikes incidents in these weeks." in shown(last_embed(fake_discord))
    assert not (await core.handle("add 2026-11-20 us-strikes", OPS)).is_error
    await invoke(commands, "chart", **{"with": "us-strikes"})
    embed = last_embed(fake_discord)
    assert "days with us-strikes incidents" in shown(embed)
    assert embed["image"]["url"].startswith("attachment://attacks-")
    await invoke(commands, "chart", **{"with": "nosuch"})
    assert "`with:nosuch` is not a series" in unescape(last_embed(fake_discord)["title"])


async def test_a_digest_subscription_takes_another_series_from_discord(
    tree: tuple[Core, app_commands.CommandTree], fake_discord: FakeDiscord
) -> None:
    core, commands = tree
    await invoke(commands, "subscribe", what="digest", **{"with": "us-strikes"})
    assert "Its chart marks the days with us-strikes incidents." in shown(last_embed(fake_discord))
    assert "with us-strikes" in " ".join((await core.handle("subscriptions", OPS)).details)
    await invoke(commands, "subscribe", what="alerts", **{"with": "us-strikes"})
    said = unescape(last_embed(fake_discord)["title"])
    assert said.startswith("Only a chart or a digest takes another series")
