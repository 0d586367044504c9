"""The gazetteer shipped with the package (bot/data/places.csv), read once, and imports placed.

Its rows say where the data comes from; bot.domain.places matches names against it.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from bot.domain.fields import IncidentFields
from bot.domain.places import Gazetteer, place_incident, read_gazetteer

GAZETTEER_FILE = "places.csv"


@cache
def gazetteer() -> Gazetteer:
    """Return the shipped gazetteer, read on first use."""
    text = (resources.files("bot") / "data" / GAZETTEER_FILE).read_text(encoding="utf-8")
    return read_gazetteer(text.splitlines())


def placed(fields: IncidentFields) -> IncidentFields:
    """Return an incident's fields with the point of its known place when it has none."""
    if fields.latitude is not None or not fields.location:
        return fields  # most imported rows: no lookup at all
    return place_incident(fields, gazetteer()).fields
