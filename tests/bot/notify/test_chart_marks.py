"""Notes and another series on the chart and in the digest: what the figure drew, what it lists.

The figures are read back from matplotlib (the badges' texts, the legend's labels, the lines'
days, the bars' heights), never from pixels; the expected figures are counted over the data.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from matplotlib.colors import to_rgba
from matplotlib.dates import date2num, num2date
from matplotlib.patches import Rectangle
from sqlalchemy import select

from bot.commands.core import Core
from bot.domain.filters import Filters
from bot.domain.notes import Note
from bot.domain.pauses import Counting
from bot.domain.replies import reply_from_data
from bot.domain.standing import standing_of
from bot.domain.wording import Scope
from bot.notify import charts
from bot.notify.chart_marks import BADGE_SPACING, NOTES_LABELLED, badges_of, plan_marks, short
from bot.notify.digests import build_digest, queue_digests
from bot.notify.timeline_context import chart_context
from storage.catalog import series_by_name
from storage.models import OutboxMessage, Subscription
from tests.bot.commands.test_core import ADMIN, ask
from tests.conftest import Clock

ATTACKS = [date(2024, 2, 4), date(2024, 4, 21), date(2024, 4, 22), date(2024, 7, 16)]
STRIKES = [date(2023, 12, 25), date(2024, 2, 2), date(2024, 2, 2), date(2024, 2, 7)]
# One on a day with an attack (16 Jul), one inside the running pause (18 Jul), two in the
# same week (2 and 7 Feb), one before the chart's window.
NOTES = [
    (date(2023, 6, 1), "Before the window"),
    (date(2024, 2, 2), "U.S. strikes on 85 targets in Iraq and Syria"),
    (date(2024, 2, 7), "The last round of U.S. strikes"),
    (date(2024, 5, 1), "Talks in Baghdad on the coalition"),
    (date(2024, 7, 16), "Drone attack on Ain al-Assad"),
    (date(2024, 7, 18), "Iraq announces a timetable"),
]
AS_OF = date(2024, 7, 22)
WEEKS = 52


async def timeline(core: Core, clock: Clock) -> None:
    clock.now = datetime(2024, 7, 22, 12, tzinfo=UTC)
    for day in ATTACKS:
        await ask(core, f"add {day.isoformat()}")
    for day in STRIKES:
        await ask(core, f"add {day.isoformat()} us-strikes")
    for day, text in NOTES:
        await ask(core, f'note add {day.isoformat()} "{text}"')


async def planned(core: Core, *, with_strikes: bool) -> charts.Chart:
    """Plan the attacks' chart as `chart attacks [with:us-strikes]` does, from the database."""
    standing = standing_of(sorted(set(ATTACKS)), AS_OF, Counting.INCLUSIVE, None)
    first, last, _ = charts.window(AS_OF, WEEKS, standing.last_day)
    async with core.database.read() as session:
        attacks = await series_by_name(session, "attacks")
        strikes = await series_by_name(session, "us-strikes")
        assert attacks is not None and strikes is not None
        notes, context = await chart_context(
            session, attacks, first, last, strikes if with_strikes else None
        )
    daily = [(day, ATTACKS.count(day)) for day in sorted(set(ATTACKS))]
    scope = Scope("attack", "attacks")
    return charts.plan(
        series="attacks",
        scope=scope,
        standing=standing,
        daily=daily,
        weeks=WEEKS,
        notes=notes,
        context=context,
    )


def in_window(chart: charts.Chart) -> tuple[date, date]:
    """The days the chart shows: from its first week's Monday to the day asked about."""
    return chart.weekly[0][0], AS_OF


async def test_the_chart_draws_the_notes_and_the_other_series(core: Core, clock: Clock) -> None:
    await timeline(core, clock)
    chart = await planned(core, with_strikes=True)
    first, last = in_window(chart)
    shown = [(day, text) for day, text in NOTES if first <= day <= last]
    assert len(shown) == len(NOTES) - 1  # the one of 2023 is before the window
    figure = charts.build_figure(chart)
    [axes] = figure.axes
    # One dotted line per note, on its day, under the bars.
    dotted = [c for c in axes.collections if c.get_linestyle()[0][1] is not None]
    days = sorted(num2date(seg[0][0]).date() for c in dotted for seg in c.get_segments())
    assert days == [day for day, _ in shown]
    # The bars are drawn in the bars' colour, the shaded pauses in theirs.
    bar_colour = to_rgba(charts.BAR_COLOUR)
    bars = [p for p in axes.patches if isinstance(p, Rectangle) and p.get_facecolor() == bar_colour]
    bars = [bar for bar in bars if bar.get_height() > 0]
    assert all(c.get_zorder() < bar.get_zorder() for c in dotted for bar in bars)
    # The bars are all there, each as high as its week's count.
    weekly = {charts.week_start(day): ATTACKS.count(day) for day in ATTACKS}
    drawn = sorted((num2date(bar.get_x() - 0.5).date(), int(bar.get_height())) for bar in bars)
    assert drawn == sorted(weekly.items())
    # The badges: notes closer than BADGE_SPACING of the window to the first of a run share
    # one (2 and 7 Feb; 16 and 18 Jul), so that no two overlap.
    spacing = (last - first).days * BADGE_SPACING
    runs: list[list[int]] = []
    for number, (day, _) in enumerate(shown, start=1):
        if runs and (day - shown[runs[-1][0] - 1][0]).days < spacing:
            runs[-1].append(number)
        else:
            runs.append([number])
    expected = [str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs]
    assert expected == ["1–2", "3", "4–5"]
    badges = [t.get_text() for t in axes.texts if re.fullmatch(r"\d+(–\d+)?", t.get_text())]
    assert badges == expected
    # The legend names the notes, then the other series with its days in the window.
    labels = [t.get_text() for t in figure.legends[0].get_texts()]
    named = [label for label in labels if " · " in label]
    assert len(named) == min(len(shown), NOTES_LABELLED)
    assert named[0] == "1 · 2 Feb: " + short("U.S. strikes on 85 targets in Iraq and Syria")
    more = len(shown) - NOTES_LABELLED
    assert f"and {more} more note" in labels[-2]
    strike_days = sorted({day for day in STRIKES if first <= day <= last})
    assert labels[-1] == f"us-strikes: {len(strike_days)} days with incidents"
    [markers] = [line for line in axes.lines if line.get_marker() == "^"]
    assert list(markers.get_xdata()) == [date2num(day) for day in strike_days]
    assert all(y < 0 for y in markers.get_ydata())  # in the lane under the bars
    assert axes.get_ylim()[0] < 0


async def test_marks_hide_neither_bars_nor_shading(core: Core, clock: Clock) -> None:
    await timeline(core, clock)
    marked = charts.build_figure(await planned(core, with_strikes=True))
    plain_chart = await planned(core, with_strikes=False)
    bare = charts.build_figure(
        charts.plan(
            series="attacks",
            scope=Scope("attack", "attacks"),
            standing=standing_of(sorted(set(ATTACKS)), AS_OF, Counting.INCLUSIVE, None),
            daily=[(day, ATTACKS.count(day)) for day in sorted(set(ATTACKS))],
            weeks=WEEKS,
        )
    )

    def painted(figure: object) -> list[tuple[float, float, float]]:
        [axes] = figure.axes  # type: ignore[attr-defined]
        return sorted(
            (round(p.get_x(), 3), round(p.get_width(), 3), round(p.get_height(), 3))
            for p in axes.patches
        )

    # The same bars and shaded spans, whatever is marked beside them.
    assert painted(marked) == painted(bare)
    [plain_axes] = charts.build_figure(plain_chart).axes
    assert plain_axes.get_ylim()[0] == 0  # no lane without another series
    assert not [line for line in plain_axes.lines if line.get_marker() == "^"]
    assert charts.png(marked).startswith(b"\x89PNG")


def test_marks_keep_to_the_window_and_number_from_the_oldest() -> None:
    notes = [
        Note(3, "attacks", date(2024, 3, 1), "third"),
        Note(1, "attacks", date(2024, 1, 1), "first"),
        Note(9, "attacks", date(2025, 1, 1), "after the window"),
    ]
    marks = plan_marks(
        notes,
        date(2023, 12, 1),
        date(2024, 6, 30),
        ("us-strikes", [(date(2023, 11, 1), 2), (date(2024, 2, 2), 3), (date(2024, 2, 7), 0)]),
    )
    assert [(m.number, m.day) for m in marks.notes] == [
        (1, date(2024, 1, 1)),
        (2, date(2024, 3, 1)),
    ]
    assert marks.context is not None
    assert (marks.context.days, marks.context.incidents) == ((date(2024, 2, 2),), 3)
    assert short("word " * 20).endswith("…") and len(short("word " * 20)) <= 42
    close = badges_of(marks.notes, spacing=100)
    assert [b.text for b in close] == ["1–2"]


async def test_the_chart_command_says_what_it_marks(core: Core, clock: Clock) -> None:
    await timeline(core, clock)
    reply = await core.handle("chart attacks with:us-strikes", ADMIN)
    assert not reply.is_error
    assert reply.attachments[0].content.startswith(b"\x89PNG")
    assert any("days with us-strikes incidents" in line for line in reply.details)
    refused = await core.handle("chart attacks with:attacks", ADMIN)
    assert refused.is_error and "is the series charted" in refused.headline
    unknown = await core.handle("chart attacks with:nosuch", ADMIN)
    assert unknown.is_error and "`with:nosuch` is not a series" in unknown.headline


@pytest.mark.usefixtures("without_charts")
async def test_the_digest_lists_the_notes_of_its_week(core: Core, clock: Clock) -> None:
    await timeline(core, clock)
    run_day = AS_OF
    start, end = run_day - timedelta(days=7), run_day - timedelta(days=1)
    async with core.database.read() as session:
        series = await series_by_name(session, "attacks")
        assert series is not None
        reply = await build_digest(session, core.settings, series, Filters(), run_day)
    expected = [(day, text) for day, text in NOTES if start <= day <= end]
    assert len(expected) == 2  # on the attack's day, and inside the pause after it
    listed = [line for line in reply.details if " · " in line]
    assert [line.split(" · ", 2)[2] for line in listed] == [text for _, text in expected]
    assert f"Notes: {len(expected)}" in reply.details
    assert "Talks in Baghdad" not in " ".join(reply.details)


async def test_a_digest_subscription_keeps_its_other_series(core: Core, clock: Clock) -> None:
    await timeline(core, clock)
    said = await ask(core, "subscribe digest attacks with:us-strikes")
    assert "Its chart marks the days with us-strikes incidents." in said
    assert "with us-strikes" in await ask(core, "subscriptions")
    changed = await ask(core, "subscribe digest attacks")  # asked again without: kept
    assert "Already" in changed or "already" in changed
    async with core.database.read() as session:
        [row] = list(await session.scalars(select(Subscription)))
    assert (row.kind, row.context_series) == ("digest", "us-strikes")
    refused = await core.handle("subscribe digest attacks with:nosuch", ADMIN)
    assert refused.is_error and "not a series" in refused.headline


async def test_a_digest_subscribed_with_another_series_draws_it(core: Core, clock: Clock) -> None:
    await timeline(core, clock)
    await ask(core, "subscribe digest attacks with:us-strikes")
    assert await queue_digests(core.database, core.settings, AS_OF, clock.now) == 1
    async with core.database.read() as session:
        [message] = list(await session.scalars(select(OutboxMessage)))
    drawn = reply_from_data(message.payload["reply"]).attachments[0].content
    # The chart the digest carries is the one planned with the strikes marked, not without.
    marked = charts.png(charts.build_figure(await planned(core, with_strikes=True)))
    plain = charts.png(charts.build_figure(await planned(core, with_strikes=False)))
    assert marked != plain
    assert drawn == marked


async def test_the_chart_says_only_what_it_marks(core: Core, clock: Clock) -> None:
    clock.now = datetime(2024, 7, 22, 12, tzinfo=UTC)
    await ask(core, "add 2024-07-16")
    plain = await core.handle("chart", ADMIN)
    assert not any("Dotted lines" in line or "triangles" in line for line in plain.details)
    empty = await core.handle("chart with:us-strikes", ADMIN)
    assert "No us-strikes incidents in these weeks." in empty.details
    await ask(core, 'note add 2024-07-10 "A line"')
    await ask(core, "add 2024-07-12 us-strikes")
    marked = await core.handle("chart with:us-strikes", ADMIN)
    assert any(line.startswith("Dotted lines: the notes") for line in marked.details)
    assert any("days with us-strikes incidents" in line for line in marked.details)
