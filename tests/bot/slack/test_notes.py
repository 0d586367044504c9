"""Notes through Slack's slash command: the text grammar as Slack sends it, curly quotes too."""

from __future__ import annotations

from bot.commands.core import Caller
from tests.bot.slack.signed import SlackBot

ADMIN = Caller("U-ADMIN", True, "slack", "C1")


async def test_a_note_is_added_and_listed_through_the_slash_command(slack_bot: SlackBot) -> None:
    # Slack's clients curl the quotes as people type them; each request has its own trigger.
    text = "note add 2024-02-02 “U.S. strikes on 85 targets in Iraq and Syria” us-strikes"
    assert await slack_bot.command(text, user="U-ADMIN", trigger="T1") == 200
    [added] = await slack_bot.answered(1)
    assert added["text"].startswith("Noted on 2 Feb 2024 in us-strikes: note #1")
    assert await slack_bot.command("note list us-strikes", user="U-READER", trigger="T2") == 200
    listed = (await slack_bot.answered(2))[1]
    assert "U.S. strikes on 85 targets in Iraq and Syria" in str(listed)
    assert (
        await slack_bot.command("note add 2024-02-02 U.S. strikes", user="U-ADMIN", trigger="T3")
        == 200
    )
    refused = (await slack_bot.answered(3))[2]
    assert refused["text"].startswith("Put the note's text in quotes, as one value")
    reply = await slack_bot.core.handle("note list us-strikes", ADMIN)
    assert [row[2] for row in reply.tables[0].rows] == [
        "U.S. strikes on 85 targets in Iraq and Syria"
    ]
