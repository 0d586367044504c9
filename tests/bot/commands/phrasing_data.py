"""A generated data set of attacks and strikes, and a brute-force oracle over it (for test_phrasings).

The oracle follows DESIGN.md's definitions in plain Python over the generated list and
imports none of the bot's own pause or period arithmetic: an incident day is a day with at least
one matching incident; a pause between consecutive incident days a < b is b − a + 1 days (the
default `inclusive` counting); the current pause runs from the last incident day to today,
counted the same way; days since is today − the last incident day; the record is the longest
closed pause, the first of several of that length.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from typing import TypeVar

# The injected clock's day (tests/conftest.py NOW): a Wednesday.
TODAY = date(2026, 11, 25)
FIRST_DAY = date(2024, 1, 1)

# Where each series happens, as the data spells it: no two names so close that a question is
# honestly ambiguous.
PLACES: dict[str, dict[str, tuple[str, ...]]] = {
    "attacks": {
        "Iraq": ("Ain al-Asad", "Erbil", "Harir"),
        "Syria": ("Al-Tanf", "Green Village", "Al-Shaddadi"),
        "Jordan": ("Tower 22",),
    },
    "us-strikes": {
        "Iraq": ("Al-Qaim", "Jurf al-Sakhar"),
        "Syria": ("Abu Kamal", "Mayadin"),
    },
}
KINDS: dict[str, tuple[str, ...]] = {
    "attacks": ("drone", "rocket", "missile"),
    "us-strikes": ("drone", "missile"),
}
NOUNS = {"attacks": ("attack", "attacks"), "us-strikes": ("strike", "strikes")}


@dataclass(frozen=True)
class Incident:
    """One generated incident: the fields a question may filter on."""

    series: str
    day: date
    country: str
    location: str
    kind: str

    def command(self) -> str:
        """Return the `add` command that stores it."""
        return (
            f"add {self.day.isoformat()} {self.series} country:{self.country} "
            f'location:"{self.location}" kind:{self.kind}'
        )


def _random_incident(rng: random.Random, series: str, day: date) -> Incident:
    country = rng.choices(list(PLACES[series]), weights=[5, 4, 2][: len(PLACES[series])])[0]
    location = rng.choice(PLACES[series][country])
    kind = rng.choices(KINDS[series], weights=[5, 3, 2][: len(KINDS[series])])[0]
    return Incident(series, day, country, location, kind)


def generated(seed: int = 25) -> list[Incident]:
    """Return about 120 attacks and 60 strikes over 2024–2026, a few on the same day.

    The last attack is six days before the clock's day (a running pause of 7 days); the last
    strike is earlier still. Some incidents are pinned so that every period a question names
    (this month, last week, the days asked about) has some, and Jordan has a long pause.
    """
    rng = random.Random(seed)
    span = (date(2026, 11, 19) - FIRST_DAY).days
    found: list[Incident] = []
    for _ in range(118):
        found.append(_random_incident(rng, "attacks", FIRST_DAY + timedelta(rng.randrange(span))))
    for _ in range(6):  # same-day incidents elsewhere
        day = rng.choice(found).day
        found.append(_random_incident(rng, "attacks", day))
    # Pinned: last week (16–22 Nov 2026) and this month; the last attack on 19 Nov.
    found += [
        Incident("attacks", date(2026, 11, 19), "Syria", "Al-Tanf", "drone"),
        Incident("attacks", date(2026, 11, 19), "Iraq", "Erbil", "rocket"),
        Incident("attacks", date(2026, 11, 17), "Iraq", "Ain al-Asad", "rocket"),
        Incident("attacks", date(2026, 11, 3), "Jordan", "Tower 22", "drone"),
        Incident("attacks", date(2026, 7, 16), "Iraq", "Ain al-Asad", "drone"),
    ]
    strike_span = (date(2026, 10, 30) - FIRST_DAY).days
    for _ in range(58):
        day = FIRST_DAY + timedelta(rng.randrange(strike_span))
        found.append(_random_incident(rng, "us-strikes", day))
    found += [
        Incident("us-strikes", date(2026, 10, 30), "Syria", "Abu Kamal", "missile"),
        Incident("us-strikes", date(2026, 10, 30), "Iraq", "Al-Qaim", "drone"),
    ]
    return sorted(found, key=lambda i: (i.day, i.series, i.country, i.location, i.kind))


# --- The oracle ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Gap:
    """A pause between two incident days (or the running one, ending today)."""

    start: date
    end: date

    @property
    def length(self) -> int:
        """Return its length as DESIGN.md's default counting does: both end days included."""
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class Where:
    """The incidents of one series that match some filters; called on an incident, says if it does."""

    series: str = "attacks"
    country: str | None = None
    location: str | None = None
    kind: str | None = None

    def __call__(self, incident: Incident) -> bool:
        return (
            incident.series == self.series
            and (self.country is None or incident.country == self.country)
            and (self.location is None or incident.location == self.location)
            and (self.kind is None or incident.kind == self.kind)
        )

    @property
    def noun(self) -> str:
        """Return the series' noun in the singular ("attack")."""
        return NOUNS[self.series][0]


Select = Callable[[Incident], bool]
K = TypeVar("K")


def where(
    series: str = "attacks",
    *,
    country: str | None = None,
    location: str | None = None,
    kind: str | None = None,
) -> Where:
    """Return the selection of one series' incidents that match the filters."""
    return Where(series, country, location, kind)


def chosen(data: Iterable[Incident], select: Select) -> list[Incident]:
    """Return the incidents that match."""
    return [incident for incident in data if select(incident)]


def incident_days(data: Iterable[Incident], select: Select, today: date = TODAY) -> list[date]:
    """Return the days with at least one matching incident, up to `today`, in order."""
    return sorted({i.day for i in data if select(i) and i.day <= today})


def last_day(data: Iterable[Incident], select: Select, today: date = TODAY) -> date:
    """Return the last incident day."""
    return incident_days(data, select, today)[-1]


def days_since(data: Iterable[Incident], select: Select, today: date = TODAY) -> int:
    """Return today − the last incident day."""
    return (today - last_day(data, select, today)).days


def closed_pauses(data: Iterable[Incident], select: Select, today: date = TODAY) -> list[Gap]:
    """Return the pauses between consecutive incident days, oldest first."""
    days = incident_days(data, select, today)
    return [Gap(a, b) for a, b in pairwise(days)]


def current_pause(data: Iterable[Incident], select: Select, today: date = TODAY) -> Gap:
    """Return the running pause: from the last incident day to today."""
    return Gap(last_day(data, select, today), today)


def record_pause(data: Iterable[Incident], select: Select, today: date = TODAY) -> Gap:
    """Return the longest closed pause, the first of several of that length."""
    best: Gap | None = None
    for gap in closed_pauses(data, select, today):
        if best is None or gap.length > best.length:
            best = gap
    assert best is not None
    return best


def longest_pauses(
    data: Iterable[Incident], select: Select, n: int, today: date = TODAY
) -> list[Gap]:
    """Return the n longest closed pauses, longest first (the earlier first among equals)."""
    gaps = closed_pauses(data, select, today)
    return sorted(gaps, key=lambda g: (-g.length, g.start))[:n]


def pause_ended_by_last(data: Iterable[Incident], select: Select, today: date = TODAY) -> Gap:
    """Return the pause the last incident day ended."""
    return closed_pauses(data, select, today)[-1]


def count(
    data: Iterable[Incident], select: Select, first: date | None = None, last: date = TODAY
) -> int:
    """Return how many matching incidents fell from `first` to `last`, both included."""
    return sum(1 for i in data if select(i) and (first is None or first <= i.day) and i.day <= last)


def tallies(
    data: Iterable[Incident],
    select: Select,
    key: Callable[[Incident], K],
    first: date | None = None,
    last: date = TODAY,
) -> Counter[K]:
    """Return the matching incidents from `first` to `last` counted per key (month, country...)."""
    return Counter(
        key(i) for i in data if select(i) and (first is None or first <= i.day) and i.day <= last
    )


def latest(data: Iterable[Incident], select: Select, n: int, today: date = TODAY) -> list[Incident]:
    """Return the n most recent matching incidents (of the same day, in no given order)."""
    found = [i for i in data if select(i) and i.day <= today]
    return sorted(found, key=lambda i: i.day, reverse=True)[:n]


def on_day(data: Iterable[Incident], select: Select, day: date) -> list[Incident]:
    """Return the matching incidents of one day."""
    return [i for i in data if select(i) and i.day == day]


# --- Periods, relative to the clock's day (weeks begin on Monday) -----------------------------


def this_week(today: date = TODAY) -> tuple[date, date]:
    """Return Monday of this week to today."""
    return today - timedelta(today.weekday()), today


def last_week(today: date = TODAY) -> tuple[date, date]:
    """Return last week, Monday to Sunday."""
    monday = today - timedelta(today.weekday())
    return monday - timedelta(7), monday - timedelta(1)


def month(year: int, number: int, today: date = TODAY) -> tuple[date, date]:
    """Return a month's days (up to today for the current month)."""
    first = date(year, number, 1)
    following = date(year + number // 12, number % 12 + 1, 1)
    return first, min(following - timedelta(1), today)


def this_month(today: date = TODAY) -> tuple[date, date]:
    """Return the first of this month to today."""
    return month(today.year, today.month, today)


def last_month(today: date = TODAY) -> tuple[date, date]:
    """Return last month."""
    previous = today.replace(day=1) - timedelta(1)
    return month(previous.year, previous.month, today)


def year(number: int, today: date = TODAY) -> tuple[date, date]:
    """Return a year's days (up to today for this year)."""
    return date(number, 1, 1), min(date(number, 12, 31), today)


def last_n_days(n: int, today: date = TODAY) -> tuple[date, date]:
    """Return the last n days, today included."""
    return today - timedelta(n - 1), today


def day_text(day: date) -> str:
    """Write a day as the bot writes one: "16 Jul 2024" (written here, not imported)."""
    return f"{day.day} {day:%b %Y}"
