"""Typed commands from typed input: the same checks and messages as the text grammar."""

from __future__ import annotations

from datetime import date

import pytest

from bot.commands import build
from bot.commands.command import GrammarError
from bot.commands.grammar import parse
from bot.commands.plain_words import Vocabulary
from bot.domain.filters import Filters

TODAY = date(2026, 11, 25)
WORDS = Vocabulary(
    series={"attacks": "attacks", "attack": "attacks"}, labels={("country", "iraq"): "Iraq"}
)


def test_a_question_built_from_options_equals_the_same_question_typed() -> None:
    built = build.question(
        "since",
        today=TODAY,
        vocabulary=WORDS,
        series="attack",
        filters={"country": "iraq", "kind": None},
        as_of="2024-07-15",
    )
    typed = parse("since attacks country:iraq as-of 2024-07-15", TODAY, WORDS)
    assert built == typed
    assert built.filters == Filters(country="Iraq")


def test_an_apostrophe_and_spaces_need_no_quoting() -> None:
    command = build.add(
        today=TODAY, day="2024-07-16", fields={"location": "Al-Qa’im", "notes": 'said "hi" & left'}
    )
    assert command.incident is not None
    assert command.incident.location == "Al-Qa’im"
    assert command.incident.notes == 'said "hi" & left'


def test_typed_numbers_and_days_in_words() -> None:
    command = build.add(today=TODAY, day="yesterday", fields={"quantity": 2, "time": "21:30"})
    assert command.incident is not None
    assert (command.incident.occurred_on, command.incident.quantity) == (date(2026, 11, 24), 2)
    edit = build.edit(today=TODAY, incident_id=4, fields={"date": "2024-07-20", "killed": 0})
    assert edit.changes == (("occurred_on", date(2024, 7, 20)), ("killed", 0))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: build.add(today=TODAY, day="tomorrow", fields={}), "in the future"),
        (lambda: build.add(today=TODAY, day="soon", fields={}), "'soon' is not a day"),
        (
            lambda: build.add(today=TODAY, day="2024-07-16", fields={"killed": -1}),
            "is not a whole number from 0",
        ),
        (lambda: build.edit(today=TODAY, incident_id=3, fields={}), "needs at least one"),
        (lambda: build.question("list", today=TODAY), "`list` needs from:DATE"),
        (lambda: build.question("pauses", today=TODAY, limit=501), "from 1 to 500"),
        (lambda: build.question("stats", today=TODAY, by="colour"), "not a breakdown"),
        (
            lambda: build.question("since", today=TODAY, vocabulary=WORDS, series="nope"),
            "`nope` is not a series",
        ),
        (lambda: build.delete(incident_id=0), "is not an incident id"),
    ],
)
def test_mistakes_say_what_was_wrong(make, message: str) -> None:
    with pytest.raises(GrammarError) as raised:
        make()
    assert message in str(raised.value)
