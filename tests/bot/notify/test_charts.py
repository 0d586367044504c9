"""The weekly chart: what it shows (planned without drawing), and the figure drawn from it."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.filters import Filters
from bot.domain.pauses import Counting, Pause
from bot.domain.standing import standing_of
from bot.domain.wording import Scope
from bot.notify.charts import build_figure, chart_filename, plan, png, weekly_counts, window
from tests.bot.domain.test_pauses import ARTICLE_DAYS, TRACKING_START

ATTACKS = Scope("attack", "attacks")
DAILY = [(day, 1) for day in ARTICLE_DAYS]


def chart_on(day: date, scope: Scope = ATTACKS, daily=DAILY):
    standing = standing_of([d for d, _ in daily], day, Counting.INCLUSIVE, TRACKING_START)
    return plan(series="attacks", scope=scope, standing=standing, daily=daily, weeks=52)


def test_weeks_are_counted_monday_first() -> None:
    daily = [(date(2024, 7, 16), 2), (date(2024, 7, 17), 1), (date(2024, 4, 22), 1)]
    weekly = weekly_counts(daily, date(2024, 7, 22), 52)
    assert len(weekly) == 52 and weekly[-1] == (date(2024, 7, 22), 0)
    assert (date(2024, 7, 15), 3) in weekly and (date(2024, 4, 22), 1) in weekly


def test_the_week_after_the_july_attack() -> None:
    chart = chart_on(date(2024, 7, 22))
    assert (chart.title, chart.subtitle) == ("Attacks per week", "attacks, 52 weeks to 22 Jul 2024")
    assert chart.record == Pause(date(2024, 4, 22), date(2024, 7, 16), 86)
    assert chart.running == Pause(date(2024, 7, 16), date(2024, 7, 22), 7, running=True)
    assert chart.long_pauses == [Pause(date(2024, 2, 4), date(2024, 4, 21), 78)]
    assert chart.note is None
    assert chart.filename == "attacks-2024-07-22.png"  # the day asked about, not the day before


def test_a_filtered_chart_says_so_in_its_title_and_its_file_name() -> None:
    iraq = Scope("attack", "attacks", Filters(country="Iraq", location="Ain al-Assad"))
    chart = chart_on(date(2024, 7, 22), iraq, [(date(2024, 7, 16), 1)])
    assert chart.title == "Attacks at Ain al-Assad in Iraq per week"
    assert chart.filename == "attacks-country-iraq-location-ain-al-assad-2024-07-22.png"
    assert chart.filename != chart_on(date(2024, 7, 22)).filename
    arabic = chart_filename(
        "attacks", Scope("attack", "attacks", Filters(location="القائم")), date(2024, 7, 22)
    )
    assert arabic.startswith("attacks-location-") and arabic.isascii()


def test_no_incidents_in_the_window_is_said_on_the_chart() -> None:
    rockets = Scope("attack", "attacks", Filters(kind="rocket"))
    chart = chart_on(date(2024, 7, 22), rockets, [])
    assert chart.note == "No rocket attacks in these 52 weeks"
    assert chart.record is None and chart.running is None


def test_a_pause_long_past_the_window_moves_the_window_and_says_why() -> None:
    first, last, moved = window(date(2026, 12, 2), 52, date(2024, 7, 16))
    assert moved and last == date(2024, 8, 18) and first == date(2023, 8, 21)
    chart = chart_on(date(2026, 12, 2))
    assert chart.subtitle == "attacks, 52 weeks to 18 Aug 2024"
    assert chart.note == (
        "No attacks since 16 Jul 2024:\nthe pause runs on to 2 Dec 2026 (870 days)"
    )
    assert chart.record is not None and chart.record.running  # a new record, still running
    assert sum(n for _, n in chart.weekly) == 4  # the incidents are on it


def test_the_figure_has_a_legend_labels_and_whole_number_ticks() -> None:
    figure = build_figure(chart_on(date(2024, 7, 22)))
    axes = figure.axes[0]
    assert [t.get_text() for t in axes.texts] == ["86 days", "7 days, running"]
    [legend] = figure.legends
    assert [t.get_text() for t in legend.get_texts()] == [
        "attacks per week",
        "pauses of 28+ days",
        "the record pause",
        "the current pause",
    ]
    ticks = [tick for tick in axes.get_yticks() if 0 <= tick <= axes.get_ylim()[1]]
    assert len(ticks) >= 3 and all(float(tick).is_integer() for tick in ticks)
    assert figure.get_size_inches().tolist() == [6.4, 3.6] and figure.dpi == 150
    empty = build_figure(
        chart_on(date(2024, 7, 22), Scope("attack", "attacks", Filters(kind="rocket")), [])
    )
    assert [t.get_text() for t in empty.axes[0].texts] == ["No rocket attacks in these 52 weeks"]


@given(place=st.text(alphabet="$\\{}^_ab 1", min_size=1, max_size=12))
@settings(max_examples=30, deadline=None)
def test_a_dollar_in_a_name_is_drawn_as_written_never_read_as_a_formula(place: str) -> None:
    scope = Scope("attack", "attacks", Filters(location=place))
    figure = build_figure(chart_on(date(2024, 7, 22), scope, [(date(2024, 7, 16), 1)]))
    title = figure.axes[0]._left_title  # set_title(loc="left") draws the scope there
    assert place in title.get_text()
    assert not title._parse_math
    png(figure)  # drawn: "$\frac{1}{$" once made the whole chart fail
