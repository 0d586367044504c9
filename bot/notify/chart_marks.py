"""What a chart marks on its time axis beside the bars: the notes, and another series' incidents.

`Marks` is decided before drawing (pure: which notes and days fall in the window, how each is
labelled); `draw_marks` adds them to a chart's axes. Notes are dotted lines numbered at the top
of the frame, their texts in the legend; the other series' incident days are triangles in a lane
of their own under the bars, so that neither hides a bar or a pause's shading.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.domain.notes import Note

if TYPE_CHECKING:
    from matplotlib.axes import Axes

NOTE_COLOUR = "#3b3b3b"
CONTEXT_COLOUR = "#2e7d32"
# The legend names this many notes (the rest are counted), each cut to this many characters:
# readable when the chart is shown 400 pixels wide.
NOTES_LABELLED = 4
# Notes closer than this share of the window share one numbered badge ("1–2"): two circles
# side by side would overlap.
BADGE_SPACING = 0.035
NOTE_LABEL_LENGTH = 42
LANE = 0.16  # the context lane under the bars, as a share of the tallest bar


@dataclass(frozen=True)
class NoteMark:
    """A note as the chart draws it: its number on the chart, its day and its legend label."""

    number: int
    day: date
    label: str


@dataclass(frozen=True)
class Badge:
    """The numbered badge over one note's line, or over several close together: "1–2"."""

    day: date  # where it is drawn: the middle of its notes' days
    text: str


@dataclass(frozen=True)
class ContextMarks:
    """Another series' incident days in the window, drawn as markers (`with:us-strikes`)."""

    series: str
    days: tuple[date, ...]
    incidents: int  # how many incidents those days hold


@dataclass(frozen=True)
class Marks:
    """Everything a chart marks besides its bars and pauses."""

    notes: tuple[NoteMark, ...] = ()
    badges: tuple[Badge, ...] = ()
    unlabelled_notes: int = 0  # notes drawn but not named in the legend
    context: ContextMarks | None = None

    @property
    def legend_lines(self) -> int:
        """Return how many lines the notes add to the legend (one each, and one for the rest)."""
        return min(len(self.notes), NOTES_LABELLED) + (1 if self.unlabelled_notes else 0)

    @property
    def lane(self) -> bool:
        """Say whether the chart needs the lane under its bars (for the context markers)."""
        return self.context is not None


def short(text: str, length: int = NOTE_LABEL_LENGTH) -> str:
    """Cut a text to `length` characters at a word, with an ellipsis when cut."""
    if len(text) <= length:
        return text
    cut = text[: length - 1].rsplit(" ", 1)[0] if " " in text[: length - 1] else text[: length - 1]
    return cut.rstrip(" ,;:.") + "…"


def plan_marks(
    notes: Iterable[Note],
    first: date,
    last: date,
    context: tuple[str, Sequence[tuple[date, int]]] | None = None,
) -> Marks:
    """Decide the marks of a chart showing `first` to `last`: its notes (numbered from the
    oldest) and, with `context`, the other series' (name, daily counts) in the window."""
    shown = sorted((n for n in notes if first <= n.day <= last), key=lambda n: (n.day, n.id))
    marks = tuple(
        NoteMark(number, note.day, f"{number} · {note.day.day} {note.day:%b}: {short(note.text)}")
        for number, note in enumerate(shown, start=1)
    )
    other = None
    if context is not None:
        name, daily = context
        days = [(day, n) for day, n in daily if first <= day <= last and n > 0]
        other = ContextMarks(name, tuple(day for day, _ in days), sum(n for _, n in days))
    return Marks(
        notes=marks,
        badges=badges_of(marks, max((last - first).days * BADGE_SPACING, 1)),
        unlabelled_notes=max(len(marks) - NOTES_LABELLED, 0),
        context=other,
    )


def badges_of(marks: Sequence[NoteMark], spacing: float) -> tuple[Badge, ...]:
    """Number the notes' lines: one badge each, or one for a run of notes closer than
    `spacing` days to the first of the run."""
    runs: list[list[NoteMark]] = []
    for mark in marks:
        if runs and (mark.day - runs[-1][0].day).days < spacing:
            runs[-1].append(mark)
        else:
            runs.append([mark])
    badges = []
    for run in runs:
        first, last = run[0], run[-1]
        middle = first.day + (last.day - first.day) / 2
        text = str(first.number) if len(run) == 1 else f"{first.number}–{last.number}"
        badges.append(Badge(middle, text))
    return tuple(badges)


def draw_marks(axes: Axes, marks: Marks, top: float) -> list[Any]:
    """Draw the notes and context markers on `axes` (bars up to `top`); return the legend
    handles that name them."""
    from matplotlib.dates import date2num
    from matplotlib.lines import Line2D

    handles: list[Any] = []
    for mark in marks.notes:
        # Under the bars (zorder below theirs): a note on a day with incidents hides none.
        axes.vlines(
            date2num(mark.day),
            0,
            top * 1.36,
            colors=NOTE_COLOUR,
            linestyles=":",
            linewidth=1.4,
            zorder=0.9,
        )
    for badge in marks.badges:
        shape = "circle,pad=0.2" if badge.text.isdigit() else "round,pad=0.25"
        axes.annotate(
            badge.text,
            xy=(date2num(badge.day), top * 1.42),
            ha="center",
            va="center",
            fontsize=9,
            fontweight="bold",
            color="white",
            bbox={"boxstyle": shape, "facecolor": NOTE_COLOUR, "linewidth": 0},
        )
    for mark in marks.notes[:NOTES_LABELLED]:
        handles.append(Line2D([], [], color=NOTE_COLOUR, linestyle=":", label=mark.label))
    if marks.unlabelled_notes:
        more = marks.unlabelled_notes
        label = f"and {more} more note{'s' if more > 1 else ''} (note list)"
        handles.append(Line2D([], [], color=NOTE_COLOUR, linestyle=":", label=label))
    context = marks.context
    if context is not None:
        lane = top * LANE
        axes.axhline(0, color="#bfbfbf", linewidth=0.8)
        axes.plot(
            [date2num(day) for day in context.days],
            [-lane / 2] * len(context.days),
            linestyle="none",
            marker="^",
            markersize=7,
            color=CONTEXT_COLOUR,
        )
        days = f"{len(context.days)} day{'s' if len(context.days) != 1 else ''}"
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker="^",
                color=CONTEXT_COLOUR,
                label=f"{context.series}: {days} with incidents",
            )
        )
    return handles


def marks_text(marks: Marks) -> tuple[str, ...]:
    """Say what a chart marks besides its bars and pauses: its notes, the other series."""
    said = []
    if marks.notes:
        said.append(
            "Dotted lines: the notes on the timeline (`note list`), numbered in the legend."
        )
    context = marks.context
    if context is not None and context.days:
        said.append(f"Green triangles under the bars: the days with {context.series} incidents.")
    elif context is not None:
        said.append(f"No {context.series} incidents in these weeks.")
    return tuple(said)
