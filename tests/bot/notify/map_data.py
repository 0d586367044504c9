"""Generated incidents over several countries, for the map's tests and the map in docs/charts/.

Some rows name a place the gazetteer knows, some a place it does not know, some give their
point outright (as ACLED does), some name no place at all. `expected_points` works out where
each should be drawn from the rows and the gazetteer file read here on its own.
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

HEADER = ["series", "date", "country", "location", "latitude", "longitude", "external_id"]
KNOWN = [
    ("Ain al-Assad", "Iraq"),
    ("Erbil", "Iraq"),
    ("Al-Qaim", "Iraq"),
    ("Al-Tanf", "Syria"),
    ("Abu Kamal", "Syria"),
    ("Al-Shaddadi", "Syria"),
    ("Tower 22", "Jordan"),
    ("Beirut", "Lebanon"),
    ("Eilat", "Israel"),
    ("Camp Arifjan", "Kuwait"),
]
UNKNOWN = [("Base 9", "Iraq"), ("Outpost Alpha", "Syria"), ("Camp Nowhere", "Jordan")]
# Points given outright, as an ACLED row gives them (one at a known place, elsewhere than the
# gazetteer's point: the row's own point is kept).
GIVEN = [("Al-Tanf", "Syria", 33.51, 38.62), ("Hit", "Iraq", 33.64, 42.83)]


def gazetteer_points() -> dict[tuple[str, str], tuple[float, float]]:
    """Read the shipped gazetteer's names and points, as a person reads the file."""
    text = (resources.files("bot") / "data" / "places.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {(r["name"], r["country"]): (float(r["latitude"]), float(r["longitude"])) for r in rows}


def generated(seed: int, count: int, first: date, last: date) -> list[dict[str, str]]:
    """Return `count` rows of the attacks series on days from `first` to `last`."""
    rng = random.Random(seed)
    span = (last - first).days
    rows = []
    for n in range(count):
        day = first + timedelta(days=rng.randint(0, span))
        row = {"series": "attacks", "date": day.isoformat(), "external_id": f"G{seed}-{n}"}
        roll = rng.random()
        if roll < 0.6:
            row["location"], row["country"] = rng.choice(KNOWN)
        elif roll < 0.75:
            row["location"], row["country"] = rng.choice(UNKNOWN)
        elif roll < 0.9:
            location, country, latitude, longitude = rng.choice(GIVEN)
            row.update(location=location, country=country)
            row.update(latitude=str(latitude), longitude=str(longitude))
        else:
            row["country"] = rng.choice(["Iraq", "Syria"])  # no place at all
        rows.append(row)
    return rows


def point_of(row: dict[str, str], known: dict[tuple[str, str], tuple[float, float]]):
    """Return where a row should be drawn, or None when it has no known place."""
    if row.get("latitude"):
        return float(row["latitude"]), float(row["longitude"])
    return known.get((row.get("location", ""), row.get("country", "")))


def expected_points(rows: list[dict[str, str]]) -> tuple[Counter[tuple[float, float]], int]:
    """Count the rows by the point each should be drawn at, and those with none."""
    known = gazetteer_points()
    points: Counter[tuple[float, float]] = Counter()
    unplaced = 0
    for row in rows:
        point = point_of(row, known)
        if point is None:
            unplaced += 1
        else:
            points[point] += 1
    return points, unplaced


def write_rows(path: Path, rows: list[dict[str, str]]) -> Path:
    """Write rows as a pausewatch CSV import."""
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path
