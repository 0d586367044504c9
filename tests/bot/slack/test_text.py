"""Slack's escaping: command text read as typed, and stored text that never pings anyone."""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.commands import build
from bot.commands.core import Caller, Core
from bot.commands.imports import import_file
from bot.domain.fields import clean_text
from bot.domain.replies import Reply, Table, channel_ref
from bot.slack.render import fallback_text, render_blocks
from bot.slack.text import escape, fit, unescape_command
from storage.database import Database, open_database
from storage.export import export_incidents
from storage.models import Base, Incident
from tests.bot.slack.signed import SlackBot
from tests.conftest import Clock, make_settings

ADMIN = Caller("U-ADMIN", True, "slack", "C-OPS")
MENTION = re.compile(r"<[!@#]")


@pytest.mark.parametrize(
    ("sent", "typed"),
    [
        ("Tower 22 &amp; Al-Tanf", "Tower 22 & Al-Tanf"),
        ("a &lt;b&gt; c", "a <b> c"),
        ("&amp;amp; stays", "&amp; stays"),  # the person typed `&amp;`
        ("<https://example.org/a?b=1&amp;c=2>", "https://example.org/a?b=1&c=2"),
        ("<https://example.org/report|the report>", "https://example.org/report"),
        ("<http://example.org|example.org>", "example.org"),  # Slack linked what was typed
        ("<mailto:desk@example.org|desk@example.org>", "desk@example.org"),
        ("<mailto:desk@example.org>", "desk@example.org"),
        ("<@U123|sam> and <@U456>", "@sam and @U456"),
        ("<#C123|ops> and <#C456>", "#ops and #C456"),
        ("<!here> <!channel> <!everyone|everyone>", "@here @channel @everyone"),
        ("<!subteam^S1|@analysts>", "@analysts"),
        ("<!date^1392734382^{date}|Feb 18, 2014>", "Feb 18, 2014"),
        ('location:"Al-Qa’im" kind:drone', 'location:"Al-Qa’im" kind:drone'),
    ],
)
def test_command_text_is_read_as_it_was_typed(sent: str, typed: str) -> None:
    assert unescape_command(sent) == typed


def test_escaping_leaves_only_the_channel_links_made_on_purpose() -> None:
    text = f"Camp <!here> & <@U1> <#C1> told in {channel_ref('C0OPS')}"
    assert escape(text) == "Camp &lt;!here&gt; &amp; &lt;@U1&gt; &lt;#C1&gt; told in <#C0OPS>"
    assert escape("\ue000not a channel\ue001") == "not a channel"


def test_fit_never_cuts_an_entity_in_two() -> None:
    cut = fit("&" * 100, 22)
    assert cut == "&amp;" * 4 + "…"
    assert fit("short", 10) == "short"


async def test_a_slash_commands_escaping_is_not_stored(slack_bot: SlackBot) -> None:
    text = (
        'add 2024-07-16 location:"Tower 22 &amp; Al-Tanf" '
        'source:https://example.org/a?b=1&amp;c=2 notes:"<@U123|sam> saw it, <!here>"'
    )
    assert await slack_bot.command(text, user="U-ADMIN") == 200
    [answer] = await slack_bot.answered(1)
    assert answer["text"].startswith("Recorded attack #1")
    async with slack_bot.core.database.read() as session:
        stored = (await session.scalars(select(Incident))).one()
    assert stored.location == "Tower 22 & Al-Tanf"
    assert stored.source == "https://example.org/a?b=1&c=2"
    assert stored.notes == "@sam saw it, @here"
    # The same place typed in the terminal matches it.
    console = Caller("console", True)
    reply = await slack_bot.core.handle(
        'since location:"Tower 22 & Al-Tanf" as-of 2024-07-20', console
    )
    assert reply.headline.startswith("4 days since the last attack")
    # And Slack shows it as stored, escaped once.
    assert "Tower 22 &amp; Al-Tanf" in answer["blocks"][1]["text"]["text"]


def mentions(blocks: list[dict[str, Any]], fallback: str) -> list[str]:
    """Every <! <@ <# in the texts of blocks and the fallback."""
    texts = [fallback]

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("text"), str):
                texts.append(value["text"])
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(blocks)
    return [found for text in texts for found in MENTION.findall(text)]


def test_a_reply_naming_a_channel_links_it_and_nothing_else() -> None:
    reply = Reply(
        headline=f"Camp <!channel> alert for {channel_ref('C0OPS')}",
        details=(f"Posted to {channel_ref('C0OPS')} by <@U1>",),
        tables=(Table("Where", ("where",), (("<!here>",),)),),
    )
    blocks = render_blocks(reply)
    # the header, the details, and both again in the fallback
    assert mentions(blocks, fallback_text(reply)) == ["<#"] * 4
    assert blocks[1]["text"]["text"] == "Posted to <#C0OPS> by &lt;@U1&gt;"


async def wipe(database: Database) -> None:
    async with database.write() as session:
        for table in reversed(Base.metadata.sorted_tables):
            await session.execute(table.delete())


NASTY = [
    "<!channel>",
    "<!here>",
    "<@U123>",
    "<#C123|ops>",
    "@everyone",
    "&amp;",
    "&",
    "Al-Qa’im",
    "Qa'im",
    '"quoted"',
    "“curly”",
    "🚀",
    "مخيم الأسد",
    "\u202eRTL",
    "```",
    "*bold*",
]
locations = (
    st.one_of(
        st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=80),
        st.lists(st.sampled_from(NASTY), min_size=1, max_size=6).map(" ".join),
    )
    .map(clean_text)
    .filter(bool)
)


def test_any_location_survives_add_list_export_import_and_pings_nobody(
    database_url: str, tmp_path: Path
) -> None:
    loop = asyncio.new_event_loop()
    run = loop.run_until_complete
    database = open_database(database_url)

    async def round_trip(location: str) -> None:
        await wipe(database)
        core = Core(database=database, settings=make_settings(database_url), clock=Clock())
        await core.prepare()
        command = build.add(today=core.today(), day="2024-07-16", fields={"location": location})
        assert not (await core.execute(command, ADMIN)).is_error
        for question in ("list from:2024-07-16", "last"):
            reply = await core.handle(question, ADMIN)
            blocks, fallback = render_blocks(reply), fallback_text(reply)
            assert mentions(blocks, fallback) == []
            # Escaping is lossless: undone, the fallback holds the place as the table shows it.
            shown = location if len(location) <= 48 else location[:47] + "…"
            undone = fallback.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
            assert shown in undone
        exported = io.StringIO()
        async with database.read() as session:
            assert await export_incidents(session, exported, "csv") == 1
        path = tmp_path / "export.csv"
        path.write_text(exported.getvalue(), encoding="utf-8")
        await wipe(database)
        core = Core(database=database, settings=make_settings(database_url), clock=Clock())
        await core.prepare()
        result = await import_file(
            core.context, path, file_format="csv", series=None, caller=ADMIN, quiet=True
        )
        assert result.added == 1
        async with database.read() as session:
            assert (await session.scalars(select(Incident.location))).one() == location

    @settings(
        max_examples=40,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(location=locations)
    @example(location="Camp <!here> & <@U123> @everyone")
    @example(location="Tower 22 &amp; Al-Tanf")
    def survives(location: str) -> None:
        run(round_trip(location))

    try:
        survives()
    finally:
        run(database.dispose())
        loop.close()
