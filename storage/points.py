"""Where incidents happened: the matching incidents counted by their point, and those without one.

A map draws these counts (bot.notify.maps); `stats by:location` gives each place its point.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.filters import Filters, normalised
from storage.incident_rows import matching
from storage.models import Incident


@dataclass(frozen=True)
class PlacedCount:
    """How many matching incidents one point holds, and the place names they give."""

    latitude: float
    longitude: float
    count: int
    location: str | None  # the most common name given at this point (None: none given)


@dataclass(frozen=True)
class Points:
    """The matching incidents of a range of days, counted by point, and those without one."""

    placed: tuple[PlacedCount, ...]  # the most incidents first
    unplaced: int

    @property
    def total(self) -> int:
        """Return how many incidents were counted, placed or not."""
        return sum(point.count for point in self.placed) + self.unplaced


async def points_between(
    session: AsyncSession, series_id: int, filters: Filters, *, start: date | None, end: date
) -> Points:
    """Count the matching incidents with days in [start, end] by their point."""
    conditions = matching(series_id, filters, end)
    if start is not None:
        conditions.append(Incident.occurred_on >= start)
    has_point = Incident.latitude.is_not(None) & Incident.longitude.is_not(None)
    query = (
        select(Incident.latitude, Incident.longitude, Incident.location, func.count())
        .where(*conditions, has_point)
        .group_by(Incident.latitude, Incident.longitude, Incident.location)
    )
    counts: Counter[tuple[float, float]] = Counter()
    names: dict[tuple[float, float], Counter[str]] = {}
    for latitude, longitude, location, count in await session.execute(query):
        if latitude is None or longitude is None:
            continue  # never: the query asks for points
        point = (float(latitude), float(longitude))
        counts[point] += count
        if location:
            names.setdefault(point, Counter())[location] += count
    unplaced = await session.scalar(
        select(func.count()).select_from(Incident).where(*conditions, ~has_point)
    )
    placed = [
        PlacedCount(*point, count, _most_common(names.get(point)))
        for point, count in counts.items()
    ]
    placed.sort(key=lambda p: (-p.count, p.location or "", p.latitude, p.longitude))
    return Points(tuple(placed), int(unplaced or 0))


def _most_common(names: Counter[str] | None) -> str | None:
    if not names:
        return None
    # The commonest; among equals the first in alphabetical order, so that it never varies.
    return min(names.items(), key=lambda item: (-item[1], item[0]))[0]


async def points_on(
    session: AsyncSession, series_id: int, filters: Filters, day: date
) -> tuple[PlacedCount, ...]:
    """Return the points of the matching incidents of one day (none: an empty tuple)."""
    found = await points_between(session, series_id, filters, start=day, end=day)
    return found.placed


async def location_points(
    session: AsyncSession,
    series_id: int,
    locations: Sequence[str],
    *,
    filters: Filters,
    since: date | None,
    until: date,
) -> dict[str, tuple[float, float]]:
    """Return a point for each of these locations that has one: the commonest of its incidents
    that match `filters` on days in [since, until], as the breakdown counting them does (so
    a place never takes a point of another country's incidents, or of days after as-of)."""
    if not locations:
        return {}
    # Matched by their filter keys, as `location:` matches them (and through its index).
    names = {normalised(location): location for location in locations}
    conditions = matching(series_id, filters, until)
    if since is not None:
        conditions.append(Incident.occurred_on >= since)
    query = (
        select(Incident.location_key, Incident.latitude, Incident.longitude, func.count())
        .where(
            *conditions,
            Incident.location_key.in_(list(names)),
            Incident.latitude.is_not(None),
            Incident.longitude.is_not(None),
        )
        .group_by(Incident.location_key, Incident.latitude, Incident.longitude)
    )
    best: dict[str, tuple[int, float, float]] = {}
    for key, latitude, longitude, count in await session.execute(query):
        if latitude is None or longitude is None:
            continue  # never: the query asks for points
        name = names[key or ""]
        held = best.get(name)
        candidate = (count, float(latitude), float(longitude))
        # The commonest point; among equals the southernmost-westernmost, so that it never varies.
        if held is None or (candidate[0], -candidate[1], -candidate[2]) > (
            held[0],
            -held[1],
            -held[2],
        ):
            best[name] = candidate
    return {name: (lat, lon) for name, (_, lat, lon) in best.items()}
