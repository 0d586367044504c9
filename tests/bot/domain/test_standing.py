"""The standing of a series on a day, against DESIGN.md's definitions walked out by brute force."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import accumulate

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.pauses import Counting, Pause
from bot.domain.standing import RIVAL_BLOCK, Kind, Timeline, standing_of
from tests.bot.domain.test_pauses import ARTICLE_DAYS, TRACKING_START, oracle_pauses

INCLUSIVE = Counting.INCLUSIVE


def test_the_86_day_pause_is_a_new_record_since_tracking_began() -> None:
    standing = standing_of(ARTICLE_DAYS, date(2024, 7, 16), INCLUSIVE, TRACKING_START)
    ended = standing.ended
    assert ended is not None
    assert ended.pause == Pause(date(2024, 4, 22), date(2024, 7, 16), 86)
    assert ended.kind is Kind.NEW_RECORD
    assert ended.since == TRACKING_START
    assert ended.record == Pause(date(2024, 2, 4), date(2024, 4, 21), 78)
    assert standing.running is None and standing.days_since == 0


def test_the_78_day_pause_was_the_first() -> None:
    standing = standing_of(ARTICLE_DAYS, date(2024, 4, 21), INCLUSIVE, TRACKING_START)
    assert standing.ended is not None and standing.ended.kind is Kind.FIRST
    assert standing.ended.since is None


def test_the_running_pause_the_day_after_the_april_attacks_beat_nothing() -> None:
    # 22 Apr → 23 Apr is 2 days, as long as the 2-day pause before it: not a record.
    standing = standing_of(ARTICLE_DAYS, date(2024, 4, 23), INCLUSIVE, TRACKING_START)
    place = standing.running_place
    assert place is not None and place.pause.length == 2
    assert place.kind is Kind.AS_LONG_AS
    assert place.rival == Pause(date(2024, 4, 21), date(2024, 4, 22), 2)
    assert place.since is None and not place.is_record
    assert standing.record == Pause(date(2024, 2, 4), date(2024, 4, 21), 78)
    assert place.short_of_record == 76


def test_a_week_after_the_july_attack_is_shorter_than_the_record_just_before() -> None:
    standing = standing_of(ARTICLE_DAYS, date(2024, 7, 22), INCLUSIVE, TRACKING_START)
    place = standing.running_place
    assert place is not None and place.kind is Kind.SHORTER
    assert place.rival == standing.record == Pause(date(2024, 4, 22), date(2024, 7, 16), 86)
    assert place.since is None


def test_a_tie_with_the_record_keeps_the_first_pause_as_the_record() -> None:
    days = [date(2024, 1, 1), date(2024, 1, 10), date(2024, 1, 19)]
    standing = standing_of(days, date(2024, 1, 28), INCLUSIVE, None)
    place = standing.running_place
    assert standing.record == Pause(date(2024, 1, 1), date(2024, 1, 10), 10)
    assert place is not None and place.pause.length == 10
    assert place.kind is Kind.EQUALS_RECORD
    assert place.record == standing.record
    assert place.since is None and place.beaten == 0
    assert standing.top() == [
        Pause(date(2024, 1, 1), date(2024, 1, 10), 10),
        Pause(date(2024, 1, 10), date(2024, 1, 19), 10),
    ]
    assert standing.running_rank == 3


def test_a_pause_longer_than_the_ones_since_a_longer_one_is_the_longest_since_it() -> None:
    days = [date(2024, 1, 1), date(2024, 3, 1), date(2024, 3, 5), date(2024, 3, 25)]
    standing = standing_of(days, date(2024, 3, 25), INCLUSIVE, date(2024, 1, 1))
    ended = standing.ended
    assert ended is not None and ended.kind is Kind.LONGEST_SINCE
    assert ended.since == date(2024, 3, 1)
    assert ended.rival == Pause(date(2024, 1, 1), date(2024, 3, 1), 61)
    assert ended.beaten == 1 and ended.longest_beaten == Pause(
        date(2024, 3, 1), date(2024, 3, 5), 5
    )


def test_no_incident_yet_and_an_incident_today() -> None:
    empty = standing_of([], date(2024, 1, 1), INCLUSIVE, TRACKING_START)
    assert (empty.last_day, empty.days_since, empty.running, empty.record) == (None,) * 4
    before = standing_of(ARTICLE_DAYS, date(2024, 2, 3), INCLUSIVE, TRACKING_START)
    assert before.last_day is None and before.pause_count == 0
    today = standing_of(ARTICLE_DAYS, date(2024, 2, 4), INCLUSIVE, TRACKING_START)
    assert today.days_since == 0 and today.running is None and today.ended is None


def test_elapsed_counting_counts_one_day_less_and_days_since_is_the_same() -> None:
    inclusive = standing_of(ARTICLE_DAYS, date(2024, 7, 15), INCLUSIVE, TRACKING_START)
    elapsed = standing_of(ARTICLE_DAYS, date(2024, 7, 15), Counting.ELAPSED, TRACKING_START)
    assert inclusive.running is not None and elapsed.running is not None
    assert (inclusive.running.length, elapsed.running.length) == (85, 84)
    assert inclusive.days_since == elapsed.days_since == 84


# The oracle reads DESIGN.md literally over the pauses a calendar walk finds.


def oracle_standing(
    day_set: set[date], as_of: date, counting: Counting, tracking: date | None
) -> dict[str, object]:
    known = {d for d in day_set if d <= as_of}
    walked = [Pause(a, b, n) for a, b, n in oracle_pauses(known, counting)]
    began = tracking if tracking is not None else (min(known) if known else None)
    record = None
    for pause in walked:  # the longest; among equals the first
        if record is None or pause.length > record.length:
            record = pause
    result: dict[str, object] = {"record": record, "pauses": walked}
    if not known:
        result["running"] = None
        return result
    last = max(known)
    result["days_since"] = (as_of - last).days
    if last < as_of:
        length = (as_of - last).days + (1 if counting is Counting.INCLUSIVE else 0)
        running = Pause(last, as_of, length, running=True)
        result["running"] = oracle_place(running, walked, began)
    else:
        result["running"] = None
    if walked:
        result["ended"] = oracle_place(walked[-1], walked[:-1], began)
    return result


def oracle_place(pause: Pause, earlier: list[Pause], began: date | None) -> dict[str, object]:
    at_least_as_long = [p for p in earlier if p.length >= pause.length]
    rival = at_least_as_long[-1] if at_least_as_long else None
    beaten = [p for p in earlier if rival is None or p.start >= rival.end]
    longest = max((p.length for p in earlier), default=None)
    if not earlier:
        kind = Kind.FIRST
    elif rival is None:
        kind = Kind.NEW_RECORD
    elif longest == pause.length:
        kind = Kind.EQUALS_RECORD
    elif beaten:
        kind = Kind.LONGEST_SINCE
    elif rival.length == pause.length:
        kind = Kind.AS_LONG_AS
    else:
        kind = Kind.SHORTER
    since = None
    if beaten:
        since = began if rival is None else rival.end
    first_record = next((p for p in earlier if p.length == longest), None)
    return {
        "kind": kind,
        "rival": rival,
        "beaten": len(beaten),
        "since": since,
        "record": first_record,
    }


# Few distinct gaps, so that many pauses have equal lengths: the ties are the hard part.
gappy_days = st.lists(st.sampled_from([1, 2, 3, 5, 8]), min_size=0, max_size=25).map(
    lambda gaps: {date(2024, 1, 1) + timedelta(days=sum(gaps[:i])) for i in range(len(gaps) + 1)}
)


# Long enough that a rival is searched for across several blocks of pauses (RIVAL_BLOCK).
long_gappy_days = st.lists(
    st.sampled_from([1, 1, 2, 3, 5, 8, 8, 13, 60, 150]),
    min_size=RIVAL_BLOCK,
    max_size=4 * RIVAL_BLOCK,
).map(lambda gaps: {date(2020, 1, 1) + timedelta(days=n) for n in accumulate(gaps, initial=0)})


@settings(max_examples=400, deadline=None)
@given(
    gappy_days,
    st.sampled_from(list(Counting)),
    st.integers(min_value=-3, max_value=120),
    st.sampled_from([None, date(2023, 10, 17)]),
)
def test_every_standing_matches_the_definitions(
    day_set: set[date], counting: Counting, as_of_offset: int, tracking: date | None
) -> None:
    as_of = date(2024, 1, 1) + timedelta(days=as_of_offset)
    repeated = sorted(day_set) + sorted(day_set)[::3]  # several incidents on some days
    standing = standing_of(repeated, as_of, counting, tracking)
    expected = oracle_standing(day_set, as_of, counting, tracking)
    assert standing.record == expected["record"]
    assert standing.pause_count == len(expected["pauses"])  # type: ignore[arg-type]
    assert standing.top() == sorted(
        expected["pauses"],  # type: ignore[arg-type]
        key=lambda p: (-p.length, p.start),
    )
    for got, wanted in (
        (standing.running_place, expected["running"]),
        (standing.ended, expected.get("ended")),
    ):
        if wanted is None:
            assert got is None
            continue
        assert got is not None
        assert {
            "kind": got.kind,
            "rival": got.rival,
            "beaten": got.beaten,
            "since": got.since,
            "record": got.record,
        } == wanted
    if standing.running is not None:
        assert standing.days_since == expected["days_since"]
        assert standing.running_rank == 1 + sum(
            1
            for p in expected["pauses"]
            if p.length >= standing.running.length  # type: ignore[attr-defined]
        )


@settings(max_examples=25, deadline=None)
@given(long_gappy_days, st.integers(min_value=0, max_value=400), st.integers(min_value=0))
def test_long_timelines_place_every_pause_as_the_definitions_do(
    day_set: set[date], after_last: int, cut: int
) -> None:
    days = sorted(day_set)
    # As of some incident day (the ended pause), or a running pause of any length after it.
    as_of = days[cut % len(days)] + timedelta(days=after_last if cut % 2 else 0)
    standing = standing_of(days, as_of, Counting.ELAPSED, None)
    expected = oracle_standing(day_set, as_of, Counting.ELAPSED, None)
    for got, wanted in (
        (standing.running_place, expected["running"]),
        (standing.ended, expected.get("ended")),
    ):
        assert (got is None) == (wanted is None)
        if got is not None and wanted is not None:
            assert (got.kind, got.rival, got.beaten, got.since, got.record) == (
                wanted["kind"],
                wanted["rival"],
                wanted["beaten"],
                wanted["since"],
                wanted["record"],
            )
    if standing.running is not None:
        assert standing.running_rank == 1 + sum(
            1
            for p in expected["pauses"]  # type: ignore[attr-defined]
            if p.length >= standing.running.length
        )


@given(
    gappy_days,
    st.integers(min_value=1, max_value=200),
    st.sampled_from(list(Counting)),
    st.sampled_from([None, date(2023, 10, 17)]),
)
def test_a_later_day_added_to_a_timeline_stands_as_the_whole_timeline_made_again(
    day_set: set[date], gap: int, counting: Counting, tracking: date | None
) -> None:
    numbers = sorted(day.toordinal() for day in day_set)
    before = Timeline(numbers, counting)
    later = (numbers[-1] if numbers else date(2024, 1, 1).toordinal()) + gap
    after = before.with_later_day(later)
    whole = Timeline([*numbers, later], counting)
    assert (after.ordinals, after.lengths) == (whole.ordinals, whole.lengths)
    for as_of in (date.fromordinal(later), date.fromordinal(later + gap)):
        assert after.standing(as_of, tracking) == whole.standing(as_of, tracking)
    assert before.ordinals == numbers  # the timeline it came from is unchanged
    assert before.lengths == Timeline(numbers, counting).lengths
    if numbers:
        with pytest.raises(ValueError, match="not after the last day"):
            before.with_later_day(numbers[-1])


@given(
    gappy_days,
    st.integers(min_value=-3, max_value=120),
    st.sampled_from(list(Counting)),
    st.sampled_from([None, date(2023, 10, 17)]),
)
def test_days_given_in_order_lay_out_and_end_pauses_as_any_days_do(
    day_set: set[date], as_of_offset: int, counting: Counting, tracking: date | None
) -> None:
    numbers = sorted(day.toordinal() for day in day_set)
    given_in_order = Timeline(numbers, counting, in_order=True)
    any_order = Timeline([*reversed(numbers), *numbers[::2]], counting)  # repeated, unordered
    assert (given_in_order.ordinals, given_in_order.lengths) == (
        any_order.ordinals,
        any_order.lengths,
    )
    as_of = date(2024, 1, 1) + timedelta(days=as_of_offset)
    expected = any_order.standing(as_of, tracking)
    assert given_in_order.ended(as_of, tracking) == expected.ended
    assert given_in_order.standing(as_of, tracking) == expected
