"""The /incidents app commands, driven through discord.py's real command tree and HTTP layer."""

from __future__ import annotations

from typing import Any

import pytest
from discord import app_commands

from bot.commands.core import Caller, Core
from bot.commands.verbs import STATS_BY, VERBS
from bot.discord.sender import DiscordSender
from bot.discord.text import unescape
from bot.notify.delivery import Delivery
from tests.bot.discord.fake_discord import (
    CAN_POST,
    CHANNEL_ID,
    FakeDiscord,
    alert_refused_for_good,
    invoke,
)
from tests.conftest import Clock

OPS = Caller("42", True, "discord", CHANNEL_ID)


def last_embed(fake: FakeDiscord) -> dict[str, Any]:
    return fake.followups[-1].payload["embeds"][0]


def shown(embed: dict[str, Any]) -> str:
    """The embed's text as Discord draws it (escapes taken away)."""
    parts = [embed.get("title", ""), embed.get("description", "")]
    parts += [f"{f['name']}\n{f['value']}" for f in embed.get("fields", [])]
    return unescape("\n".join(parts))


async def test_the_group_has_one_subcommand_per_verb_of_the_grammar(
    tree: tuple[Core, app_commands.CommandTree],
) -> None:
    _, commands = tree
    group = commands.get_command("incidents")
    assert isinstance(group, app_commands.Group)
    assert {command.name for command in group.commands} == set(VERBS)
    since = group.get_command("since")
    assert isinstance(since, app_commands.Command)
    described = {parameter.name: parameter.description for parameter in since.parameters}
    assert described["as_of"] == "Ask about a past day: YYYY-MM-DD"
    assert since.get_parameter("series").autocomplete  # series come from the database


async def test_the_options_slack_and_the_console_have_are_on_discord_too(
    tree: tuple[Core, app_commands.CommandTree],
) -> None:
    _, commands = tree
    group = commands.get_command("incidents")
    assert isinstance(group, app_commands.Group)

    def options(name: str) -> dict[str, app_commands.Parameter]:
        command = group.get_command(name)
        assert isinstance(command, app_commands.Command)
        return {p.display_name: p for p in command.parameters}

    assert options("last")["count"].max_value == 500
    assert options("pauses")["limit"].max_value == 500
    assert {"from", "to", "limit", "country", "location", "actor", "kind"} <= set(options("list"))
    assert [c.value for c in options("stats")["by"].choices] == list(STATS_BY)
    assert "time" in options("add") and "time" in options("edit")
    assert {"location", "actor"} <= set(options("subscribe"))
    assert options("subscriptions") == {}


async def test_a_question_is_deferred_then_answered_with_an_embed_and_no_mention(
    tree: tuple[Core, app_commands.CommandTree], fake_discord: FakeDiscord
) -> None:
    _, commands = tree
    await invoke(commands, "add", day="2024-04-22")
    await invoke(commands, "since", as_of="2024-07-15", user="7")
    defer = fake_discord.callbacks[-1]
    assert defer["type"] == 5  # deferred: the answer may take longer than three seconds
    assert defer["data"]["flags"] == 64  # ephemeral
    answer = fake_discord.followups[-1].payload
    assert answer["embeds"][0]["title"] == "84 days since the last attack"
    assert answer["flags"] == 64
    assert answer["allowed_mentions"] == {"parse": []}


@pytest.mark.parametrize(
    "location",
    ["Al-Qa’im", "Al-Qa'im", "‘Ayn al-Asad’", '"Tower 22"', "Tower 22 & Al-Tanf", "O'Hare 'x"],
)
async def test_a_location_is_stored_exactly_as_typed_whatever_its_quotes(
    tree: tuple[Core, app_commands.CommandTree], fake_discord: FakeDiscord, location: str
) -> None:
    core, commands = tree
    await invoke(commands, "add", day="2024-07-16", location=location, country="Iraq")
    embed = last_embed(fake_discord)
    assert embed["title"] == "Recorded attack #1 on 16 Jul 2024", embed
    assert f"{location}, Iraq" in unescape(embed["description"])
    [table] = (await core.handle("last", OPS)).tables
    assert table.rows[0][2] == f"{location}, Iraq"  # as stored: nothing re-quoted or cut


async def test_user_data_is_escaped_so_it_neither_pings_nor_garbles(
    tree: tuple[Core, app_commands.CommandTree], fake_discord: FakeDiscord
) -> None:
    _, commands = tree
    location = "Camp @everyone <@123> <#456> **bold** [x](https://e.org)"
    await invoke(commands, "add", day="2024-07-16", location=location)
    posted = fake_discord.followups[-1].payload
    description = posted["embeds"][0]["description"]
    assert "\\@everyone" in description and "\\<\\@123>" in description
    assert "\\<#456>" in description and "\\*\\*bold\\*\\*" in description
    assert "\\[x\\](https://e.org)" in description  # the link stays a link, not a masked one
    assert location in unescape(description)
    assert posted["allowed_mentions"] == {"parse": []}


async def test_a_non_admin_is_refused_and_nothing_changes(
    tree: tuple[Core, app_commands.CommandTree], fake_discord: FakeDiscord
) -> None:
    core, commands = tree
    await invoke(commands, "add", day="2024-07-16", user="7")
    # With no server named, no server is a team: only the operators (admins) write.
    title = unescape(last_embed(fake_discord)["title"])
    assert title.startswith("No server is a team here yet: only pausewatch's operators")
    reply = await core.handle("last", Caller("7", False, "discord", CHANNEL_ID))
    assert reply.headline == "No attacks recorded"


async def test_a_bad_value_is_answered_with_discords_own_usage(
    tree: tuple[Core, app_commands.CommandTree], fake_discord: FakeDiscord
) -> None:
    _, commands = tree
    await invoke(commands, "list", **{"from": "2024-07-31", "to": "2024-07-01"})
    embed = last_embed(fake_discord)
    assert unescape(embed["title"]).startswith("to:2024-07-01 is before from:2024-07-31")
    assert unescape(embed["description"]).startswith(
        "Usage: /incidents list [from:] [to:] [period:]"
    )
    assert "Usage: list [SERIES]" not in shown(embed)  # not the text grammar's syntax


async def test_count_limit_filters_by_and_time_reach_the_core(
    tree: tuple[Core, app_commands.CommandTree], fake_discord: FakeDiscord
) -> None:
    _, commands = tree
    for number, day in enumerate(["2024-01-10", "2024-02-10", "2024-03-10", "2024-04-10"]):
        country = "Iraq" if number % 2 else "Syria"
        await invoke(commands, "add", day=day, country=country, time="21:30")
    await invoke(commands, "last", count=3)
    [table] = last_embed(fake_discord)["fields"]
    assert table["value"].count("\n") == 1 + 1 + 3  # fence, header, three rows
    await invoke(commands, "list", **{"from": "2024-01-01"}, country="Iraq", limit=1)
    embed = last_embed(fake_discord)
    assert (
        "2024-04-10" in embed["fields"][0]["value"] or "2024-02-10" in embed["fields"][0]["value"]
    )
    assert "Syria" not in shown(embed)
    await invoke(commands, "pauses", limit=2)
    assert last_embed(fake_discord)["fields"][0]["value"].count("\n") == 1 + 1 + 2
    await invoke(commands, "stats", by="country")
    assert [f["name"] for f in last_embed(fake_discord)["fields"]] == ["By country"]
    await invoke(commands, "edit", incident=1, time="06:15")
    assert unescape(last_embed(fake_discord)["title"]) == "Edited attack #1"


async def test_subscriptions_lists_this_channel(
    tree: tuple[Core, app_commands.CommandTree], fake_discord: FakeDiscord
) -> None:
    _, commands = tree
    await invoke(commands, "subscriptions")
    assert last_embed(fake_discord)["title"] == "This channel has no subscriptions"
    await invoke(commands, "subscribe", what="alerts", country="Iraq")
    await invoke(commands, "subscriptions")
    embed = last_embed(fake_discord)
    assert embed["title"] == "This channel is subscribed to"
    assert unescape(embed["description"]) == "• alerts: attacks country:Iraq"


async def test_help_shows_discords_option_syntax(
    tree: tuple[Core, app_commands.CommandTree], fake_discord: FakeDiscord
) -> None:
    _, commands = tree
    await invoke(commands, "help")
    text = shown(last_embed(fake_discord))
    assert "• /incidents list [from:] [to:] [period:] [series:]" in text
    assert "• /incidents last [count:]" in text
    assert 'location:"Ain al-Assad"' not in text  # no quoting on Discord
    await invoke(commands, "help", command="add")
    text = shown(last_embed(fake_discord))
    assert "Usage: /incidents add day: [series:] [time:]" in text
    assert "• time (optional): Local time of day: HH:MM" in text


async def test_a_public_chart_comes_with_its_file(
    tree: tuple[Core, app_commands.CommandTree], fake_discord: FakeDiscord
) -> None:
    _, commands = tree
    await invoke(commands, "add", day="2024-07-16")
    await invoke(commands, "chart", as_of="2024-07-22", public=True)
    assert fake_discord.callbacks[-1].get("data", {}).get("flags", 0) == 0  # public
    followup = fake_discord.followups[-1]
    assert followup.payload["embeds"][0]["image"]["url"] == "attachment://attacks-2024-07-22.png"
    assert next(iter(followup.files.values())).startswith(b"\x89PNG")


async def test_a_channel_subscribed_by_command_gets_the_alert_as_an_embed(
    tree: tuple[Core, app_commands.CommandTree], fake_discord: FakeDiscord, clock: Clock
) -> None:
    core, commands = tree
    await invoke(commands, "subscribe", what="alerts")
    assert last_embed(fake_discord)["title"].startswith("Subscribed this channel to alerts")
    await invoke(commands, "add", day="2024-04-22")
    await invoke(commands, "add", day="2024-07-16", location="Ain al-Assad")
    await Delivery(core.database, [DiscordSender(commands.client.http)], clock=clock).drain()
    [alert] = fake_discord.posted
    assert alert.channel == CHANNEL_ID
    assert alert.payload["embeds"][0]["title"] == "New attack on 16 Jul 2024 ends an 86-day pause"
    assert alert.payload["allowed_mentions"] == {"parse": []}


@pytest.mark.parametrize(
    ("what", "permissions", "missing"),
    [
        ("alerts", CAN_POST & ~(1 << 11), "Send Messages"),
        ("alerts", CAN_POST & ~(1 << 10) & ~(1 << 14), "View Channel, Embed Links"),
        ("digest", CAN_POST & ~(1 << 15), "Attach Files"),
        ("reviews", CAN_POST & ~(1 << 14), "Embed Links"),
    ],
)
async def test_subscribing_where_the_bot_cannot_post_is_refused_with_how_to_fix_it(
    tree: tuple[Core, app_commands.CommandTree],
    fake_discord: FakeDiscord,
    what: str,
    permissions: int,
    missing: str,
) -> None:
    core, commands = tree
    await invoke(commands, "subscribe", what=what, app_permissions=permissions)
    embed = last_embed(fake_discord)
    shown = {"alerts": "alerts", "digest": "the digest", "reviews": "review candidates"}[what]
    assert unescape(embed["title"]) == (
        f"pausewatch could not post {shown} in this channel: it lacks {missing}"
    )
    assert embed["description"].startswith(f"In <#{CHANNEL_ID}>'s settings")  # a mention
    assert "then subscribe again" in embed["description"]
    reply = await core.handle("subscriptions", OPS)
    assert reply.headline == "This channel has no subscriptions"


async def test_admins_are_told_once_of_an_alert_discord_refused_for_good(
    tree: tuple[Core, app_commands.CommandTree], fake_discord: FakeDiscord, clock: Clock
) -> None:
    core, commands = tree
    await alert_refused_for_good(core, commands, fake_discord, clock)
    await invoke(commands, "since", user="7")  # not an admin: not told
    assert len(fake_discord.followups[-1].payload["embeds"]) == 1
    before = len(fake_discord.followups)
    await invoke(commands, "since")
    answer, notice = fake_discord.followups[before:]
    assert answer.payload["embeds"][0]["title"].endswith("since the last attack")
    embed = notice.payload["embeds"][0]
    assert embed["title"] == "1 message to Discord could not be posted"
    assert f"to <#{CHANNEL_ID}>: Discord refused: missing permissions" in unescape(
        embed["description"]
    )
    assert notice.payload["flags"] == 64  # only the admin sees it
    await invoke(commands, "since")
    assert len(fake_discord.followups) == before + 3  # told once


async def test_a_refused_followup_is_still_answered_and_never_left_thinking(
    tree: tuple[Core, app_commands.CommandTree], fake_discord: FakeDiscord
) -> None:
    _, commands = tree
    fake_discord.fail_followup(
        400,
        {
            "message": "Invalid Form Body",
            "code": 50035,
            "errors": {
                "embeds": {
                    "0": {
                        "description": {
                            "_errors": [
                                {
                                    "code": "BASE_TYPE_MAX_LENGTH",
                                    "message": "Must be 4096 or fewer in length.",
                                }
                            ]
                        }
                    }
                }
            },
        },
    )
    await invoke(commands, "since")
    [answer] = fake_discord.followups
    assert answer.payload["embeds"][0]["title"].startswith("Something went wrong (error ")
    assert answer.payload["flags"] == 64


async def test_a_failure_in_the_core_after_the_defer_is_answered_with_an_id(
    tree: tuple[Core, app_commands.CommandTree],
    fake_discord: FakeDiscord,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    core, commands = tree

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(core, "execute", broken)
    await invoke(commands, "pause")
    assert fake_discord.callbacks[-1]["type"] == 5  # deferred first
    title = last_embed(fake_discord)["title"]
    error_id = title.removeprefix("Something went wrong (error ").split(")")[0]
    assert len(error_id) == 8
    assert any(error_id in r.getMessage() and r.exc_info for r in caplog.records)


async def test_every_option_of_every_subcommand_is_described(
    tree: tuple[Core, app_commands.CommandTree],
) -> None:
    _, commands = tree
    group = commands.get_command("incidents")
    assert isinstance(group, app_commands.Group)
    undescribed = [
        f"{command.name}.{parameter.name}"
        for command in group.commands
        if isinstance(command, app_commands.Command)
        for parameter in command.parameters
        if parameter.description in ("…", "", None)
    ]
    assert undescribed == []


async def test_stats_and_list_take_a_period(
    tree: tuple[Core, app_commands.CommandTree], fake_discord: FakeDiscord
) -> None:
    _, commands = tree
    for day in ("2024-03-02", "2024-03-20", "2024-04-05"):
        await invoke(commands, "add", day=day)
    await invoke(commands, "stats", period="March 2024")
    assert unescape(last_embed(fake_discord)["title"]) == "2 attacks in March 2024 (1–31 Mar 2024)"
    await invoke(commands, "list", period="between 2024-03-15 and 2024-04-30")
    rows = last_embed(fake_discord)["fields"][0]["value"]
    assert "2024-03-20" in rows and "2024-04-05" in rows and "2024-03-02" not in rows
    await invoke(commands, "list")  # neither from: nor a period: the grammar says what to give
    assert unescape(last_embed(fake_discord)["description"]).startswith("Usage: /incidents list")
