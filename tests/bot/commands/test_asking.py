"""The reader of questions in people's words: what each is read as, follow-ups, choices, refusals."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.commands.asked import asked_data, asked_from, command_text
from bot.commands.asking import begins_with_a_verb, looks_like_a_command, read_question
from bot.commands.command import Command
from bot.commands.data_words import words
from bot.commands.lexicon import compact, folded
from bot.domain.filters import Filters
from bot.domain.periods import Period
from bot.settings import SeriesSettings, Settings

TODAY = date(2026, 11, 25)  # a Wednesday
VALUES = [
    ("country", "Iraq"),
    ("country", "Syria"),
    ("country", "Jordan"),
    ("location", "Ain al-Asad"),
    ("location", "Al-Tanf"),
    ("location", "Tower 22"),
    ("location", "Erbil"),
    ("kind", "drone"),
    ("kind", "rocket"),
]
WORDS = words(Settings(), ["attacks", "us-strikes"], VALUES)


def read(text: str, previous: Command | None = None) -> str:
    reading = read_question(text, TODAY, WORDS, previous=previous)
    assert reading.command is not None, (text, reading)
    return command_text(reading.command)


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("when was the most recent attack in syria?", "since attacks country:Syria"),
        ("How many days has it been since the last attack?", "since attacks"),
        (
            "how many rocket attacks in 2025?",
            "stats attacks between 2025-01-01 and 2025-12-31 kind:rocket",
        ),
        ("how many attacks this month", "stats attacks between 2026-11-01 and 2026-11-25"),
        ("how many attacks since march?", "stats attacks between 2026-03-01 and 2026-11-25"),
        ("how many attacks in Q1 2025", "stats attacks between 2025-01-01 and 2025-03-31"),
        ("has it ever been this quiet?", "pause"),
        ("is this a record lull?", "pause"),
        ("longest stretch without a strike?", "pause us-strikes"),
        ("the 5 longest pauses in jordan", "pauses country:Jordan limit:5"),
        ("what were the six longest gaps between attacks?", "pauses attacks limit:6"),
        ("drone attacks by month", "stats attacks by:month kind:drone"),
        ("show attacks from last week", "list attacks between 2026-11-16 and 2026-11-22"),
        ("what happened on 16 July?", "list between 2026-07-16 and 2026-07-16"),
        ("how long did the pause before the last attack last?", "since attacks"),
        ("sinc lst atack", "since attacks"),
        ("paus", "pause"),
        ("strikez", "since us-strikes"),
        ("pause ain al asad", 'pause location:"Ain al-Asad"'),
        ("since al tanf", "since location:Al-Tanf"),
        ("when was Tower22 last hit", 'since location:"Tower 22"'),
        ("how many rokcet attacks in iraqq", "stats attacks country:Iraq kind:rocket"),
        ("last three attacks in erbil", "last attacks location:Erbil 3"),
        ("chart of airstrikes in syria", "chart us-strikes country:Syria"),
        ("@pausewatch when was the last attack?", "since attacks"),
        ("when was the last attack as of 1 July", "since attacks as-of 2026-07-01"),
        ("last three attacks", "last attacks 3"),
        ("show the five most recent attacks", "last attacks 5"),
        ("when did the last attack happen?", "since attacks"),
        ("what happened yesterday", "list between 2026-11-24 and 2026-11-24"),
        (
            "how many attacks in the last two weeks",
            "stats attacks between 2026-11-12 and 2026-11-25",
        ),
        ("how many attacks last wk", "stats attacks between 2026-11-16 and 2026-11-22"),
        (
            "how many attacks since the start of the year",
            "stats attacks between 2026-01-01 and 2026-11-25",
        ),
        (
            "how many attacks from January to March 2025",
            "stats attacks between 2025-01-01 and 2025-03-31",
        ),
        ("how many attacks march 3 to march 9", "stats attacks between 2026-03-03 and 2026-03-09"),
        ("hwo many attacks this yaer", "stats attacks between 2026-01-01 and 2026-11-25"),
        ("longest period with no rocket attacks", "pause attacks kind:rocket"),
        ("howmany attacks lastweek", "stats attacks between 2026-11-16 and 2026-11-22"),
        ("how many attacks 3-9 March", "stats attacks between 2026-03-03 and 2026-03-09"),
        ("attacks jan-mar 2025", "list attacks between 2025-01-01 and 2025-03-31"),
        (
            "attacks in the first quarter of 2025",
            "list attacks between 2025-01-01 and 2025-03-31",
        ),
        ("attacks in the week of 18 November", "list attacks between 2026-11-16 and 2026-11-22"),
        ("how many attacks since a month ago", "stats attacks between 2026-10-25 and 2026-11-25"),
        ("no. of strikes 2024", "stats us-strikes between 2024-01-01 and 2024-12-31"),
        (
            "I'm preparing a brief: how many attacks in 2025?",
            "stats attacks between 2025-01-01 and 2025-12-31",
        ),
        ("attacks yday?", "list attacks between 2026-11-24 and 2026-11-24"),
        (
            "which country had the most attacks this year",
            "stats attacks between 2026-01-01 and 2026-11-25 by:country",
        ),
        (
            "month by month rocket attacks 2025",
            "stats attacks between 2025-01-01 and 2025-12-31 by:month kind:rocket",
        ),
    ],
)
def test_what_a_question_is_read_as(text: str, command: str) -> None:
    assert read(text) == command


def test_every_reading_says_how_it_read_the_words() -> None:
    reading = read_question("how many rokcet attacks in iraqq", TODAY, WORDS)
    assert reading.command is not None
    said = reading.command.read_as
    assert "Read `rokcet` as kind:rocket." in said
    assert "Read `iraqq` as country:Iraq." in said
    assert said[-1] == "Read as `stats attacks country:Iraq kind:rocket`."
    mended = read_question("sinc lst atack", TODAY, WORDS).command
    assert mended is not None
    assert mended.read_as[:3] == (
        "Read `sinc` as since.",
        "Read `lst` as last.",
        "Read `atack` as attack.",
    )


def test_a_follow_up_changes_one_part_of_the_question_before() -> None:
    first = read_question("how many drone attacks in iraq in 2025?", TODAY, WORDS).command
    assert first is not None
    assert read("and in Syria?", first) == (
        "stats attacks between 2025-01-01 and 2025-12-31 country:Syria kind:drone"
    )
    assert read("what about rockets?", first) == (
        "stats attacks between 2025-01-01 and 2025-12-31 country:Iraq kind:rocket"
    )
    assert read("and the strikes?", first) == (
        "stats us-strikes between 2025-01-01 and 2025-12-31 country:Iraq kind:drone"
    )
    assert read("last week?", first) == (
        "stats attacks between 2026-11-16 and 2026-11-22 country:Iraq kind:drone"
    )
    since = read_question("when was the last attack in iraq", TODAY, WORDS).command
    assert read("and as of 1 July?", since) == "since attacks country:Iraq as-of 2026-07-01"
    assert read("and everywhere?", since) == "since attacks"
    # A whole question after one asks anew.
    assert read("how many strikes last month", first) == (
        "stats us-strikes between 2026-10-01 and 2026-10-31"
    )
    # A breakdown that names its series and a filter is a whole question too.
    assert read("drone strikes by month", first) == "stats us-strikes by:month kind:drone"
    assert read("strikes by month", first) == (
        "stats us-strikes between 2025-01-01 and 2025-12-31 by:month country:Iraq kind:drone"
    )


def test_a_place_only_one_series_holds_is_asked_of_it() -> None:
    owned = words(
        Settings(),
        ["attacks", "us-strikes"],
        [*VALUES, ("location", "Al-Qaim")],
        {("location", "al-qaim"): ("us-strikes",), ("kind", "rocket"): ("attacks",)},
    )
    reading = read_question("when was al qaim last hit", TODAY, owned)
    assert reading.command is not None and reading.command.series == "us-strikes"
    assert "Read as the series us-strikes: only it holds location:Al-Qaim." in (
        reading.command.read_as
    )
    # A value carried into a follow-up about a series that does not hold it is left out.
    rockets = read_question("how many rocket attacks in 2025", TODAY, owned).command
    strikes = read_question("and the strikes?", TODAY, owned, previous=rockets).command
    assert strikes is not None and strikes.filters == Filters()
    assert "Left out kind:rocket: no us-strikes hold it." in strikes.read_as


def test_a_follow_up_changes_filters_as_people_mean() -> None:
    harir = read_question("drone attacks at erbil this year", TODAY, WORDS).command
    whole = read_question("and all of iraq", TODAY, WORDS, previous=harir).command
    assert whole is not None and whole.filters == Filters(country="Iraq", kind="drone")
    every = read_question("all kinds", TODAY, WORDS, previous=whole).command
    assert every is not None and every.filters == Filters(country="Iraq")
    split = read_question("by country instead", TODAY, WORDS, previous=whole).command
    assert split is not None and (split.by, split.filters) == ("country", Filters(kind="drone"))


def test_a_follow_up_may_point_at_the_question_before() -> None:
    mayadin = read_question("strikes in erbil in 2024", TODAY, WORDS).command
    assert read("when was it last hit", mayadin) == "since us-strikes location:Erbil"
    assert read("now by month", mayadin) == (
        "stats us-strikes between 2024-01-01 and 2024-12-31 by:month location:Erbil"
    )


def test_two_readings_as_close_as_each_other_are_asked_back() -> None:
    both = words(Settings(), ["attacks"], [*VALUES, ("location", "Jordan")])
    reading = read_question("since jordan", TODAY, both)
    assert reading.command is None
    assert [command_text(c) for c in reading.choices] == [
        "since country:Jordan",
        "since location:Jordan",
    ]
    picked = read_question("2", TODAY, both, offered=reading.choices)
    assert picked.command is not None
    assert picked.command.filters == reading.choices[1].filters
    assert picked.command.read_as[-1] == "Read as `since location:Jordan`."
    assert read_question("3", TODAY, both, offered=reading.choices).problem == (
        "Answer with a number from 1 to 2, or ask again in full."
    )
    assert "asked back" in read_question("2", TODAY, both).problem
    either = read_question("attacks in iraq or syria", TODAY, WORDS)
    assert [c.filters for c in either.choices] == [
        Filters(country="Iraq"),
        Filters(country="Syria"),
    ]


def test_words_that_are_not_read_are_refused_with_commands_that_would() -> None:
    reading = read_question("how many attacks in baghdad", TODAY, WORDS)
    assert reading.command is None
    assert "`baghdad`" in reading.problem
    assert "since attacks" in reading.suggestions
    nothing = read_question("hello there", TODAY, WORDS)
    assert nothing.command is None and nothing.problem == "No question was found in those words."
    # A word spelled somewhat like a value of the data is asked back, not guessed.
    close = read_question("since erbeel", TODAY, WORDS)
    assert [command_text(c) for c in close.choices] == ["since location:Erbil"]
    assert close.choices[0].read_as == ()
    future = read_question("how many attacks in 2027", TODAY, WORDS)
    assert future.command is None and "in the future" in future.problem


@pytest.mark.parametrize(
    "text",
    [
        "how many attacks before 2025",
        "how many attacks not in iraq",
        "attacks except drones",
        "how many attacks in late 2025",
        "how many attacks in 2025 last week",
    ],
)
def test_words_that_would_change_the_question_are_not_skipped(text: str) -> None:
    reading = read_question(text, TODAY, WORDS)
    assert reading.command is None and not reading.choices and reading.problem


@pytest.mark.parametrize(
    "text",
    [
        "non-drone attacks last month",
        "attacks other than syria since january",
        "last attack anywhere but iraq",
        "the second longest pause",
        "the 3rd most recent attack",
        "how many attacks in the previous 7 days",
        "how many attacks recently",
        "how many attacks in the last few days",
        "how many attacks happened at night",
        "when was the last attack on a friday",
        "attacks last weekend",
        "how many attacks per day in november",
        "attacks in syria by year and by kind",
        "longest pause since january",
        "top 3 pauses this year",
        "when was the last attack in iran",
    ],
)
def test_questions_it_cannot_answer_are_refused_not_answered_otherwise(text: str) -> None:
    # Each was once answered with wrong facts: a negation, an ordinal, a period or a part of
    # the question dropped, or a name not in the data read as one that is (now asked back).
    reading = read_question(text, TODAY, WORDS)
    assert reading.command is None
    # Nothing suggested asks for what a negation excluded.
    assert not any("drone" in c or "Syria" in c or "Iraq" in c for c in reading.suggestions)


def test_a_follow_up_as_of_a_day_counts_the_period_up_to_that_day() -> None:
    first = read_question("how many attacks in 2025", TODAY, WORDS).command
    later = read_question("and as of 1 July 2025?", TODAY, WORDS, previous=first).command
    assert later is not None and (later.start, later.end) == (date(2025, 1, 1), date(2025, 7, 1))
    before = read_question("and as of 1 July 2024?", TODAY, WORDS, previous=first)
    assert before.command is None and "begins after 1 Jul 2024" in before.problem


def test_a_series_is_named_by_its_nouns_and_configured_aliases() -> None:
    outages = Settings(series={"outages": SeriesSettings(noun="outage", aliases=["downtime"])})
    known = words(outages, ["outages"], [])
    reading = read_question("how much downtime last month?", TODAY, known)
    assert reading.command is not None and reading.command.series == "outages"


def test_commands_and_questions_are_told_apart() -> None:
    assert begins_with_a_verb("since country:Iraq") and not begins_with_a_verb("when was it")
    assert looks_like_a_command("add 2024-07-16") and looks_like_a_command("x country:Iraq")
    assert not looks_like_a_command("what's the pause at 12:30")


def test_a_question_is_kept_as_data_and_rebuilt() -> None:
    period = Period(date(2025, 1, 1), date(2025, 12, 31), "in 2025")
    command = Command(
        verb="stats",
        series="attacks",
        filters=Filters(country="Iraq", location="Ain al-Asad"),
        as_of=date(2026, 1, 2),
        start=period.first,
        end=period.last,
        by="month",
        period=period,
    )
    assert asked_from(asked_data(command)) == command
    assert asked_from({"verb": "since", "as_of": "not a day"}) is None


def test_spellings_compare_without_case_accents_or_punctuation() -> None:
    assert compact("Ain al-Asad") == compact("AIN AL ASAD") == "ainalasad"
    assert folded("Āmerli") == "amerli"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=12),
            st.sampled_from(
                ["&amp;", "<!channel>", "@everyone", "🚀", "\x00", "9" * 40, "between", "since"]
            ),
            st.sampled_from(["last", "week", "and", "q1", "2025", "pause", "iraq", "of", "as"]),
        ),
        max_size=12,
    )
)
def test_any_text_is_read_or_refused_never_raised(parts: list[str]) -> None:
    reading = read_question(" ".join(parts), TODAY, WORDS)
    assert (reading.command is not None) + bool(reading.choices) + bool(reading.problem) == 1
