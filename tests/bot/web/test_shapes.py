"""The API's shapes: an incident has the domain's fields, answers are written as before, and the
document's components are the shapes'."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest

from bot.commands.core import Core
from bot.domain.fields import FIELD_NAMES
from bot.domain.incidents import Incident
from bot.web import data, shapes
from bot.web.components import components
from bot.web.openapi import DOCUMENT
from tests.bot.web.conftest import Web


def test_an_incident_has_the_fields_of_chat_and_the_import_schema() -> None:
    assert tuple(shapes.Incident.model_fields) == ("id", *FIELD_NAMES)
    assert tuple(shapes.StoredIncident.model_fields) == ("id", *FIELD_NAMES, "series", "deleted")
    assert tuple(shapes.NewIncident.model_fields) == ("series", *FIELD_NAMES)


def test_an_incident_is_written_as_chat_writes_it() -> None:
    incident = Incident(
        id=7,
        occurred_on=date(2024, 7, 21),
        occurred_at=time(21, 30),
        country="Syria",
        killed=0,
        latitude=33.8,
        time_precision=2,
    )
    assert data.incidents_of([incident])[0].model_dump(mode="json") == {
        "id": 7,
        "date": "2024-07-21",
        "time": "21:30",
        "country": "Syria",
        "location": None,
        "actor": None,
        "kind": None,
        "quantity": None,
        "killed": 0,
        "wounded": None,
        "source": None,
        "notes": None,
        "external_id": None,
        "event_type": None,
        "admin1": None,
        "admin2": None,
        "latitude": 33.8,
        "longitude": None,
        "geo_precision": None,
        "time_precision": 2,
    }


async def test_answers_keep_their_keys_in_order_and_their_nulls(article: Core, web: Web) -> None:
    stored = await web.get("/api/v1/incidents/4")
    assert stored.text == (
        '{"incident": {"id": 4, "date": "2024-07-16", "time": null, "country": "Iraq", '
        '"location": "Ain al-Assad", "actor": null, "kind": "drone", "quantity": 2, '
        '"killed": 0, "wounded": null, "source": null, "notes": null, "external_id": null, '
        '"event_type": null, "admin1": null, "admin2": null, "latitude": null, '
        '"longitude": null, "geo_precision": null, "time_precision": null, '
        '"series": "attacks", "deleted": false}}'
    )
    page = await web.get("/api/v1/series/attacks/incidents?country=Iraq&limit=1")
    assert list(page.body) == [
        *("series", "filters", "as_of", "today", "scope", "from", "to", "order", "offset"),
        *("limit", "total", "next_offset", "incidents", "words"),
    ]
    assert page.body["from"] is None and page.body["to"] == "2024-07-22"
    assert page.body["limit"] == 1 and page.body["next_offset"] == 1
    ranked = await web.get("/api/v1/series/attacks/pauses?limit=1")
    assert ranked.body["pauses"] == [
        {
            "start": "2024-04-22",
            "end": "2024-07-16",
            "length": 86,
            "running": False,
            "rank": 1,
            "is_record": True,
        }
    ]
    assert list(ranked.body["pauses"][0]) == [
        *("start", "end", "length", "running", "rank", "is_record")
    ]


def refs(node: Any) -> set[str]:
    """Return the components a part of the document points at."""
    if isinstance(node, dict):
        found = {node["$ref"].removeprefix("#/components/schemas/")} if "$ref" in node else set()
        return found.union(*(refs(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(refs(value) for value in node))
    return set()


def test_every_component_is_named_and_used() -> None:
    schemas = DOCUMENT["components"]["schemas"]
    used = refs(DOCUMENT["paths"])
    while refs([schemas[name] for name in used]) - used:
        used |= refs([schemas[name] for name in used])
    assert used == set(schemas)


def test_the_components_say_what_they_said() -> None:
    schemas = DOCUMENT["components"]["schemas"]
    # Errors: a message always, the rest when there is something to say.
    assert schemas["Error"]["required"] == ["error"]
    assert set(schemas["Error"]["properties"]) == {"error", "fields", "details"}
    assert schemas["ImportError"]["required"] == ["error"]
    assert set(schemas["ImportError"]["properties"]) == {
        "error",
        "fields",
        "rows",
        "total_bad_rows",
    }
    # Answers: every field, null where there is none.
    incident = schemas["Incident"]
    assert incident["required"] == ["id", *FIELD_NAMES]
    assert incident["properties"]["time"] == {"anyOf": [{"type": "string"}, {"type": "null"}]}
    assert incident["properties"]["killed"] == {
        "anyOf": [{"minimum": 0, "type": "integer"}, {"type": "null"}]
    }
    assert schemas["Incidents"]["required"][5:7] == ["from", "to"]
    # A new incident: the day is needed, nothing else is, and nothing unknown is taken.
    new = schemas["NewIncident"]
    assert new["required"] == ["date"] and new["additionalProperties"] is False
    assert list(new["properties"]) == ["series", *FIELD_NAMES]
    assert all("default" not in field for field in new["properties"].values())
    assert not any("title" in schema for schema in schemas.values())


def test_two_shapes_of_one_name_are_refused() -> None:
    class Pause(shapes.Shape):
        """Not the API's pause."""

        days: int

    class Holder(shapes.Shape):
        pause: Pause

    with pytest.raises(ValueError, match="two different shapes are called Pause"):
        components(answers=(shapes.Since, shapes.PauseStanding, Holder), bodies=())
