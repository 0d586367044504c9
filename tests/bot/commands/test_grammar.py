"""The command grammar: what parses, and what each mistake is told."""

from __future__ import annotations

from datetime import date

import pytest

from bot.commands.command import GrammarError
from bot.commands.grammar import parse
from bot.commands.plain_words import Vocabulary
from bot.commands.verbs import VERBS
from bot.domain.fields import IncidentFields
from bot.domain.filters import Filters

TODAY = date(2026, 11, 25)


def test_every_verb_is_one_row_whose_examples_parse() -> None:
    assert [verb.name for verb in VERBS.values()] == list(VERBS)
    for name, verb in VERBS.items():
        assert verb.usage.split()[0] == name and verb.summary and verb.examples
        for example in verb.examples:
            assert parse(example, TODAY).verb == name


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
    assert command.incident == IncidentFields(
        occurred_on=date(2024, 7, 16),
        location="Ain al-Assad",
        country="Iraq",
        kind="drone",
        quantity=2,
    )


def test_last_takes_a_count_and_edit_an_id() -> None:
    assert parse("last 10 kind:drone", TODAY).limit == 10
    command = parse("edit 12 kind:rocket date:2024-07-01", TODAY)
    assert command.incident_id == 12
    assert command.changes == (("kind", "rocket"), ("occurred_on", date(2024, 7, 1)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sinse", "Did you mean `since`?"),
        ("since contry:Iraq", "did you mean country:?"),
        ("since as-of 2024-13-01", "not a day of the calendar; write dates as YYYY-MM-DD"),
        ("since as-of soon", "`as-of soon` is not a day; write a day as YYYY-MM-DD"),
        ("since as-of 2026-11-26", "in the future (today is 2026-11-25)"),
        ("add 2026-12-01 kind:drone", "in the future"),
        ("add kind:drone", "`add` needs the day it happened"),
        ("add 2024-07-16 colour:red", "`colour:` is not a field"),
        ("edit kind:drone", "`edit` needs the incident's id"),
        ("edit 4", "`edit` needs at least one FIELD:VALUE"),
        ("delete", "`delete` needs the incident's id"),
        ("since 2024-13-15", "is not a day of the calendar"),
        ("list", "`list` needs from:DATE"),
        ("pauses limit:0", "limit:0 is not a number from 1 to 500"),
        ("last 501", "`last` takes a number from 1 to 500"),
        ("edit 99999999999999999999 kind:drone", "is not an incident id"),
        ("add 2024-07-16 quantity:²", "quantity '²' is not a whole number"),
        ("add 2024-07-16 killed:99999999999", "is too large; the largest is 2,147,483,647"),
        ("since " + "x" * 5000, "keep it under 4,000"),
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


def test_an_apostrophe_inside_a_name_is_a_letter_typed_any_way() -> None:
    for written in ("Al-Qa’im", "Al-Qa'im", "'Al-Qa’im'", "“Al-Qa’im”", '"Al-Qa\'im"'):
        command = parse(f"add 2024-07-16 location:{written}", TODAY)
        assert command.incident is not None
        assert command.incident.location in ("Al-Qa’im", "Al-Qa'im")
    assert parse("pause location:Al-Qa’im", TODAY).filters.location == "Al-Qa’im"


VOCABULARY = Vocabulary(
    series={
        "attacks": "attacks",
        "attack": "attacks",
        "us-strikes": "us-strikes",
        "strikes": "us-strikes",
        "strike": "us-strikes",
    },
    values={
        "iraq": ("country", "Iraq"),
        "ain al-assad": ("location", "Ain al-Assad"),
        "drone": ("kind", "drone"),
    },
    labels={("country", "iraq"): "Iraq"},
)


@pytest.mark.parametrize(
    ("text", "verb", "series", "filters"),
    [
        ("since last attack", "since", "attacks", Filters()),
        ("days since", "since", None, Filters()),
        ("how many days since the last attack?", "since", "attacks", Filters()),
        ("is the current pause the longest?", "pause", None, Filters()),
        ("pause iraq", "pause", None, Filters(country="Iraq")),
        (
            "since the last drone attack at Ain al-Assad",
            "since",
            "attacks",
            Filters(location="Ain al-Assad", kind="drone"),
        ),
        ("pauses strikes", "pauses", "us-strikes", Filters()),
        ("since country:iraq", "since", None, Filters(country="Iraq")),
    ],
)
def test_the_words_people_type(text: str, verb: str, series: str | None, filters: Filters) -> None:
    command = parse(text, TODAY, VOCABULARY)
    assert (command.verb, command.series, command.filters) == (verb, series, filters)


def test_a_bare_value_is_said_back_as_its_filter() -> None:
    assert parse("pause iraq", TODAY, VOCABULARY).read_as == ("Read `iraq` as country:Iraq.",)


@pytest.mark.parametrize(
    ("text", "as_of"),
    [
        ("since yesterday", date(2026, 11, 24)),
        ("since as-of 3 days ago", date(2026, 11, 22)),
        ("pause as of 16 July 2024", date(2024, 7, 16)),
        ("since as-of 16 Jul", date(2026, 7, 16)),
        ("since as-of last friday", date(2026, 11, 20)),
    ],
)
def test_days_in_words(text: str, as_of: date) -> None:
    assert parse(text, TODAY, VOCABULARY).as_of == as_of


def test_add_today() -> None:
    command = parse("add today location:Erbil", TODAY, VOCABULARY)
    assert command.incident is not None and command.incident.occurred_on == TODAY


def test_a_word_not_understood_suggests_series_and_values() -> None:
    with pytest.raises(GrammarError) as raised:
        parse("pause iraqq", TODAY, VOCABULARY)
    assert "`iraqq` is not a series (attacks, us-strikes) or a value in the data" in str(
        raised.value
    )
    assert "Did you mean `country:Iraq`?" in str(raised.value)
    with pytest.raises(GrammarError) as raised:
        parse("add tomorrow", TODAY, VOCABULARY)
    assert "in the future" in str(raised.value)
