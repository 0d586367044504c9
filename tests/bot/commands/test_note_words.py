"""`note ...` and `with:` read into the typed Command (pure), and the notes' words in replies."""

from __future__ import annotations

from datetime import date

import pytest

from bot.commands.command import GrammarError, NoteRequest
from bot.commands.grammar import parse
from bot.commands.note_words import typed_note
from bot.commands.plain_words import Vocabulary
from bot.domain.notes import NOTES_NAMED, Note, notes_text, notes_within

TODAY = date(2024, 7, 22)
WORDS = Vocabulary(series={"attacks": "attacks", "us-strikes": "us-strikes"})
TEXT = "U.S. strikes on 85 targets in Iraq and Syria"


@pytest.mark.parametrize(
    ("written", "series", "day", "text"),
    [
        (f'note add 2024-02-02 "{TEXT}"', None, date(2024, 2, 2), TEXT),
        (f'note add 2024-02-02 "{TEXT}" us-strikes', "us-strikes", date(2024, 2, 2), TEXT),
        (f'note add 2024-02-02 us-strikes "{TEXT}"', "us-strikes", date(2024, 2, 2), TEXT),
        (f"note add 2 Feb 2024 “{TEXT}”", None, date(2024, 2, 2), TEXT),
        ('note add yesterday "strikes"', None, date(2024, 7, 21), "strikes"),  # quoted: text
        ("note add 2024-02-02 ceasefire", None, date(2024, 2, 2), "ceasefire"),
    ],
)
def test_a_note_add_is_read_once_into_its_request(
    written: str, series: str | None, day: date, text: str
) -> None:
    command = parse(written, TODAY, WORDS)
    assert (command.verb, command.topic, command.series) == ("note", "add", series)
    assert command.note == NoteRequest(day=day, text=text)


def test_note_list_and_delete_are_read_with_their_period_and_id() -> None:
    listed = parse("note list us-strikes in February 2024", TODAY, WORDS)
    assert (listed.series, listed.start, listed.end) == (
        "us-strikes",
        date(2024, 2, 1),
        date(2024, 2, 29),
    )
    assert listed.only_asks and not parse('note add 2024-02-02 "x"', TODAY, WORDS).only_asks
    assert parse("note delete 12", TODAY, WORDS).note == NoteRequest(note_id=12)
    with pytest.raises(GrammarError, match="is not a series or a period"):
        parse("note list sometime", TODAY, WORDS)


def test_with_names_another_series_for_a_chart_or_a_digest_only() -> None:
    assert parse("chart attacks with:us-strikes", TODAY, WORDS).context_series == "us-strikes"
    digest = parse("subscribe digest attacks with:us-strikes", TODAY, WORDS)
    assert (digest.topic, digest.context_series) == ("digest", "us-strikes")
    for wrong, said in (
        ("chart attacks with:attacks", "is the series charted"),
        ("chart with:nosuch", "`with:nosuch` is not a series; the series are attacks, us-strikes"),
        ("subscribe alerts with:us-strikes", "Only a chart or a digest takes another series"),
        ("since with:us-strikes", "`with:` is not a filter key"),
    ):
        with pytest.raises(GrammarError) as refused:
            parse(wrong, TODAY, WORDS)
        assert said in str(refused.value)


def test_typed_values_get_the_text_grammars_checks() -> None:
    added = typed_note(
        today=TODAY,
        action="add",
        vocabulary=WORDS,
        day="2 Feb 2024",
        text=TEXT,
        series="us-strikes",
    )
    assert added.note == NoteRequest(day=date(2024, 2, 2), text=TEXT)
    assert added.series == "us-strikes"
    for values, said in (
        ({"day": "2024-02-02", "text": ""}, "The note has no text"),
        ({"day": "2024-07-23", "text": "x"}, "in the future (today is 2024-07-22)"),
        ({"day": "someday", "text": "x"}, "'someday' is not a day"),
        ({"day": "2024-02-02", "text": "x" * 301}, "keep it to 300"),
        ({"day": "2024-02-02", "text": "x", "series": "nosuch"}, "`nosuch` is not a series"),
    ):
        with pytest.raises(GrammarError) as refused:
            typed_note(today=TODAY, action="add", vocabulary=WORDS, **values)
        assert said in refused.value.reason
    period = typed_note(today=TODAY, action="list", vocabulary=WORDS, period="last month")
    assert (period.start, period.end) == (date(2024, 6, 1), date(2024, 6, 30))
    with pytest.raises(GrammarError, match="Give the days once"):
        typed_note(today=TODAY, action="list", vocabulary=WORDS, period="May", start="2024-05-01")


def test_the_notes_of_a_span_are_said_oldest_first_the_first_few_named() -> None:
    notes = [Note(n, "attacks", date(2024, 7, 10 + n), f"line {n}") for n in range(1, 7)]
    within = notes_within(reversed(notes), date(2024, 7, 12), date(2024, 7, 15))
    assert [n.id for n in within] == [n.id for n in notes if 12 <= n.day.day <= 15]
    said = notes_text(within, within="since the last attack")
    assert said is not None and said.startswith(f"Since the last attack: {len(within)} notes, ")
    named = said.count(" on ")
    assert named == min(len(within), NOTES_NAMED)
    assert f"and {len(within) - NOTES_NAMED} more (`note list`)" in said
    assert notes_text([], within="since the last attack") is None
    [one] = notes[:1]
    assert notes_text([one], within="since the last attack") == (
        "Since the last attack: 1 note, line 1 on 11 Jul 2024."
    )


def test_with_the_default_series_is_refused_when_no_series_is_named() -> None:
    words = Vocabulary(series=WORDS.series, default_series="attacks")
    with pytest.raises(GrammarError) as refused:
        parse(f"chart with:{words.default_series}", TODAY, words)
    assert f"`with:{words.default_series}` is the series charted" in str(refused.value)
    other = next(name for name in set(words.series.values()) if name != words.default_series)
    assert parse(f"chart with:{other}", TODAY, words).context_series == other


def test_with_none_removes_a_digests_other_series_and_is_nothing_on_a_chart() -> None:
    assert parse("subscribe digest attacks with:none", TODAY, WORDS).context_series == ""
    assert parse("chart attacks with:None", TODAY, WORDS).context_series is None


def test_with_after_a_digests_schedule_is_read_as_well() -> None:
    for written in (
        "subscribe digest every friday 09:00 with:us-strikes",
        "subscribe digest with:us-strikes every friday 09:00",
    ):
        command = parse(written, TODAY, WORDS)
        assert command.context_series == "us-strikes", written
        assert command.schedule is not None and command.schedule.written() == "every friday 09:00"
