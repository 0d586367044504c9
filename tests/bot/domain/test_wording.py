"""The sentences about days, pauses and their standing: one for every case, each checked."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.filters import Filters
from bot.domain.pauses import Counting, Pause
from bot.domain.standing import standing_of
from bot.domain.wording import (
    Scope,
    a_n,
    counting_text,
    day_text,
    effect_text,
    ended_text,
    running_text,
    span_text,
)
from tests.bot.domain.test_pauses import ARTICLE_DAYS, TRACKING_START

ATTACKS = Scope("attack", "attacks")
INCLUSIVE = Counting.INCLUSIVE


def article_on(day: date):
    return standing_of(ARTICLE_DAYS, day, INCLUSIVE, TRACKING_START)


def test_days_and_spans() -> None:
    assert day_text(date(2024, 2, 4)) == "4 Feb 2024"
    assert span_text(Pause(date(2024, 2, 4), date(2024, 4, 21), 78)) == "4 Feb → 21 Apr 2024"
    across = Pause(date(2023, 12, 30), date(2024, 1, 2), 4)
    assert span_text(across) == "30 Dec 2023 → 2 Jan 2024"


@pytest.mark.parametrize(
    ("length", "words"),
    [
        (1, "a 1-day"),
        (8, "an 8-day"),
        (11, "an 11-day"),
        (18, "an 18-day"),
        (78, "a 78-day"),
        (86, "an 86-day"),
        (800, "an 800-day"),
        (1_800, "a 1,800-day"),
        (18_000, "an 18,000-day"),
    ],
)
def test_a_or_an_as_the_number_is_said(length: int, words: str) -> None:
    assert a_n(length) == words


def test_the_86_day_pause_is_told_as_the_article_tells_it() -> None:
    ended = article_on(date(2024, 7, 16)).ended
    assert ended is not None
    assert ended_text(ended, ATTACKS) == (
        "It ends an 86-day pause (22 Apr → 16 Jul 2024), a new record: the longest since "
        "tracking began on 17 Oct 2023; the previous record was 78 days (4 Feb → 21 Apr 2024)."
    )


def test_the_first_pause_is_not_called_a_record() -> None:
    ended = article_on(date(2024, 4, 21)).ended
    assert ended is not None
    assert ended_text(ended, ATTACKS) == (
        "It ends a 78-day pause (4 Feb → 21 Apr 2024), the first pause since tracking began "
        "on 17 Oct 2023."
    )


def test_a_short_pause_after_the_record_is_shorter_than_it() -> None:
    ended = article_on(date(2024, 4, 22)).ended
    assert ended is not None
    assert ended_text(ended, ATTACKS) == (
        "It ends a 2-day pause (21 Apr → 22 Apr 2024), shorter than the 78-day record "
        "(4 Feb → 21 Apr 2024)."
    )


def test_a_running_pause_as_long_as_the_one_before_is_not_the_longest_since_anything() -> None:
    place = article_on(date(2024, 4, 23)).running_place
    assert place is not None
    assert running_text(place) == (
        "It is as long as the 2-day pause that ended on 22 Apr 2024; the record is 78 days "
        "(4 Feb → 21 Apr 2024)."
    )
    assert "longest since" not in running_text(place) and "record of" not in running_text(place)


def test_a_running_pause_right_after_the_record_is_shorter_than_the_record() -> None:
    place = article_on(date(2024, 7, 22)).running_place
    assert place is not None
    assert running_text(place) == "It is shorter than the 86-day record (22 Apr → 16 Jul 2024)."


def test_a_running_pause_past_the_record_is_a_new_record() -> None:
    place = article_on(date(2024, 10, 11)).running_place
    assert place is not None and place.pause.length == 88
    assert running_text(place) == (
        "It is a new record: the longest since tracking began on 17 Oct 2023; the previous "
        "record was 86 days (22 Apr → 16 Jul 2024)."
    )


def test_a_running_pause_equal_to_the_record_equals_it_and_beats_nothing() -> None:
    days = [date(2024, 1, 1), date(2024, 1, 10), date(2024, 1, 19)]
    place = standing_of(days, date(2024, 1, 28), INCLUSIVE, None).running_place
    assert place is not None
    assert running_text(place) == "It equals the 10-day record (1 Jan → 10 Jan 2024)."


def test_a_pause_equal_to_the_record_after_a_shorter_one_still_only_equals_it() -> None:
    days = [date(2024, 1, 1), date(2024, 1, 10), date(2024, 1, 12), date(2024, 1, 21)]
    ended = standing_of(days, date(2024, 1, 21), INCLUSIVE, None).ended
    assert ended is not None
    assert ended_text(ended, ATTACKS) == (
        "It ends a 10-day pause (12 Jan → 21 Jan 2024), equal to the 10-day record "
        "(1 Jan → 10 Jan 2024)."
    )


def test_the_longest_since_a_longer_pause_names_it_and_the_record() -> None:
    # Pauses of 20, 8 and 3 days, then 5 days running: longer than the 3, not the 8.
    days = [date(2024, 1, 1), date(2024, 1, 20), date(2024, 1, 27), date(2024, 1, 29)]
    place = standing_of(days, date(2024, 2, 2), INCLUSIVE, None).running_place
    assert place is not None
    assert running_text(place) == (
        "It is the longest since 27 Jan 2024, when an 8-day pause (20 Jan → 27 Jan 2024) "
        "ended; the record is 20 days (1 Jan → 20 Jan 2024)."
    )
    assert running_text(place, name_record=False) == (
        "It is the longest since 27 Jan 2024, when an 8-day pause (20 Jan → 27 Jan 2024) ended."
    )


def test_the_longest_since_the_record_names_the_record_once() -> None:
    days = [date(2024, 1, 1), date(2024, 1, 20), date(2024, 1, 25), date(2024, 2, 1)]
    ended = standing_of(days, date(2024, 2, 1), INCLUSIVE, None).ended
    assert ended is not None
    assert ended_text(ended, ATTACKS) == (
        "It ends an 8-day pause (25 Jan → 1 Feb 2024), the longest since 20 Jan 2024, when the "
        "20-day record (1 Jan → 20 Jan 2024) ended."
    )


def test_shorter_than_a_pause_that_is_not_the_record_names_both() -> None:
    days = [date(2024, 1, 1), date(2024, 1, 20), date(2024, 1, 27), date(2024, 1, 29)]
    shorter = standing_of(days, date(2024, 1, 29), INCLUSIVE, None).ended
    assert shorter is not None
    assert ended_text(shorter, ATTACKS) == (
        "It ends a 3-day pause (27 Jan → 29 Jan 2024), shorter than the 8-day pause that ended "
        "on 27 Jan 2024; the record is 20 days (1 Jan → 20 Jan 2024)."
    )


def test_scopes_read_as_english() -> None:
    syria = Scope("strike", "strikes", Filters(country="Syria"))
    assert (syria.last_one, syria.pause_scope, syria.counted(1)) == (
        "the last strike in Syria",
        " in Syria",
        "1 strike in Syria",
    )
    drones = Scope("attack", "attacks", Filters(kind="drone", location="Tower 22", actor="X"))
    assert drones.last_one == "the last drone attack at Tower 22 by X"
    assert drones.pause_scope == " in drone attacks at Tower 22 by X"
    assert drones.counted(2) == "2 drone attacks at Tower 22 by X"
    assert ATTACKS.pause_scope == "" and ATTACKS.counted(176) == "176 attacks"


def test_the_counting_note_takes_its_example_from_the_data() -> None:
    record = article_on(date(2024, 7, 16)).record
    assert counting_text(INCLUSIVE, record) == (
        "Pauses count both end days (22 Apr → 16 Jul 2024 is 86 days)."
    )
    elapsed = standing_of(ARTICLE_DAYS, date(2024, 7, 16), Counting.ELAPSED, None).record
    assert counting_text(Counting.ELAPSED, elapsed) == (
        "Pauses count the days elapsed (22 Apr → 16 Jul 2024 is 85 days)."
    )
    assert counting_text(INCLUSIVE, None) == "Pauses count both end days."


def test_what_an_add_does_to_the_pauses() -> None:
    last = date(2024, 7, 16)
    assert effect_text(ATTACKS, last=None, day=last, same_day=False, ended=None, split=None) == (
        "It is the first attack of the series."
    )
    assert effect_text(ATTACKS, last=last, day=last, same_day=True, ended=None, split=None) == (
        "There was already an attack that day: no pause changes."
    )
    split = Pause(date(2024, 4, 22), date(2024, 7, 16), 86)
    text = effect_text(
        ATTACKS, last=last, day=date(2024, 6, 1), same_day=False, ended=None, split=split
    )
    assert text == (
        "It is a backfill before the last attack (16 Jul 2024): it splits an 86-day pause "
        "(22 Apr → 16 Jul 2024) into 41 days and 46 days."
    )
    ended = article_on(date(2024, 7, 16)).ended
    text = effect_text(
        ATTACKS, last=date(2024, 4, 22), day=last, same_day=False, ended=ended, split=None
    )
    assert text.startswith("It is the first attack since 22 Apr 2024: it ends an 86-day pause")
