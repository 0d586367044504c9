"""The HTTP API reads event_type and admin1 as chat does, and counts pauses as chat counts them."""

from __future__ import annotations

from bot.commands.core import Core
from tests.bot.commands.test_core import ask
from tests.bot.web.conftest import DOCUMENT, Web
from tests.bot.web.test_api import chat


async def test_the_new_filters_and_breakdowns_answer_as_chat(article: Core, web: Web) -> None:
    await ask(article, 'add 2024-07-10 country:Iraq admin1:"Al Anbar" event_type:Battles')
    await ask(article, "add 2024-07-18 country:Iraq admin1:Baghdad event_type:Battles")
    await ask(article, "add 2024-07-20 country:Iraq admin1:Baghdad time_precision:3")
    answer = await web.get("/api/v1/series/attacks/since?event_type=battles&admin1=al%20anbar")
    said = await chat(article, 'since event_type:battles admin1:"al anbar"')
    assert answer.body["words"]["text"] == said
    assert answer.body["filters"] == {"event_type": "Battles", "admin1": "Al Anbar"}
    assert answer.body["days_since"] == 12 and said.startswith("12 days since"), said

    # The month-precise event of 20 Jul is skipped by the API as by chat, and said.
    answer = await web.get("/api/v1/series/attacks/since?admin1=baghdad")
    said = await chat(article, "since admin1:baghdad")
    assert answer.body["words"]["text"] == said
    assert answer.body["days_since"] == 4 and answer.body["last_day"] == "2024-07-18"
    assert "1 attack in Baghdad known only to the week or month is not counted here" in said

    answer = await web.get("/api/v1/series/attacks/stats?by=admin1&country=iraq")
    assert answer.body["words"]["text"] == await chat(article, "stats by:admin1 country:iraq")
    [breakdown] = answer.body["breakdowns"]
    assert breakdown["by"] == "admin1"
    assert {"value": "Baghdad", "count": 2} in breakdown["rows"]
    assert {"value": "Al Anbar", "count": 1} in breakdown["rows"]


def test_the_document_lists_the_new_filters() -> None:
    since = DOCUMENT["paths"]["/api/v1/series/{name}/since"]["get"]
    names = {p.get("name") for p in since["parameters"] if "name" in p}
    assert {"event_type", "admin1"} <= names, names
