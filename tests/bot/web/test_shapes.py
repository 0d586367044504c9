"""The API's shapes: an incident has the domain's fields, and answers are written as before."""

from __future__ import annotations

from datetime import date, time

from bot.commands.core import Core
from bot.domain.fields import FIELD_NAMES
from bot.domain.incidents import Incident
from bot.web import data, shapes
from tests.bot.web.conftest import Web


def test_an_incident_has_the_fields_of_chat_and_the_import_schema() -> None:
    assert tuple(shapes.Incident.model_fields) == ("id", *FIELD_NAMES)
    assert tuple(shapes.StoredIncident.model_fields) == ("id", *FIELD_NAMES, "series", "deleted")
    assert tuple(shapes.NewIncident.model_fields) == ("series", *FIELD_NAMES)


def test_an_incident_is_written_as_chat_writes_it() -> None:
    incident = Incident(
        id=7, occurred_on=date(2024, 7, 21), occurred_at=time(21, 30), country="Syria", killed=0
    )
    assert data.incident_of(incident).model_dump(mode="json") == {
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
    }


async def test_answers_keep_their_keys_in_order_and_their_nulls(article: Core, web: Web) -> None:
    stored = await web.get("/api/v1/incidents/4")
    assert stored.text == (
        '{"incident": {"id": 4, "date": "2024-07-16", "time": null, "country": "Iraq", '
        '"location": "Ain al-Assad", "actor": null, "kind": "drone", "quantity": 2, '
        '"killed": 0, "wounded": null, "source": null, "notes": null, "external_id": null, '
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
