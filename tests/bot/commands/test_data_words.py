"""The data's words: a command that names no value is read without reading the data's values."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.commands.command import GrammarError
from bot.commands.core import Caller, Core
from bot.commands.data_words import reads_without_values, words
from bot.commands.grammar import parse
from bot.commands.render_text import render_text
from bot.settings import Settings
from storage.database import Database
from tests.conftest import Clock, make_settings

TODAY = date(2026, 11, 25)
SERIES_WORDS = words(Settings(), ["attacks", "us-strikes"], [])  # as a caller sees them
ADMIN = Caller(user="U-admin", is_admin=True)
# Values named as the grammar's own words are: a place called Friday, Long, Record, May or The.
TRICKY = [("location", name) for name in ("Friday", "Long", "Record", "May", "The", "Last")]
ALL_WORDS = words(Settings(), ["attacks", "us-strikes"], [("country", "Iraq"), *TRICKY])
TOKENS = [
    *("since", "pause", "pauses", "stats", "list", "last", "chart"),
    *("attacks", "us-strikes", "strikes", "2024", "2024-07", "2024-07-15", "as-of"),
    *("limit:5", "by:month", "from:2024-01-01", "country:iraq", "friday", "long", "record"),
    *("may", "3", "the", "last", "iraq", "week", "yesterday"),
]


def parsed(text: str, vocabulary: object) -> object:
    try:
        return parse(text, TODAY, vocabulary)  # type: ignore[arg-type]
    except GrammarError as error:
        return ("refused", str(error))


@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=5))
def test_a_command_read_without_values_reads_as_it_would_with_them(tokens: list[str]) -> None:
    text = " ".join(tokens)
    if reads_without_values(text, TODAY, SERIES_WORDS):
        assert parsed(text, SERIES_WORDS) == parsed(text, ALL_WORDS), text


@pytest.mark.parametrize(
    "text",
    [
        "since",
        "pause",
        "pauses limit:5",
        "stats 2024",
        "since as-of 2024-07-15",
        "since us-strikes",
    ],
)
def test_a_command_naming_no_value_reads_without_them(text: str) -> None:
    assert reads_without_values(text, TODAY, SERIES_WORDS)


@pytest.mark.parametrize(
    "text",
    [
        "since iraq",  # a plain word that may be a value
        "since country:iraq",  # a filter, whose label the values give
        "and in Syria?",  # a follow-up
        "how many attacks in 2024",  # words of a question
        "2",  # a pick among readings offered
        "add 2024-01-01 attacks",  # a write
        "since 2024-99-99",  # refused by the grammar: read again with the values
        "since friday",  # a day, or a place named Friday
        "since the last attack",
        "pauses long",
        "pause record",
        "since may 3",
        "since drones",  # a series this caller does not see is no series of theirs
    ],
)
def test_words_that_may_name_a_value_are_read_with_them(text: str) -> None:
    assert not reads_without_values(text, TODAY, SERIES_WORDS)


async def test_an_answer_without_the_values_is_the_answer_with_them(
    database: Database, database_url: str, clock: Clock
) -> None:
    settings = make_settings(database_url)
    writer = Core(database=database, settings=settings, clock=clock)
    await writer.prepare()
    for add in (
        "add 2024-02-04 country:Syria kind:rocket",
        'add 2024-04-22 country:Iraq location:"Ain al-Assad" kind:drone',
    ):
        assert not (await writer.handle(add, ADMIN)).is_error
    # A new process: nothing of the data's words kept yet.
    fresh = Core(database=database, settings=settings, clock=clock)
    lean = render_text(await fresh.handle("since", ADMIN))
    assert fresh._words._values.version == 0, "the values were read for a plain `since`"
    placed = render_text(await fresh.handle("since iraq", ADMIN))
    assert fresh._words._values.version > 0
    assert "Iraq" in placed and "22 Apr 2024" in placed
    # Read with every value known, `since` answers the same.
    assert render_text(await fresh.handle("since", ADMIN)) == lean
    assert "4 Feb 2024" not in lean and "22 Apr 2024" in lean
