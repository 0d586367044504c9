"""The benchmark's data sets: the small profile and an ACLED-shaped one, written as CSV.

`small` is the benchmark's first data set: twenty years, six countries, six kinds, forty
locations, twelve actors, each drawn evenly. `acled` has the shape of ACLED's history (issue
28): 29 years, 50,000 places, 5,000 actors, 100 countries and 25 kinds, each drawn with a long
tail (Zipf weights, 1/rank, so that a few values hold most events and most values a handful).
Both write the columns `pausewatch import` reads, in date order as exports are, with a fixed
seed: the same rows for the same size every time.
"""

from __future__ import annotations

import csv
import itertools
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

SERIES = {"attacks": 0.6, "us-strikes": 0.3, "outages": 0.1}
COLUMNS = [
    "series",
    "date",
    "country",
    "location",
    "actor",
    "kind",
    "killed",
    "source",
    "external_id",
]
KILLED = ["", "0", "0", "1", "2"]
SEED = 17


@dataclass(frozen=True)
class Profile:
    """A data set's shape, the filters its questions bring and the goals its figures meet."""

    name: str
    start: date
    years: int
    values: dict[str, list[str]]  # column: its values, most frequent first
    weighted: bool  # long-tailed (Zipf) draws; even ones when False
    raw_indexes: str  # "incidents": the incidents' own indexes; "lean": unique id, (series, day)
    goals: dict[str, float] = field(default_factory=dict)

    def data(self, out: Path, rows: int) -> Path:
        prefix = "incidents" if self.name == "small" else self.name
        return out / f"{prefix}-{rows}.csv"


SMALL = Profile(
    name="small",
    start=date(2005, 1, 1),
    years=20,
    values={
        "country": ["Iraq", "Syria", "Jordan", "Yemen", "Lebanon", "Israel"],
        "location": [f"Base {n}" for n in range(40)],
        "actor": [f"Group {n}" for n in range(12)],
        "kind": ["drone", "rocket", "missile", "mortar", "IED", "small arms"],
    },
    weighted=False,
    raw_indexes="incidents",
    goals={"import": 0.50, "ask": 0.5, "memory": 150},
)
ACLED = Profile(
    name="acled",
    start=date(1997, 1, 1),
    years=29,
    values={
        "country": [f"Country {n}" for n in range(1, 101)],
        "location": [f"Place {n}" for n in range(1, 50_001)],
        "actor": [f"Armed Group {n}" for n in range(1, 5_001)],
        "kind": [f"Kind {n}" for n in range(1, 26)],
    },
    weighted=True,
    raw_indexes="lean",
    goals={"import": 0.25, "size": 2.5, "ask": 0.4, "memory": 200},
)
PROFILES = {profile.name: profile for profile in (SMALL, ACLED)}
SMALL_FILTERS = [
    "",
    "country:Iraq",
    'location:"Base 7"',
    'actor:"Group 3"',
    "kind:drone",
    "country:Iraq kind:drone",
    'location:"Base 7" actor:"Group 3"',
]


def zipf_cumulative(count: int) -> list[float]:
    """Return the cumulative Zipf weights (1/rank) of `count` values, most frequent first."""
    return list(itertools.accumulate(1 / rank for rank in range(1, count + 1)))


def drawn(profile: Profile, rng: random.Random, rows: int) -> dict[str, list[str]]:
    """Draw each column's value for every row at once (one bisect a draw)."""
    columns = {}
    for column, values in profile.values.items():
        if profile.weighted:
            cumulative = zipf_cumulative(len(values))
            columns[column] = rng.choices(values, cum_weights=cumulative, k=rows)
        else:
            columns[column] = [rng.choice(values) for _ in range(rows)]
    return columns


def generate(profile: Profile, path: Path, rows: int, seed: int = SEED) -> None:
    """Write `rows` incidents of the profile's shape over its years, in date order."""
    rng = random.Random(seed)
    span = (date(profile.start.year + profile.years, 1, 1) - profile.start).days
    days = sorted(rng.randrange(span) for _ in range(rows))
    if profile.weighted:
        columns = drawn(profile, rng, rows)
        series = rng.choices(list(SERIES), list(SERIES.values()), k=rows)
        killed = rng.choices(KILLED, k=rows)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for n, offset in enumerate(days):
            day = (profile.start + timedelta(days=offset)).isoformat()
            if profile.weighted:
                values = [columns[c][n] for c in ("country", "location", "actor", "kind")]
                writer.writerow([series[n], day, *values, killed[n], "bench", f"B{n}"])
            else:
                writer.writerow(small_row(profile, rng, day, n))


def small_row(profile: Profile, rng: random.Random, day: str, n: int) -> list[str]:
    """One row of the small profile, drawn as the benchmark always drew them (same seed, same
    rows)."""
    names, weights = list(SERIES), list(SERIES.values())
    return [
        rng.choices(names, weights)[0],
        day,
        *(rng.choice(profile.values[c]) for c in ("country", "location", "actor", "kind")),
        rng.choice(KILLED),
        "bench",
        f"B{n}",
    ]


def quoted(column: str, value: str) -> str:
    return f'{column}:"{value}"' if " " in value else f"{column}:{value}"


def column_values(path: Path, *columns: str) -> list[tuple[str, ...]]:
    """Read the file's values of `columns`, row by row."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        places = [header.index(column) for column in columns]
        return [tuple(row[i] for i in places) for row in reader]


def acled_filters(path: Path) -> list[str]:
    """Filters drawn from the file: the commonest country and kind (low cardinality), a rare
    place (the least frequent with at least three events) and an actor of its first event."""
    rows = column_values(path, "country", "location", "actor", "kind")
    country = Counter(row[0] for row in rows).most_common(1)[0][0]
    kind = Counter(row[3] for row in rows).most_common(1)[0][0]
    places = Counter(row[1] for row in rows)
    least = min(3, max(places.values()))
    place = min((n, name) for name, n in places.items() if n >= least)[1]
    actor = next(row[2] for row in rows if row[1] == place)
    c, k = quoted("country", country), quoted("kind", kind)
    p, a = quoted("location", place), quoted("actor", actor)
    return ["", c, p, a, k, f"{c} {k}", f"{p} {a}", f"{c} {a}"]


def filters_for(profile: Profile, path: Path) -> list[str]:
    """The filters the profile's questions bring, with and without values of each cardinality."""
    return SMALL_FILTERS if profile is SMALL else acled_filters(path)


def summary(profile: Profile) -> str:
    plural = {"country": "countries", "location": "places", "actor": "actors", "kind": "kinds"}
    counts: Sequence[str] = [f"{len(v):,} {plural[c]}" for c, v in profile.values.items()]
    tail = "long-tailed (Zipf)" if profile.weighted else "evenly drawn"
    return f"{profile.name}: {profile.years} years, {', '.join(counts)}, {tail}"
