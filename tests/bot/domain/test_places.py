"""The gazetteer: every place the sample and the generators name is in it; names match whole,
case, accents, hyphens, apostrophes and al- aside, and nothing closer is guessed."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date
from importlib import resources

import pytest

from bot.domain.fields import IncidentFields
from bot.domain.places import (
    COLUMNS,
    Gazetteer,
    GazetteerError,
    Place,
    place_incident,
    place_key,
    placing_text,
    read_gazetteer,
)
from bot.settings import SAMPLE_DATA
from storage.gazetteer import gazetteer
from tests.bot.commands.phrasing_data import PLACES
from tests.bot.notify.map_data import KNOWN, gazetteer_points

DAY = date(2024, 7, 16)
HEADER = ",".join(COLUMNS)


def test_every_place_the_sample_and_the_generators_name_is_known() -> None:
    with SAMPLE_DATA.open(encoding="utf-8") as sample:
        named = {(r["location"], r["country"]) for r in csv.DictReader(sample) if r["location"]}
    named |= {(place, country) for by in PLACES.values() for country, places in by.items()
              for place in places}  # fmt: skip
    named |= set(KNOWN)
    shipped = gazetteer()
    assert named and all(shipped.find(place, country) for place, country in named), [
        n for n in named if shipped.find(*n) is None
    ]


def test_the_shipped_rows_read_as_written() -> None:
    shipped = gazetteer()
    points = gazetteer_points()
    assert len(shipped.places) == len(points) > 100
    for place in shipped.places:
        assert points[(place.name, place.country)] == (place.latitude, place.longitude)
    # No name (with its spellings) is given twice in one country.
    keys = Counter((place_key(p.name), p.country) for p in shipped.places)
    assert max(keys.values()) == 1


@pytest.mark.parametrize(
    ("written", "country", "found"),
    [
        ("AIN AL ASAD", None, "Ain al-Assad"),
        ("ain al-asad", "iraq", "Ain al-Assad"),
        ("Āin al-Asad", None, "Ain al-Assad"),
        ("al tanf", None, "Al-Tanf"),
        ("Tanf", "Syria", "Al-Tanf"),
        ("Al-Qaʿim", None, "Al-Qaim"),
        ("al-qa'im", "Iraq", "Al-Qaim"),
        ("Tanf", "Iraq", None),  # the place is in Syria
        ("Ain al-Asadd", None, None),  # a typo is not guessed
        ("Erbi", None, None),
        ("Tower 22 & Al-Tanf", None, None),
        ("", None, None),
    ],
)
def test_names_match_whole(written: str, country: str | None, found: str | None) -> None:
    place = gazetteer().find(written, country)
    assert (place.name if place else None) == found


def test_a_name_two_places_share_is_placed_only_by_its_country() -> None:
    twins = Gazetteer(
        [
            (Place("Tripoli", "Lebanon", 34.44, 35.83), ()),
            (Place("Tripoli", "Libya", 32.9, 13.2), ()),
        ]
    )
    assert twins.find("Tripoli") is None
    found = twins.find("tripoli", "Libya")
    assert found is not None and found.country == "Libya"


def test_an_incident_is_placed_once_and_said_so() -> None:
    shipped = gazetteer()
    placing = place_incident(IncidentFields(occurred_on=DAY, location="al tanf"), shipped)
    assert placing.place is not None and not placing.unknown
    assert (placing.fields.latitude, placing.fields.longitude) == (33.50, 38.66)
    assert placing_text(placing, 7) == "Placed al tanf at 33.50, 38.66 from the gazetteer."
    given = IncidentFields(occurred_on=DAY, location="Al-Tanf", latitude=33.1, longitude=38.0)
    assert place_incident(given, shipped).fields == given  # its own point is kept
    unknown = place_incident(IncidentFields(occurred_on=DAY, location="Base 9"), shipped)
    assert unknown.unknown and unknown.fields.latitude is None
    assert placing_text(unknown, 7) == (
        "Base 9 is not in the gazetteer, so it has no point on the map; to place it: "
        "edit 7 lat:N lon:N (its own degrees)."
    )
    nowhere = place_incident(IncidentFields(occurred_on=DAY, country="Iraq"), shipped)
    assert placing_text(nowhere, 7) is None


@pytest.mark.parametrize(
    ("lines", "told"),
    [
        (["name,country,latitude,longitude,aliases"], "the gazetteer's header must be"),
        ([HEADER, "Erbil,Iraq,north,44,,"], "row 2 (Erbil)"),
        ([HEADER, "Erbil,Iraq,95,44,,"], "needs a name"),
        ([HEADER, "Erbil,Iraq,36"], "row 2 has 3 columns"),
    ],
)
def test_a_bad_gazetteer_row_is_named(lines: list[str], told: str) -> None:
    with pytest.raises(GazetteerError, match=told.replace("(", r"\(").replace(")", r"\)")):
        read_gazetteer(lines)


def shipped_elsewhere() -> dict[str, tuple[str, str]]:
    """Read the shipped file's names marked as places elsewhere too: name → (country, others)."""
    text = (resources.files("bot") / "data" / "places.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {r["name"]: (r["country"], r["elsewhere"]) for r in rows if r["elsewhere"]}


def test_a_name_of_places_in_other_countries_too_is_placed_only_by_the_country() -> None:
    marked = shipped_elsewhere()
    assert {"Tripoli", "Rafah", "Homs"} <= set(marked)
    shipped = gazetteer()
    points = gazetteer_points()
    for name, (country, others) in marked.items():
        alone = place_incident(IncidentFields(occurred_on=DAY, location=name), shipped)
        assert alone.place is None and alone.fields.latitude is None and not alone.unknown
        assert set(alone.needs_country) == {country, *others.split("|")}
        said = placing_text(alone, 7)
        assert said is not None and said.startswith(f"{name} was not placed on the map")
        assert "edit 7 country:NAME" in said and "edit 7 lat:N lon:N" in said
        here = IncidentFields(occurred_on=DAY, location=name, country=country)
        placed = place_incident(here, shipped)
        assert (placed.fields.latitude, placed.fields.longitude) == points[(name, country)]
        for other in others.split("|"):
            there = IncidentFields(occurred_on=DAY, location=name, country=other)
            assert place_incident(there, shipped).fields.latitude is None
    # A name the file does not mark is placed without a country, as before.
    unmarked = next(p for p in shipped.places if p.name not in marked)
    found = shipped.find(unmarked.name)
    assert found is not None and found.name == unmarked.name
