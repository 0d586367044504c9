"""The console adapter: commands from standard input, replies on standard output."""

from __future__ import annotations

import io

from sqlalchemy import text

from bot.commands.core import Core
from bot.console.app import run_console


class Lines(io.StringIO):
    """Standard input that is not a terminal, as when commands are piped in."""

    def isatty(self) -> bool:
        return False


async def test_piped_commands_are_answered_in_order(core: Core) -> None:
    out = io.StringIO()
    await run_console(
        core, Lines("add 2024-07-16\n\n# a comment\nsince as-of 2024-07-17\nquit\nsince\n"), out
    )
    text_out = out.getvalue()
    assert text_out.index("> add 2024-07-16") < text_out.index("Recorded attack #1")
    assert "> since as-of 2024-07-17\n1 day since the last attack" in text_out
    assert "# a comment" not in text_out
    assert text_out.count("> ") == 2  # nothing after quit


async def test_a_failure_inside_the_bot_is_reported_and_the_console_goes_on(core: Core) -> None:
    # A real failure: the table pause questions read is gone (and put back after).
    async with core.database.write() as session:
        await session.execute(text("ALTER TABLE day_counts RENAME TO day_counts_away"))
    out = io.StringIO()
    try:
        await run_console(core, Lines("pauses\nhelp\n"), out)
    finally:
        async with core.database.write() as session:
            await session.execute(text("ALTER TABLE day_counts_away RENAME TO day_counts"))
    text_out = out.getvalue()
    assert "Something went wrong (error " in text_out
    assert "> help\npausewatch: ask how long" in text_out
