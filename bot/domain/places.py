"""The gazetteer: known places by name, and an incident placed by its own name only (pure).

A place name is matched whole, its case, accents, hyphens, apostrophes and the article
"al-"/"el-" aside ("Ain al-Asad", "AIN AL ASAD" and "Ain Asad" are one name); nothing closer
than that is guessed. A name that two places share is placed only by the incident's country,
and so is a name the file marks as also a place elsewhere in the world (its `elsewhere`
column: Tripoli is in Lebanon and in Libya), though the file holds only one of them.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache

from bot.domain.fields import IncidentFields

# The columns of the gazetteer file (bot/data/places.csv); `aliases` are other spellings and
# `elsewhere` the other countries that have a place of the same name, each separated by "|".
# Lines starting with "#" say where the data comes from.
COLUMNS = ("name", "country", "latitude", "longitude", "aliases", "elsewhere")
ARTICLES = frozenset({"al", "el"})
_APOSTROPHES = re.compile("['’ʼʿʾ`‘]")
_NOT_ALNUM = re.compile(r"[\W_]+")


@lru_cache(maxsize=65_536)
def place_key(name: str) -> str:
    """Return the key a place name is known by: "Ain al-Asad" → "ain asad", "Al-Qa'im" → "qaim"."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = _NOT_ALNUM.sub(" ", _APOSTROPHES.sub("", folded)).split()
    return " ".join(word for word in words if word not in ARTICLES)


@dataclass(frozen=True, slots=True)
class Place:
    """A known place: its name as the gazetteer writes it, its country and its point."""

    name: str
    country: str
    latitude: float
    longitude: float
    elsewhere: tuple[str, ...] = ()  # other countries with a place of this name: needs a country

    def point_text(self) -> str:
        """Write the point as a reply says it: "33.50, 38.66"."""
        return f"{self.latitude:.2f}, {self.longitude:.2f}"


class GazetteerError(ValueError):
    """A gazetteer row that cannot be read, with the line it is on."""


class Gazetteer:
    """Known places by the key of each of their names."""

    def __init__(self, places: Iterable[tuple[Place, tuple[str, ...]]]) -> None:
        self._by_key: dict[str, list[Place]] = {}
        self.places: list[Place] = []
        for place, aliases in places:
            self.places.append(place)
            for name in {place_key(place.name), *map(place_key, aliases)}:
                found = self._by_key.setdefault(name, [])
                if place not in found:
                    found.append(place)

    def find(self, location: str | None, country: str | None = None) -> Place | None:
        """Return the place a location names (in `country` when given), or None.

        None when the name is unknown, when the named place is in another country than the
        incident's, and when several places share the name and no country tells them apart.
        """
        if not location:
            return None
        found = self._by_key.get(place_key(location), [])
        if country:
            wanted = place_key(country)
            found = [place for place in found if place_key(place.country) == wanted]
        elif self.countries_of(location):
            return None  # the name is of places in several countries: the country picks one
        return found[0] if len(found) == 1 else None

    def countries_of(self, location: str | None) -> tuple[str, ...]:
        """Return the countries a name is a place in, when it is placed only by the incident's
        country (several places share it, or it is marked as elsewhere too); else ()."""
        found = self._by_key.get(place_key(location or ""), [])
        countries = dict.fromkeys(c for place in found for c in (place.country, *place.elsewhere))
        return tuple(sorted(countries)) if len(countries) > 1 else ()


def read_gazetteer(lines: Iterable[str]) -> Gazetteer:
    """Read the gazetteer's CSV lines (see COLUMNS); raise GazetteerError on a bad row."""
    rows = csv.reader(line for line in lines if not line.startswith("#"))
    header = next(rows, None)
    if header is None or tuple(header) != COLUMNS:
        raise GazetteerError(f"the gazetteer's header must be {','.join(COLUMNS)}")
    places = []
    for number, row in enumerate(rows, start=2):
        if len(row) != len(COLUMNS):
            raise GazetteerError(f"row {number} has {len(row)} columns, not {len(COLUMNS)}")
        name, country, latitude, longitude, aliases, elsewhere = row
        try:
            point = float(latitude), float(longitude)
        except ValueError:
            raise GazetteerError(f"row {number} ({name}): the point is not two numbers") from None
        if not (-90 <= point[0] <= 90 and -180 <= point[1] <= 180) or not name or not country:
            raise GazetteerError(f"row {number} ({name}): needs a name, a country and a point")
        spellings = tuple(alias for alias in aliases.split("|") if alias.strip())
        others = tuple(other.strip() for other in elsewhere.split("|") if other.strip())
        places.append((Place(name, country, *point, elsewhere=others), spellings))
    return Gazetteer(places)


@dataclass(frozen=True)
class Placing:
    """An incident's fields after the gazetteer was asked, and what it found."""

    fields: IncidentFields
    place: Place | None  # the place it was put at; None when it has a point or none was found
    unknown: bool  # it names a location the gazetteer does not know, and has no point
    # The countries its name is a place in, when it gives none and so was not placed.
    needs_country: tuple[str, ...] = ()


def place_incident(fields: IncidentFields, gazetteer: Gazetteer) -> Placing:
    """Give an incident without a point the point of the place it names, when it is known."""
    if fields.latitude is not None or fields.longitude is not None or not fields.location:
        return Placing(fields, None, unknown=False)
    place = gazetteer.find(fields.location, fields.country)
    countries = (
        () if place is not None or fields.country else gazetteer.countries_of(fields.location)
    )
    if countries:
        return Placing(fields, None, unknown=False, needs_country=countries)
    if place is None:
        return Placing(fields, None, unknown=True)
    placed = replace(fields, latitude=place.latitude, longitude=place.longitude)
    return Placing(placed, place, unknown=False)


def placing_text(placing: Placing, incident_id: int) -> str | None:
    """Say where the gazetteer put an incident, or that its place has no point (None: neither)."""
    if placing.place is not None:
        return (
            f"Placed {placing.fields.location} at {placing.place.point_text()} from the gazetteer."
        )
    if placing.needs_country:
        return needs_country_text(placing.fields.location or "", placing.needs_country, incident_id)
    if placing.unknown:
        return (
            f"{placing.fields.location} is not in the gazetteer, so it has no point on the map; "
            f"to place it: edit {incident_id} lat:N lon:N (its own degrees)."
        )
    return None


def needs_country_text(location: str, countries: tuple[str, ...], incident_id: int) -> str:
    """Say that a name of places in several countries was not placed, and how to place it."""
    where = ", ".join(countries[:-1]) + f" and {countries[-1]}"
    return (
        f"{location} was not placed on the map: places in {where} have that name. To place "
        f"it, give its country (edit {incident_id} country:NAME) or its point "
        f"(edit {incident_id} lat:N lon:N)."
    )


def point_header(by: str) -> tuple[str, ...]:
    """Return the column a breakdown by location adds: each place's point."""
    return ("point",) if by == "location" else ()


def point_cells(by: str, point: tuple[float, float] | None) -> tuple[str, ...]:
    """Write a place's point in a breakdown by location ("33.79, 42.44"; "" when unknown)."""
    if by != "location":
        return ()
    return (f"{point[0]:.2f}, {point[1]:.2f}",) if point is not None else ("",)
