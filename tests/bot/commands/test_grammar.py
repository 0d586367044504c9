"""The command grammar: what parses, and what each mistake is told."""

from __future__ import annotations

from datetime import date

import pytest

from bot.commands.grammar import EXAMPLES, USAGE, VERBS, GrammarError, parse
from bot.domain.filters import Filters

TODAY = date(2026, 11, 25)


def test_every_verb_has_one_usage_and_examples_that_parse() -> None:
    assert len(VERBS) == len(set(VERBS))
    assert set(USAGE) == set(VERBS) == set(EXAMPLES)
    for verb in VERBS:
        for example in EXAMPLES[verb]:
            assert parse(example, TODAY).verb == verb


def test_query_with_series_filters_and_as_of() -> None:
    command = parse('pause us-strikes country:Iraq location:"Ain al-Assad" as-of 2024-07-15', TODAY)
    assert command.verb == "pause"
    assert command.series == "us-strikes"
    assert command.filters == Filters(country="Iraq", location="Ain al-Assad")
    assert command.as_of == date(2024, 7, 15)


def test_as_of_with_a_colon_and_curly_quotes_from_chat_clients() -> None:
    command = parse("since location:“Ain al-Assad” as-of:2024-07-15", TODAY)
    assert command.filters.location == "Ain al-Assad"
    assert command.as_of == date(2024, 7, 15)


def test_add_takes_a_day_and_fields() -> None:
    command = parse(
        'add 2024-07-16 location:"Ain al-Assad" country:Iraq kind:drone quantity:2', TODAY
    )
    assert command.day == date(2024, 7, 16)
    assert command.fields == {
        "location": "Ain al-Assad",
        "country": "Iraq",
        "kind": "drone",
        "quantity": "2",
    }


def test_last_takes_a_count_and_edit_an_id() -> None:
    assert parse("last 10 kind:drone", TODAY).number == 10
    command = parse("edit 12 kind:rocket", TODAY)
    assert (command.number, command.fields) == (12, {"kind": "rocket"})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sinse", "Did you mean `since`?"),
        ("since contry:Iraq", "did you mean country:?"),
        ("since as-of 2024-13-01", "not a day of the calendar; write dates as YYYY-MM-DD"),
        ("since as-of 15/07/2024", "is not a date; write dates as YYYY-MM-DD"),
        ("since as-of 2026-11-26", "in the future (today is 2026-11-25)"),
        ("add 2026-12-01 kind:drone", "in the future"),
        ("add kind:drone", "`add` needs the day it happened"),
        ("add 2024-07-16 colour:red", "`colour:` is not a field"),
        ("edit kind:drone", "`edit` needs the incident's id"),
        ("edit 4", "`edit` needs at least one FIELD:VALUE"),
        ("delete", "`delete` needs the incident's id"),
        ("since 2024-07-15", "write as-of 2024-07-15"),
        ("list", "`list` needs from:DATE"),
        ("pauses limit:0", "limit:0 is not a number from 1 to 200"),
        ("stats by:colour", "by:colour is not a breakdown"),
        ('since location:"Ain al-Assad', "A quote is not closed"),
        ("since country:", "`country:` has no value"),
        ("since country:Iraq country:Syria", "`country:` is given twice"),
        ("since attacks us-strikes", "Give one series"),
        ("add 2024-07-16 as-of 2024-07-17", "`as-of` is for questions"),
        ("help nothing", "`help` takes one command name"),
        ("", "Say a command"),
    ],
)
def test_mistakes_say_what_was_wrong(text: str, expected: str) -> None:
    with pytest.raises(GrammarError) as raised:
        parse(text, TODAY)
    assert expected in str(raised.value)


def test_errors_about_a_verb_show_how_to_write_it() -> None:
    with pytest.raises(GrammarError) as raised:
        parse("since contry:Iraq", TODAY)
    assert "Usage: since [SERIES] [FILTERS] [as-of DATE]" in str(raised.value)
    assert raised.value.verb == "since"


def test_today_itself_is_not_the_future() -> None:
    assert parse("since as-of 2026-11-25", TODAY).as_of == TODAY
