"""Questions in the console's thread: follow-ups and picked choices, also after a restart."""

from __future__ import annotations

import io
import re
from datetime import date

from bot.commands.core import Core
from bot.console.app import run_console
from storage.database import open_database
from tests.conftest import NOW, make_settings
from tests.console_script import pausewatch

# Attacks in 2024: 5, of which 2 in Syria; 4 in Syria in all (one before 2024, one after).
INCIDENTS = (
    "add 2023-12-01 country:Syria",
    "add 2024-03-01 country:Iraq",
    "add 2024-05-01 country:Syria",
    "add 2024-06-01 country:Syria",
    "add 2024-06-10 country:Jordan",
    "add 2024-08-01 country:Iraq",
    "add 2025-01-05 country:Syria",
)
# Two spellings of a place, each a letter from "ain al asad" (which the question is asked
# back about), and a later attack elsewhere, so that neither place has the last attack.
TWIN_PLACES = (
    'add 2024-03-01 country:Iraq location:"Ain al-Asaad"',
    'add 2024-07-16 country:Iraq location:"Ain al-Assad"',
    "add 2024-09-01 country:Jordan",
)
NUMBERED = re.compile(r"^\s*(\d+)\. (.+)$", re.MULTILINE)


class Lines(io.StringIO):
    """Standard input that is not a terminal, as when commands are piped in."""

    def isatty(self) -> bool:
        return False


async def console(core: Core, *lines: str) -> list[tuple[str, str]]:
    """Pipe `lines` into a console run and return each echoed line with its reply."""
    out = io.StringIO()
    await run_console(core, Lines("".join(f"{line}\n" for line in lines)), out)
    blocks = re.split(r"(?m)^> ", out.getvalue())[1:]
    return [tuple(block.split("\n", 1)) for block in blocks]  # type: ignore[misc]


def reply_to(answered: list[tuple[str, str]], line: str) -> str:
    """Return the reply to the last `line` typed."""
    replies = [reply for asked, reply in answered if asked == line]
    assert replies, f"{line!r} was not answered: {answered}"
    return replies[-1]


def counted(reply: str, number: int, *words: str) -> None:
    """Check that the reply's headline counts `number` attacks and names each of `words`."""
    headline = reply.split("\n", 1)[0]
    assert re.match(rf"{number} attacks?\b", headline), reply
    for word in words:
        assert word in headline, reply


async def test_a_follow_up_changes_one_part_of_the_question(core: Core) -> None:
    answered = await console(
        core, *INCIDENTS, "how many attacks in 2024?", "and in Syria?", "and in 2025?"
    )
    counted(reply_to(answered, "how many attacks in 2024?"), 5, "2024")
    # The place is added, the year kept; then the year changes and the place stays.
    counted(reply_to(answered, "and in Syria?"), 2, "Syria", "2024")
    counted(reply_to(answered, "and in 2025?"), 1, "Syria", "2025")


async def test_a_follow_up_after_the_console_is_started_again(
    core: Core, database_url: str
) -> None:
    answered = await console(core, *INCIDENTS, "how many attacks in 2024?")
    counted(reply_to(answered, "how many attacks in 2024?"), 5, "2024")
    # A new process: its own engine and core on the same database, nothing kept in memory.
    database = open_database(database_url)
    try:
        again = Core(database=database, settings=make_settings(database_url), clock=core.clock)
        await again.prepare()
        answered = await console(again, "and in Syria?")
    finally:
        await database.dispose()
    counted(reply_to(answered, "and in Syria?"), 2, "Syria", "2024")


async def test_a_number_picks_one_of_the_readings_offered(core: Core) -> None:
    await console(core, *TWIN_PLACES)
    for place, day in (("Ain al-Assad", date(2024, 7, 16)), ("Ain al-Asaad", date(2024, 3, 1))):
        asked = reply_to(await console(core, "since ain al asad"), "since ain al asad")
        offered = dict((text, number) for number, text in NUMBERED.findall(asked))
        picked = [number for text, number in offered.items() if place in text]
        assert len(offered) >= 2 and len(picked) == 1, asked
        # The number comes in a run of its own: the choices are kept with the thread.
        answer = reply_to(await console(core, picked[0]), picked[0])
        assert f"{(NOW.date() - day).days} days since the last attack" in answer, answer
        assert place in answer, answer


def test_pausewatch_ask_follows_the_ask_before_it(database_url: str) -> None:
    env = {"PAUSEWATCH_DATABASE_URL": database_url, "PAUSEWATCH_NOW": NOW.isoformat()}
    for line in INCIDENTS:
        assert pausewatch("ask", *line.split(), env=env).returncode == 0
    first = pausewatch("ask", "how many attacks in 2024?", env=env)
    assert first.returncode == 0, first.stderr
    counted(first.stdout, 5, "2024")
    # Each ask is a process of its own: the question before is read back from the database.
    follow_up = pausewatch("ask", "and", "in", "Syria?", env=env)
    assert follow_up.returncode == 0, follow_up.stderr
    counted(follow_up.stdout, 2, "Syria", "2024")
