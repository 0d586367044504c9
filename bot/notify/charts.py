"""Charts: incidents per week with the long pauses shaded, as a PNG readable at thumbnail size.

`plan` decides what a chart shows (pure: window, shading, labels, note, file name) and
`draw` lays it out with matplotlib, which is imported only when a chart is drawn.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from bot.domain.notes import Note
from bot.domain.pauses import Pause
from bot.domain.standing import Kind, SeriesStanding
from bot.domain.wording import Scope, day_text, days_text, sentence_case
from bot.notify.chart_marks import LANE, Marks, draw_marks, plan_marks

if TYPE_CHECKING:
    from matplotlib.figure import Figure

BAR_COLOUR = "#1f4e79"
PAUSE_COLOUR = "#f4b183"
RECORD_COLOUR = "#c00000"
RUNNING_COLOUR = "#7f7f7f"
LONG_PAUSE_DAYS = 28  # a pause of four weeks or more is shaded
TAIL_WEEKS = 4  # weeks shown after the last incident when the window ends early


def week_start(day: date) -> date:
    """Return the Monday of the week of `day`."""
    return day - timedelta(days=day.weekday())


def window(as_of: date, weeks: int, last_day: date | None) -> tuple[date, date, bool]:
    """Return the first and last day a chart to `as_of` shows, and whether it ends early.

    When the last incident falls before the usual window (`weeks` weeks to `as_of`), the
    window ends a few weeks after that incident instead, so the chart shows the incidents
    before the pause rather than an empty frame; the chart then says so.
    """
    end = as_of
    moved = last_day is not None and last_day < week_start(as_of) - timedelta(weeks=weeks - 1)
    if moved and last_day is not None:
        end = min(as_of, week_start(last_day) + timedelta(weeks=TAIL_WEEKS, days=6))
    return week_start(end) - timedelta(weeks=weeks - 1), end, moved


def weekly_counts(
    daily: Sequence[tuple[date, int]], last_day: date, weeks: int
) -> list[tuple[date, int]]:
    """Add daily counts up per week (Monday first), for the `weeks` weeks ending with `last_day`."""
    first = week_start(last_day) - timedelta(weeks=weeks - 1)
    totals: Counter[date] = Counter()
    for day, count in daily:
        if first <= day <= last_day:
            totals[week_start(day)] += count
    return [(first + timedelta(weeks=n), totals[first + timedelta(weeks=n)]) for n in range(weeks)]


@dataclass(frozen=True)
class Chart:
    """Everything a chart shows, decided before anything is drawn."""

    title: str
    subtitle: str
    noun_plural: str
    weekly: list[tuple[date, int]]
    long_pauses: list[Pause]
    record: Pause | None  # the record, or the running pause when it is a new one
    running: Pause | None
    note: str | None
    filename: str
    marks: Marks = field(
        default_factory=Marks
    )  # notes and another series' incidents (bot/notify/chart_marks.py)


def slug(text: str) -> str:
    """Write text as a file-name part: ASCII letters, digits and dashes."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if cleaned:
        return cleaned[:40]
    return hashlib.sha256(text.encode()).hexdigest()[:8]  # a name with no Latin letters


def chart_filename(series: str, scope: Scope, as_of: date) -> str:
    """Name a chart after what was asked: series, filters and day, so no two collide."""
    parts = [slug(series), *(f"{key}-{slug(value)}" for key, value in scope.filters.items())]
    return f"{'-'.join(parts)}-{as_of.isoformat()}.png"


def plan(
    *,
    series: str,
    scope: Scope,
    standing: SeriesStanding,
    daily: Sequence[tuple[date, int]],
    weeks: int,
    notes: Sequence[Note] = (),
    context: tuple[str, Sequence[tuple[date, int]]] | None = None,
) -> Chart:
    """Decide what the weekly chart of a series up to the standing's day shows: with its
    notes, and another series' (name, daily counts) as markers when `context` is given."""
    as_of = standing.as_of
    first, last_shown, moved = window(as_of, weeks, standing.last_day)
    weekly = weekly_counts(daily, last_shown, weeks)
    end = last_shown + timedelta(days=1)
    running = standing.running
    record = standing.record
    place = standing.running_place
    if running is not None and place is not None and place.kind is Kind.NEW_RECORD:
        record = running
    long_pauses = [
        p
        for p in standing.top(None)
        if p.length >= LONG_PAUSE_DAYS and p.end > first and p.start < end and p != record
    ]
    note = None
    if not any(n for _, n in weekly):
        note = f"No {scope.all} in these {weeks} weeks"
    elif moved and standing.last_day is not None and running is not None:
        note = (
            f"No {scope.all} since {day_text(standing.last_day)}:\n"
            f"the pause runs on to {day_text(as_of)} ({days_text(running.length)})"
        )
    return Chart(
        title=f"{sentence_case(scope.all)} per week",
        subtitle=f"{series}, {weeks} weeks to {day_text(last_shown)}",
        noun_plural=scope.many,
        weekly=weekly,
        long_pauses=long_pauses,
        record=record if record is not None and record.end > first else None,
        running=running if running is not None and running != record else None,
        note=note,
        filename=chart_filename(series, scope, as_of),
        marks=plan_marks(notes, first, last_shown, context),
    )


def build_figure(chart: Chart) -> Figure:
    """Draw weekly bars, the long pauses, the record and the running pause, with a legend."""
    # matplotlib takes a second to import: only what draws a chart pays for it. Figure
    # objects draw with the Agg backend and never touch a screen.
    from matplotlib import rc_context

    # Every text is drawn as written: a "$" in a place's name (or in a filter someone typed)
    # would otherwise be read as mathtext, drawn as a formula or refused as one.
    with rc_context({"text.parse_math": False}):
        return _figure(chart)


def _figure(chart: Chart) -> Figure:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    # 960 × 540 pixels, with type large enough to read when shown 400 pixels wide.
    # Each note named in the one-column legend takes a line of its own: the figure grows by it.
    figure = Figure(
        figsize=(6.4, 3.6 + 0.2 * chart.marks.legend_lines), dpi=150, layout="constrained"
    )
    axes = figure.subplots()
    weekly = chart.weekly
    first = weekly[0][0]
    last = weekly[-1][0] + timedelta(days=7)
    top = max([count for _, count in weekly] + [3])
    handles = [Patch(color=BAR_COLOUR, label=f"{chart.noun_plural} per week")]

    left, right = date2num(first), date2num(last)

    def shade(pause: Pause, colour: str, alpha: float, label: str | None, row: int = 0) -> None:
        start, end = max(pause.start, first), min(pause.end, last)
        if start < end:
            axes.axvspan(date2num(start), date2num(end), color=colour, alpha=alpha, linewidth=0)
            if label:
                # Centred over its span, but kept inside the frame; each kind on its own row
                # so that the record's label and the running pause's never overlap.
                middle = date2num(start) / 2 + date2num(end) / 2
                share = (middle - left) / (right - left)
                align = "right" if share > 0.8 else "left" if share < 0.2 else "center"
                x = (
                    date2num(end)
                    if align == "right"
                    else date2num(start)
                    if align == "left"
                    else middle
                )
                axes.annotate(
                    label,
                    xy=(x, top * (1.2 - 0.17 * row)),
                    ha=align,
                    va="bottom",
                    fontsize=11,
                    fontweight="bold",
                    color=colour,
                )

    for pause in chart.long_pauses:
        shade(pause, PAUSE_COLOUR, 0.35, None)
    if chart.long_pauses:
        handles.append(
            Patch(color=PAUSE_COLOUR, alpha=0.35, label=f"pauses of {LONG_PAUSE_DAYS}+ days")
        )
    if chart.record is not None:
        running = " (running)" if chart.record.running else ""
        shade(chart.record, RECORD_COLOUR, 0.22, f"{days_text(chart.record.length)}{running}")
        label = "the record pause, still running" if chart.record.running else "the record pause"
        handles.append(Patch(color=RECORD_COLOUR, alpha=0.22, label=label))
    if chart.running is not None:
        shade(chart.running, RUNNING_COLOUR, 0.2, f"{days_text(chart.running.length)}, running", 1)
        handles.append(Patch(color=RUNNING_COLOUR, alpha=0.2, label="the current pause"))
    axes.bar(
        [date2num(week) + 3.5 for week, _ in weekly],
        [count for _, count in weekly],
        width=6,
        color=BAR_COLOUR,
    )
    handles += draw_marks(axes, chart.marks, top)
    if chart.note:
        axes.text(
            0.5,
            0.55,
            chart.note,
            transform=axes.transAxes,
            ha="center",
            va="center",
            fontsize=12,
            color="#404040",
            wrap=True,
        )
    # Room above the pause labels for the notes' numbers, and under the bars for the lane.
    axes.set_ylim(
        -top * LANE if chart.marks.lane else 0, top * (1.52 if chart.marks.notes else 1.4)
    )
    axes.set_xlim(date2num(first), date2num(last))
    axes.set_title(chart.title, fontsize=15, loc="left", fontweight="bold")
    figure.text(0.99, 0.985, chart.subtitle, ha="right", va="top", fontsize=10, color="#404040")
    locator = AutoDateLocator(minticks=3, maxticks=6)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    axes.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
    # The lane under the bars holds markers, not counts: no tick says a negative number.
    axes.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:.0f}" if y >= 0 else ""))
    axes.tick_params(labelsize=11)
    axes.spines[["top", "right"]].set_visible(False)
    # A note's label is long: the legend then takes one column, so each is read whole.
    columns = 1 if chart.marks.notes else 2
    figure.legend(
        handles=handles, loc="outside lower center", fontsize=9, frameon=False, ncols=columns
    )
    return figure


def png(figure: Figure) -> bytes:
    """Render a figure as PNG bytes."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # A name in a script the font lacks is drawn as boxes; that is no reason to log.
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        figure.savefig(buffer, format="png")
    return buffer.getvalue()
