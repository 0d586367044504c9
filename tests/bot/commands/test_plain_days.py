"""Days people write most are read without the date parser, and read as the date parser reads them."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.commands.words import _parser_for, _plain_day, read_day

MONTH_NAMES = ("January", "Feb", "march", "Apr", "MAY", "june", "Jul", "august", "Sept", "oct")
FORMS = (
    "{d} {m}",
    "{d} {m} {y}",
    "{m} {d}",
    "{m} {d}, {y}",
    "{d}th of {m}",
    "the {d}th of {m} {y}",
    "{m} {d}th",
)


@settings(max_examples=400, deadline=None)
@given(
    today=st.dates(date(2001, 1, 1), date(2030, 12, 31)),
    day=st.integers(1, 31),
    month=st.sampled_from(MONTH_NAMES),
    years_back=st.integers(0, 3),
    form=st.sampled_from(FORMS),
)
def test_a_plain_day_is_read_as_the_date_parser_reads_it(
    today: date, day: int, month: str, years_back: int, form: str
) -> None:
    text = form.format(d=day, m=month, y=today.year - years_back).lower()
    fast = _plain_day(text, today)
    parsed = _parser_for(today).get_date_data(text)
    slow = parsed.date_obj.date() if parsed and parsed.date_obj else None
    if fast is not None:
        assert fast == slow, (text, today)
    else:
        # Left to the date parser: only days the calendar lacks, which it reads as none.
        assert slow is None, (text, today, slow)


def test_today_and_yesterday_and_other_words() -> None:
    today = date(2026, 3, 1)
    assert _plain_day("yesterday", today) == today - timedelta(days=1)
    assert _plain_day("3 days ago", today) == date(2026, 2, 26)
    assert _plain_day("a month ago", today) == date(2026, 2, 1)
    assert _plain_day("2 weeks ago", today) == date(2026, 2, 15)
    assert _plain_day("1 year ago", date(2024, 2, 29)) == date(2023, 2, 28)
    assert read_day("three", today=today) is None  # a count, never a day
    assert _plain_day("31 february", today) is None
    assert read_day("16 July", today=today) == date(2025, 7, 16)


@settings(max_examples=100, deadline=None)
@given(today=st.dates(date(2001, 1, 1), date(2030, 12, 31)), n=st.integers(0, 400))
def test_days_ago_are_read_as_the_date_parser_reads_them(today: date, n: int) -> None:
    text = f"{n} days ago"
    parsed = _parser_for(today).get_date_data(text)
    assert _plain_day(text, today) == parsed.date_obj.date()
