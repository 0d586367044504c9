"""Maps: where the incidents of a period happened, as points sized by count over country borders.

`plan` decides what a map shows (pure: the points, the marks, the frame, the notes) and
`build_figure` draws it with matplotlib at the charts' size and type, readable 400 pixels wide.
Incidents without a point are counted and said so on the map; they are never drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from math import cos, radians
from typing import TYPE_CHECKING

from bot.domain.wording import Scope, day_text, sentence_case
from bot.notify.borders import BORDERS_MISSING, Country, borders_file, countries_within
from bot.notify.charts import BAR_COLOUR, RECORD_COLOUR, chart_filename
from storage.points import PlacedCount, Points

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.transforms import Bbox

LAND_COLOUR = "#f2f2ef"
BORDER_COLOUR = "#8c8c8c"
SEA_COLOUR = "#dde9f3"
LAST_COLOUR = "#000000"
# The frame when nothing is placed: Iraq, Syria and Jordan, where the first users look.
DEFAULT_FRAME = (34.0, 28.5, 49.0, 38.5)  # west, south, east, north
MARGIN_DEGREES = 1.5
LEAST_SPAN_DEGREES = 6.0
PLACES_NAMED = 6  # the busiest places are named on the map, unless a busier one's name is there
PLACE_LABEL, COUNTRY_LABEL = "place", "country"


@dataclass(frozen=True)
class Mark:
    """A day's places marked on the map: the last incident's, or the record pause's end."""

    label: str
    points: tuple[PlacedCount, ...]


@dataclass(frozen=True)
class MapPlan:
    """Everything a map shows, decided before anything is drawn."""

    title: str
    subtitle: str
    noun_plural: str
    points: tuple[PlacedCount, ...]
    unplaced: int
    note: str | None  # said on the map: the incidents without a known place
    last: Mark | None  # its points may be none: then it is said, not drawn
    record_end: Mark | None
    frame: tuple[float, float, float, float]  # west, south, east, north
    filename: str


def unplaced_text(scope: Scope, unplaced: int) -> str:
    """Say how many incidents have no known place: "12 attacks without a known place"."""
    return f"{scope.counted(unplaced)} without a known place"


def frame_of(points: list[PlacedCount]) -> tuple[float, float, float, float]:
    """Return the box a map shows: its points with a margin, at least a few degrees wide."""
    if not points:
        return DEFAULT_FRAME
    west = min(p.longitude for p in points) - MARGIN_DEGREES
    east = max(p.longitude for p in points) + MARGIN_DEGREES
    south = min(p.latitude for p in points) - MARGIN_DEGREES
    north = max(p.latitude for p in points) + MARGIN_DEGREES
    if east - west < LEAST_SPAN_DEGREES:
        middle = (east + west) / 2
        west, east = middle - LEAST_SPAN_DEGREES / 2, middle + LEAST_SPAN_DEGREES / 2
    if north - south < LEAST_SPAN_DEGREES:
        middle = (north + south) / 2
        south, north = middle - LEAST_SPAN_DEGREES / 2, middle + LEAST_SPAN_DEGREES / 2
    return (max(west, -180), max(south, -85), min(east, 180), min(north, 85))


def plan(
    *,
    series: str,
    scope: Scope,
    points: Points,
    period_text: str,
    days: tuple[date, date],
    last: Mark | None = None,
    record_end: Mark | None = None,
) -> MapPlan:
    """Decide what the map of a series' incidents over a period shows."""
    placed = list(points.placed)
    marked = [p for mark in (last, record_end) if mark is not None for p in mark.points]
    note = unplaced_text(scope, points.unplaced) if points.unplaced else None
    if not points.total:
        note = f"No {scope.all} in these days"
    elif not placed:
        note = f"None of the {scope.counted(points.total)} has a known place"
    return MapPlan(
        title=f"{sentence_case(scope.all)} by place",
        subtitle=f"{series}, {period_text}",
        noun_plural=scope.many,
        points=points.placed,
        unplaced=points.unplaced,
        note=note,
        last=last,
        record_end=record_end,
        frame=frame_of(placed + marked),
        filename=f"map-{days[0].isoformat()}-" + chart_filename(series, scope, days[1]),
    )


def last_mark(scope: Scope, day: date | None, points: tuple[PlacedCount, ...]) -> Mark | None:
    """Mark the places of the last incident day."""
    if day is None:
        return None
    return Mark(f"{scope.last_one} ({day_text(day)})", points)


def record_mark(
    length: int | None, day: date | None, points: tuple[PlacedCount, ...]
) -> Mark | None:
    """Mark where the record pause ended: the places of the incidents of its last day."""
    if length is None or day is None:
        return None
    return Mark(f"where the {length:,}-day record pause ended ({day_text(day)})", points)


def build_figure(plan: MapPlan) -> Figure:
    """Draw the borders, the points sized by count, the marks and the notes, with a legend."""
    from matplotlib import rc_context

    # Every text is drawn as written: a "$" in a place's name is no formula (charts.py).
    with rc_context({"text.parse_math": False}):
        return _figure(plan)


def _figure(plan: MapPlan) -> Figure:
    from matplotlib.figure import Figure
    from matplotlib.patheffects import withStroke

    # 960 × 540 pixels, the charts' size, with type large enough to read 400 pixels wide.
    figure = Figure(figsize=(6.4, 3.6), dpi=150, layout="constrained")
    axes = figure.subplots()
    west, south, east, north = plan.frame
    countries = _borders(axes, plan.frame)
    handles: list[Line2D] = []
    if plan.points:
        most = max(p.count for p in plan.points)
        axes.scatter(
            [p.longitude for p in plan.points],
            [p.latitude for p in plan.points],
            s=[_area(p.count, most) for p in plan.points],
            color=BAR_COLOUR,
            alpha=0.75,
            edgecolors="white",
            linewidths=0.8,
            zorder=3,
        )
        for point in plan.points[:PLACES_NAMED]:
            if point.location:
                axes.annotate(
                    f"{point.location} ({point.count:,})",
                    (point.longitude, point.latitude),
                    xytext=(7, 5),
                    textcoords="offset points",
                    fontsize=11,
                    color="#202020",
                    zorder=5,
                    gid=PLACE_LABEL,
                    # A white edge keeps a name readable over points, borders and rings.
                    path_effects=[withStroke(linewidth=2.5, foreground="white")],
                )
        sizes = f"1 to {most:,}" if most > 1 else "1 each"
        handles.append(_handle(f"{plan.noun_plural} at a place ({sizes})", "o", BAR_COLOUR))
    for mark, symbol, colour, size in (
        (plan.last, "o", LAST_COLOUR, 17),
        (plan.record_end, "D", RECORD_COLOUR, 11),
    ):
        if mark is not None and mark.points:  # a mark without a known place is only said
            axes.plot(
                [p.longitude for p in mark.points],
                [p.latitude for p in mark.points],
                linestyle="none",
                marker=symbol,
                markersize=size,
                markerfacecolor="none",
                markeredgecolor=colour,
                markeredgewidth=2,
                zorder=4,
            )
            handles.append(_handle(mark.label, symbol, colour, hollow=True))
    if plan.note:
        axes.text(
            0.02,
            0.03,
            plan.note,
            transform=axes.transAxes,
            fontsize=10,
            color="#202020",
            zorder=6,
            bbox={"facecolor": "white", "edgecolor": BORDER_COLOUR, "alpha": 0.9},
        )
    # The frame as data limits, widened to the figure's shape (fixed limits would be
    # overridden by the aspect anyway, with a warning); a degree east is shorter than one
    # north by the cosine of the latitude.
    axes.update_datalim([(west, south), (east, north)])
    axes.margins(0)
    axes.set_aspect(1 / cos(radians((north + south) / 2)), adjustable="datalim")
    axes.autoscale_view()
    axes.set_facecolor(SEA_COLOUR)
    # Degrees on the frame say little to a reader: the borders and names place the points.
    axes.set_xticks([])
    axes.set_yticks([])
    axes.set_title(plan.title, fontsize=15, loc="left", fontweight="bold")
    figure.text(0.99, 0.985, plan.subtitle, ha="right", va="top", fontsize=10, color="#404040")
    figure.draw_without_rendering()  # the layout and the aspect settle the limits shown
    _country_names(axes, countries)
    _drop_overlapping_labels(figure, axes)
    if handles:
        figure.legend(
            handles=handles, loc="outside lower center", fontsize=9, frameon=False, ncols=2
        )
    return figure


def _drop_overlapping_labels(figure: Figure, axes: Axes) -> None:
    """Keep the names that print clear of each other: places (the busiest first), then
    countries; a name that would cover one kept is left out."""
    figure.draw_without_rendering()  # lays the figure out, so each name's box is known
    texts = [t for t in axes.texts if t.get_gid() in (PLACE_LABEL, COUNTRY_LABEL)]
    texts.sort(key=lambda t: t.get_gid() != PLACE_LABEL)  # stable: busiest place first
    kept: list[Bbox] = []
    for text in texts:
        box = text.get_window_extent()
        if any(box.overlaps(other) for other in kept):
            text.remove()
        else:
            kept.append(box)


def _area(count: int, most: int) -> float:
    # The area grows with the count: the busiest place is the largest point.
    return 30 + 370 * count / most


def _handle(label: str, symbol: str, colour: str, *, hollow: bool = False) -> Line2D:
    from matplotlib.lines import Line2D

    return Line2D(
        [],
        [],
        linestyle="none",
        marker=symbol,
        markersize=9,
        markerfacecolor="none" if hollow else colour,
        markeredgecolor=colour,
        markeredgewidth=2 if hollow else 0.5,
        label=label,
    )


def _borders(axes: Axes, frame: tuple[float, float, float, float]) -> tuple[Country, ...]:
    from matplotlib.collections import PolyCollection

    west, south, east, north = frame
    # A wider box than shown: the aspect may widen the frame (adjustable="datalim").
    countries = countries_within(west - 10, south - 5, east + 10, north + 5)
    if borders_file() is None:  # an install without the charts extra's borders
        axes.text(
            0.5,
            0.97,
            f"No country borders: {BORDERS_MISSING}",
            transform=axes.transAxes,
            ha="center",
            va="top",
            fontsize=9,
            color=RECORD_COLOUR,
            zorder=6,
        )
    rings = [ring for country in countries for ring in country.rings]
    axes.add_collection(
        PolyCollection(
            rings, facecolors=LAND_COLOUR, edgecolors=BORDER_COLOUR, linewidths=0.6, zorder=1
        ),
        autolim=False,
    )
    return countries


def _country_names(axes: Axes, countries: tuple[Country, ...]) -> None:
    (west, east), (south, north) = axes.get_xlim(), axes.get_ylim()
    for country in countries:
        x, y = country.label
        if country.named and west + 0.5 < x < east - 0.5 and south + 0.5 < y < north - 0.5:
            axes.text(
                x,
                y,
                country.name,
                fontsize=9,
                color="#707070",
                ha="center",
                va="center",
                zorder=2,
                gid=COUNTRY_LABEL,
            )
