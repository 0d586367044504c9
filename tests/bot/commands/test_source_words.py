"""`source add` read once into the Command's SourceRequest, from text, Discord's options or flags."""

from __future__ import annotations

from datetime import date

import pytest

from bot.commands import build
from bot.commands.command import Command, GrammarError, SourceRequest
from bot.commands.grammar import parse
from bot.commands.source_words import ADD_USAGE, read_add, source_request

TODAY = date(2024, 7, 15)


def test_the_grammar_reads_a_source_add_into_its_request() -> None:
    command = parse(
        'source add acled-iraq kind:ACLED country:Iraq event-type:"Explosions/Remote violence" '
        "actor:Militia reviewed every:6h",
        TODAY,
    )
    assert command == Command(
        verb="source",
        topic="add",
        source=SourceRequest(
            name="acled-iraq",
            kind="acled",
            reviewed=True,
            every_minutes=360,
            query=(
                ("country", "Iraq"),
                ("event_type", "Explosions/Remote violence"),
                ("actor1", "Militia"),
            ),
        ),
    )
    assert parse("source run acled-iraq", TODAY) == Command(
        verb="source", topic="run", words=("acled-iraq",)
    )


def test_a_platform_and_the_terminal_build_the_same_request() -> None:
    text = parse("source add sheet kind:csv url:https://example.org/a.csv trusted", TODAY)
    discord = build.operation("source", "add", "sheet", "kind:csv url:https://example.org/a.csv")
    flags = source_request(
        "sheet",
        [("kind", "csv"), ("every", "1h"), ("url", "https://example.org/a.csv")],
        reviewed=False,
    )
    assert text == discord == Command(verb="source", topic="add", source=flags)


@pytest.mark.parametrize(
    ("words", "message"),
    [
        ((), f"`source add` needs the source's name first. {ADD_USAGE}"),
        (("kind:csv",), f"`source add` needs the source's name first. {ADD_USAGE}"),
        (("a b",), "'a b' is not a source name; use letters, digits, - and _, e.g. acled-iraq"),
        (("x", "bad"), f"'bad' is not KEY:VALUE. {ADD_USAGE}"),
        (("x", "Country: "), f"'Country: ' is not KEY:VALUE. {ADD_USAGE}"),
        (("x", "kind:csv", "Kind:json"), f"`kind:` is given twice. {ADD_USAGE}"),
        (("x", "url:u"), f"`source add` needs kind:csv, kind:json or kind:acled. {ADD_USAGE}"),
    ],
)
def test_what_is_wrong_is_said_as_it_always_was(words: tuple[str, ...], message: str) -> None:
    with pytest.raises(GrammarError) as raised:
        read_add(words)
    assert str(raised.value) == message


def test_discord_shows_the_message_with_no_usage_of_its_own() -> None:
    with pytest.raises(GrammarError) as raised:
        build.operation("source", "add", "x", "every:often kind:acled")
    assert raised.value.verb is None
    assert str(raised.value).startswith("'often' is not an interval")
