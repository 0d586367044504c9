"""Charts: incidents per week with the long pauses shaded, as a PNG readable at thumbnail size."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING

from bot.domain.pauses import Pause

if TYPE_CHECKING:
    from matplotlib.figure import Figure

BAR_COLOUR = "#1f4e79"
PAUSE_COLOUR = "#f4b183"
RECORD_COLOUR = "#c00000"


def week_start(day: date) -> date:
    """Return the Monday of the week of `day`."""
    return day - timedelta(days=day.weekday())


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


def build_figure(
    *,
    title: str,
    noun_plural: str,
    weekly: Sequence[tuple[date, int]],
    shaded: Sequence[Pause],
    record: Pause | None,
) -> Figure:
    """Draw weekly bars, shade the pauses and label the record pause with its length."""
    # matplotlib takes a second to import: only what draws a chart pays for it. Figure
    # objects draw with the Agg backend and never touch a screen.
    from matplotlib.dates import DateFormatter, MonthLocator, date2num
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(8, 3.6), dpi=100, layout="constrained")
    axes = figure.subplots()
    first = weekly[0][0]
    last = weekly[-1][0] + timedelta(days=7)
    top = max([count for _, count in weekly] + [1])
    for pause in shaded:
        start, end = max(pause.start, first), min(pause.end, last)
        if start < end:
            colour = RECORD_COLOUR if pause == record else PAUSE_COLOUR
            axes.axvspan(date2num(start), date2num(end), color=colour, alpha=0.25, linewidth=0)
    axes.bar(
        [date2num(week) + 3.5 for week, _ in weekly],
        [count for _, count in weekly],
        width=6,
        color=BAR_COLOUR,
    )
    if record is not None and record.end > first:
        middle = date2num(max(record.start, first)) / 2 + date2num(min(record.end, last)) / 2
        label = f"{record.length} days" + (" (running)" if record.running else "")
        axes.annotate(
            label,
            xy=(middle, top * 1.05),
            ha="center",
            va="bottom",
            fontsize=13,
            fontweight="bold",
            color=RECORD_COLOUR,
        )
    axes.set_ylim(0, top * 1.3)
    axes.set_xlim(date2num(first), date2num(last))
    axes.set_title(title, fontsize=13, loc="left")
    axes.set_ylabel(f"{noun_plural} per week", fontsize=11)
    axes.xaxis.set_major_locator(MonthLocator(bymonth=(1, 4, 7, 10)))
    axes.xaxis.set_major_formatter(DateFormatter("%b %Y"))
    axes.tick_params(labelsize=10)
    axes.spines[["top", "right"]].set_visible(False)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    return figure


def png(figure: Figure) -> bytes:
    """Render a figure as PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
