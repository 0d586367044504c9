"""The read API counts over a period as chat does: period=, or from= and to=, on /stats and /incidents."""

from __future__ import annotations

from bot.commands.core import Core
from tests.bot.web.conftest import Web
from tests.bot.web.test_api import chat


async def test_stats_over_a_period_is_the_chat_answer(article: Core, web: Web) -> None:
    answer = await web.get("/api/v1/series/attacks/stats?period=April%202024")
    assert answer.status == 200
    said = await chat(article, "stats April 2024")
    assert answer.body["words"]["text"] == said
    assert said.startswith("2 attacks in April 2024 (1–30 Apr 2024)")
    assert answer.body["total"] == 2 and answer.body["incident_days"] == 2
    assert answer.body["period"] == {
        "first": "2024-04-01",
        "last": "2024-04-30",
        "label": "in April 2024 (1–30 Apr 2024)",
    }
    days = await web.get("/api/v1/series/attacks/stats?from=2024-04-22&to=2024-07-16")
    assert days.body["total"] == 2
    assert days.body["words"]["text"] == await chat(
        article, "stats between 2024-04-22 and 2024-07-16"
    )
    whole = await web.get("/api/v1/series/attacks/stats")
    assert whole.body["period"] is None and whole.body["total"] == 4


async def test_incidents_over_a_period(article: Core, web: Web) -> None:
    answer = await web.get("/api/v1/series/attacks/incidents?period=last%20week")
    # The test day is 2024-07-22, a Monday: last week is 15-21 July.
    assert answer.status == 200
    assert answer.body["from"] == "2024-07-15" and answer.body["to"] == "2024-07-21"
    assert answer.body["total"] == 1
    assert answer.body["words"]["text"] == await chat(article, "list last week")
    year = await web.get("/api/v1/series/attacks/incidents?period=2024&country=Iraq")
    assert year.body["total"] == 2


async def test_a_wrong_period_gets_the_chats_message(article: Core, web: Web) -> None:
    answer = await web.get("/api/v1/series/attacks/stats?period=2025")
    assert answer.status == 400
    assert "2025 begins on 2025-01-01, in the future (today is 2024-07-22)" in answer.body["error"]
    assert "period" in answer.body["fields"]
    both = await web.get("/api/v1/series/attacks/incidents?period=March&from=2024-03-01")
    assert both.status == 400 and "Give the days once" in both.body["error"]
    backwards = await web.get(
        "/api/v1/series/attacks/stats?period=between%202024-05-01%20and%202024-04-01"
    )
    assert "write the earlier day first" in backwards.body["error"]
    alone = await web.get("/api/v1/series/attacks/stats?to=2024-05-01")
    assert alone.status == 400 and "`to:` needs from:DATE" in alone.body["error"]
