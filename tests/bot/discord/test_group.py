"""The /incidents group as Discord receives it: what is synced, its examples, its autocomplete.

What is synced is a contract with the people who use it: an option renamed, retyped or made
required breaks what they have learnt (and help's examples), so its shape is written out here.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest
from discord import app_commands

from bot.commands.core import Core
from bot.commands.verbs import MAX_LIMIT, STATS_BY, VERBS
from bot.discord.help import EXAMPLES
from bot.discord.tree import build_tree
from tests.bot.discord.fake_discord import FakeDiscord, interaction_payload
from tests.conftest import Clock, make_settings

TYPES = {3: "str", 4: "int", 5: "bool"}
FILTERS = "country?:str location?:str actor?:str kind?:str"
COUNT = "int[0..2000000000]"
FIELDS = (
    f"time?:str {FILTERS} quantity?:{COUNT} killed?:{COUNT} wounded?:{COUNT} source?:str notes?:str"
)
TOPICS = "what:str{alerts|digest|reviews}"
# Each subcommand's options as synced, in Discord's order: `?` optional, `*` autocompleted.
SHAPES = {
    "since": f"series?:str* {FILTERS} as_of?:str public?:bool",
    "pause": f"series?:str* {FILTERS} as_of?:str public?:bool",
    "chart": f"series?:str* {FILTERS} as_of?:str with?:str public?:bool",
    "map": f"period?:str series?:str* {FILTERS} as_of?:str public?:bool",
    "pauses": f"series?:str* {FILTERS} limit?:int[1..{MAX_LIMIT}] as_of?:str public?:bool",
    "last": f"count?:int[1..{MAX_LIMIT}] series?:str* {FILTERS} as_of?:str public?:bool",
    "list": (
        f"from?:str to?:str period?:str series?:str* {FILTERS} limit?:int[1..{MAX_LIMIT}] "
        "public?:bool"
    ),
    "stats": (
        f"period?:str by?:str{{{'|'.join(STATS_BY)}}} series?:str* {FILTERS} as_of?:str "
        "public?:bool"
    ),
    "add": f"day:str series?:str* {FIELDS}",
    "edit": f"incident:int[1..2000000000] day?:str {FIELDS}",
    "delete": "incident:int[1..2000000000] reason?:str",
    "subscribe": f"{TOPICS} series?:str* {FILTERS} every?:str with?:str",
    "unsubscribe": f"{TOPICS} series?:str* {FILTERS}",
    "subscriptions": "",
    "timezone": "zone?:str",
    "quiet": "hours?:str",
    "team": "action?:str{timezone|admin|series} details?:str",
    "note": (
        "action:str{add|list|delete} day?:str text?:str series?:str* note?:int[1..2000000000] "
        "period?:str"
    ),
    "help": f"command?:str{{{'|'.join(VERBS)}}}",
    "source": "action:str{list|run|add|remove} name?:str details?:str",
    "review": "action:str{list|approve|reject} review?:int[1..2000000000]",
}


@pytest.fixture
async def tree(
    database, database_url: str, clock: Clock, fake_discord: FakeDiscord
) -> AsyncIterator[tuple[Core, app_commands.CommandTree]]:
    core = Core(database=database, settings=make_settings(database_url), clock=clock)
    await core.prepare()
    client = discord.Client(intents=discord.Intents.none())
    await client.login("test-token")
    yield core, build_tree(client, core)
    await client.close()


def shape(option: dict[str, Any]) -> str:
    """Write an option as SHAPES does."""
    text = option["name"] + ("" if option.get("required") else "?") + ":" + TYPES[option["type"]]
    if "min_value" in option or "max_value" in option:
        text += f"[{option.get('min_value', '')}..{option.get('max_value', '')}]"
    if "choices" in option:
        assert all(c["name"] == c["value"] for c in option["choices"])
        text += "{" + "|".join(c["value"] for c in option["choices"]) + "}"
    return text + ("*" if option.get("autocomplete") else "")


def characters(payload: Any) -> int:
    """Count what Discord limits to 8000 a command: every name, description and value."""
    if isinstance(payload, list):
        return sum(characters(item) for item in payload)
    if not isinstance(payload, dict):
        return 0
    own = sum(len(str(payload[key])) for key in ("name", "description", "value") if key in payload)
    return own + sum(characters(value) for value in payload.values())


async def test_the_synced_group_has_the_shape_people_know(
    tree: tuple[Core, app_commands.CommandTree], fake_discord: FakeDiscord
) -> None:
    _, commands = tree
    await commands.sync()
    [(guild, [group])] = fake_discord.synced
    assert guild == ""
    assert (group["name"], group["type"], group["description"]) == (
        "incidents",
        1,
        "Incidents and the pauses between them",
    )
    assert group["default_member_permissions"] is None  # anyone may ask; the core decides writes
    synced = {c["name"]: " ".join(shape(o) for o in c.get("options", [])) for c in group["options"]}
    assert synced == SHAPES
    assert list(synced) == list(SHAPES)  # the order help lists them in
    texts = [group["description"]] + [
        item["description"]
        for command in group["options"]
        for item in [command, *command.get("options", [])]
    ]
    assert all(1 <= len(text) <= 100 for text in texts)  # Discord refuses the sync otherwise
    assert characters(group) <= 8000


def test_every_help_example_uses_options_the_subcommand_has() -> None:
    options = {
        verb: {part.split(":")[0].rstrip("?") for part in shape.split()}
        for verb, shape in SHAPES.items()
    }
    for verb, examples in EXAMPLES.items():
        for example in examples:
            assert example.startswith(f"/incidents {verb}"), example
            used = set(re.findall(r"(?:^| )([a-z_]+):", example))
            assert used <= options[verb], example


async def test_the_series_option_offers_the_stored_series(
    tree: tuple[Core, app_commands.CommandTree], fake_discord: FakeDiscord
) -> None:
    core, commands = tree
    names = await core.series_names()
    assert len(names) > 1
    typed = names[-1][1:3].upper()  # any part of a name, in any case
    payload = interaction_payload("pauses", {})
    payload["type"] = 4  # APPLICATION_COMMAND_AUTOCOMPLETE
    payload["data"]["options"][0]["options"] = [
        {"name": "series", "type": 3, "value": typed, "focused": True}
    ]
    await commands._call(discord.Interaction(data=payload, state=commands.client._connection))
    offered = fake_discord.callbacks[-1]
    assert offered["type"] == 8
    wanted = [n for n in names if typed.casefold() in n.casefold()]
    assert [c["value"] for c in offered["data"]["choices"]] == wanted
    assert names[-1] in wanted
