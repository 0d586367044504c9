"""Reply building and plain-text rendering, from plain data."""

from __future__ import annotations

from datetime import date

from bot.commands.render_text import render_text
from bot.commands.replies import Reply, Table
from bot.domain.pauses import Counting, closed_pauses, standing
from bot.domain.wording import day_text, span_text, standing_text
from tests.bot.domain.test_pauses import ARTICLE_DAYS, TRACKING_START


def test_day_and_span_text() -> None:
    assert day_text(date(2024, 2, 4)) == "4 Feb 2024"
    pauses = closed_pauses(ARTICLE_DAYS, Counting.INCLUSIVE)
    assert span_text(pauses[0]) == "4 Feb → 21 Apr 2024"
    across = closed_pauses([date(2023, 12, 30), date(2024, 1, 2)], Counting.INCLUSIVE)[0]
    assert span_text(across) == "30 Dec 2023 → 2 Jan 2024"


def test_the_86_day_pause_is_told_as_the_article_tells_it() -> None:
    pauses = closed_pauses(ARTICLE_DAYS, Counting.INCLUSIVE)
    text = standing_text(standing(pauses[-1], pauses[:-1], TRACKING_START), verb="was")
    assert text == (
        "It was the longest since tracking began on 17 Oct 2023; "
        "the previous record was 78 days, 4 Feb → 21 Apr 2024."
    )


def test_a_tie_says_equals_not_record() -> None:
    days = [date(2024, 1, 1), date(2024, 1, 10), date(2024, 1, 12), date(2024, 1, 21)]
    pauses = closed_pauses(days, Counting.INCLUSIVE)
    text = standing_text(standing(pauses[2], pauses[:2], date(2024, 1, 1)), verb="is")
    assert text.startswith("It equals the 10-day record of 1 Jan → 10 Jan 2024")
    assert "previous record" not in text


def test_a_pause_shorter_than_an_older_one_names_it() -> None:
    days = [date(2024, 1, 1), date(2024, 3, 1), date(2024, 3, 5), date(2024, 3, 25)]
    pauses = closed_pauses(days, Counting.INCLUSIVE)
    text = standing_text(standing(pauses[2], pauses[:2], date(2024, 1, 1)), verb="is")
    assert text == (
        "It is the longest since 1 Mar 2024, when a 61-day pause (1 Jan → 1 Mar 2024) ended; "
        "the previous record was 5 days, 1 Mar → 5 Mar 2024."
    )


def test_plain_text_aligns_tables_and_drops_empty_columns() -> None:
    reply = Reply(
        headline="Head",
        details=("one", "two"),
        tables=(Table("T", ("a", "empty", "long column"), (("x", "", "1"), ("yyyy", "", "22"))),),
    )
    assert render_text(reply).splitlines() == [
        "Head",
        "one",
        "two",
        "",
        "T:",
        "a     long column",
        "x     1",
        "yyyy  22",
    ]
