"""The read API over real HTTP: the same figures and words as chat, the chat's messages for bad input."""

from __future__ import annotations

from bot.commands.core import Core
from bot.commands.render_text import render_text
from tests.bot.commands.test_core import ADMIN, ask, ranked_rows
from tests.bot.web.conftest import DOCUMENT, Web


async def chat(core: Core, text: str) -> str:
    return render_text(await core.handle(text, ADMIN))


async def test_the_series(article: Core, web: Web) -> None:
    answer = await web.get("/api/v1/series")
    assert answer.status == 200
    names = [s["name"] for s in answer.body["series"]]
    assert names == ["attacks", "us-strikes"]
    assert answer.body["series"][0]["tracking_start"] == "2023-10-17"
    assert answer.body["series"][0]["plural"] == "attacks"


async def test_since_is_the_chat_answer(article: Core, web: Web) -> None:
    answer = await web.get("/api/v1/series/attacks/since?as_of=2024-07-15")
    assert answer.status == 200
    said = await chat(article, "since as-of 2024-07-15")
    assert answer.body["words"]["text"] == said
    assert answer.body["days_since"] == 84 and said.startswith("84 days since the last attack")
    assert answer.body["last_day"] == "2024-04-22"
    assert [i["id"] for i in answer.body["last_incidents"]] == [3]
    assert answer.body["as_of"] == "2024-07-15" and answer.body["today"] == "2024-07-22"


async def test_filters_read_as_chat_reads_them(article: Core, web: Web) -> None:
    answer = await web.get("/api/v1/series/attack/since?country=iraq")
    said = await chat(article, "since attacks country:iraq")
    assert answer.body["words"]["text"] == said
    assert answer.body["series"] == "attacks"
    assert answer.body["filters"] == {"country": "Iraq"}
    assert answer.body["scope"] == "attacks in Iraq"
    assert answer.body["days_since"] == 6 and said.startswith(
        "6 days since the last attack in Iraq"
    )


async def test_pause_says_where_the_running_pause_stands(article: Core, web: Web) -> None:
    answer = await web.get("/api/v1/series/attacks/pause")
    body = answer.body
    assert body["words"]["text"] == await chat(article, "pause")
    assert body["running"] == {
        "start": "2024-07-16",
        "end": "2024-07-22",
        "length": 7,
        "running": True,
    }
    assert body["standing"]["kind"] == "shorter"
    assert body["standing"]["short_of_record"] == 79
    assert body["record"]["length"] == 86 and body["record"]["start"] == "2024-04-22"
    # The pause the last attack ended: the record, "the longest since tracking began".
    assert body["ended"]["kind"] == "new record"
    assert body["ended"]["since"] == "2023-10-17"
    assert "79 days to go" in body["words"]["details"][0]


async def test_pause_as_of_the_day_the_record_ended(article: Core, web: Web) -> None:
    answer = await web.get("/api/v1/series/attacks/pause?as_of=2024-07-16")
    assert answer.body["running"] is None and answer.body["standing"] is None
    assert answer.body["words"]["text"] == await chat(article, "pause as-of 2024-07-16")
    assert (
        "a new record: the longest since tracking began on 17 Oct 2023"
        in (answer.body["words"]["text"])
    )


async def test_pauses_are_ranked_as_chat_ranks_them(article: Core, web: Web) -> None:
    answer = await web.get("/api/v1/series/attacks/pauses?limit=2")
    said = await chat(article, "pauses limit:2")
    assert answer.body["words"]["text"] == said
    ranked = [(p["rank"], p["length"], p["start"], p["end"]) for p in answer.body["pauses"]]
    assert ranked == [(1, 86, "2024-04-22", "2024-07-16"), (2, 78, "2024-02-04", "2024-04-21")]
    assert len(ranked_rows(said)) == 2
    assert answer.body["pauses"][0]["is_record"] and not answer.body["pauses"][1]["is_record"]
    assert answer.body["running_rank"] == 3 and answer.body["pause_count"] == 3


async def test_incidents_page_by_page(article: Core, web: Web) -> None:
    first = await web.get("/api/v1/series/attacks/incidents?from=2024-01-01&limit=3")
    assert first.body["total"] == 4 and first.body["order"] == "oldest"
    assert (
        first.body["words"]["headline"]
        == (await article.handle("list from:2024-01-01 limit:3", ADMIN)).headline
    )
    assert first.body["next_offset"] == 3
    second = await web.get("/api/v1/series/attacks/incidents?from=2024-01-01&limit=3&offset=3")
    assert second.body["next_offset"] is None
    ids = [i["id"] for i in first.body["incidents"] + second.body["incidents"]]
    assert ids == [1, 2, 3, 4]
    latest = await web.get("/api/v1/series/attacks/incidents?limit=2")
    assert latest.body["order"] == "newest"
    assert [i["id"] for i in latest.body["incidents"]] == [4, 3]
    assert latest.body["words"]["text"] == await chat(article, "last 2")
    iraq = await web.get("/api/v1/series/attacks/incidents?country=Iraq&order=oldest")
    assert [i["id"] for i in iraq.body["incidents"]] == [3, 4]
    assert iraq.body["incidents"][1]["quantity"] == 2
    assert iraq.body["incidents"][1]["location"] == "Ain al-Assad"


async def test_stats_count_as_chat_counts(article: Core, web: Web) -> None:
    answer = await web.get("/api/v1/series/attacks/stats?by=country")
    said = await chat(article, "stats by:country")
    assert answer.body["words"]["text"] == said
    assert answer.body["total"] == 4
    assert said.startswith("At least 4 attacks since 17 Oct 2023")
    [breakdown] = answer.body["breakdowns"]
    assert breakdown["by"] == "country"
    assert breakdown["rows"][0] == {"value": "Iraq", "count": 2}
    whole = await web.get("/api/v1/series/attacks/stats")
    assert [b["by"] for b in whole.body["breakdowns"]] == ["month", "country", "kind"]
    assert whole.body["last_7_days"] == 1 and whole.body["last_30_days"] == 1


async def test_bad_parameters_get_the_chats_messages_per_field(article: Core, web: Web) -> None:
    answer = await web.get("/api/v1/series/attacks/pauses?contry=Iraq&limit=lots")
    assert answer.status == 400
    fields = answer.body["fields"]
    assert fields["contry"] == (await article.handle("pauses contry:Iraq", ADMIN)).headline
    assert "did you mean country:?" in fields["contry"]
    assert fields["limit"] == (await article.handle("pauses limit:lots", ADMIN)).headline
    future = await web.get("/api/v1/series/attacks/since?as_of=2031-01-01")
    assert future.status == 400
    assert "future" in future.body["fields"]["as_of"]
    backwards = await web.get("/api/v1/series/attacks/incidents?from=2024-07-01&to=2024-01-01")
    assert backwards.status == 400
    assert backwards.body["error"].startswith("to:2024-01-01 is before from:2024-07-01")
    paging = await web.get("/api/v1/series/attacks/incidents?offset=-1&order=sideways")
    assert set(paging.body["fields"]) == {"offset", "order"}


async def test_an_unknown_series_is_not_found(article: Core, web: Web) -> None:
    answer = await web.get("/api/v1/series/outages/since")
    assert answer.status == 404
    assert "`outages` is not a series" in answer.body["error"]
    assert "attacks, us-strikes" in answer.body["error"]


async def test_a_missing_route_answers_json(web: Web) -> None:
    answer = await web.get("/api/v1/nothing-here")
    assert answer.status == 404 and answer.body == {"error": "Not Found"}
    # Said as such to anyone: there is nothing behind it to guard.
    assert (await web.get("/api/v1/nothing-here", anonymous=True)).status == 404
    assert (await web.call("PUT", "/api/v1/revision", anonymous=True)).status == 405


async def test_the_document_is_served_and_names_every_route(web: Web) -> None:
    answer = await web.get("/api/v1/openapi.json")
    assert answer.status == 200 and answer.body["openapi"] == "3.1.0"
    assert answer.body == DOCUMENT
    served = {
        resource.canonical
        for resource in web_app_routes()
        if not resource.canonical.startswith("/board")
    }
    documented = set(DOCUMENT["paths"])
    assert served == documented


def web_app_routes() -> list:
    from bot.web.server import build_web_app

    class Dummy:
        class settings:
            write_rate_per_minute = 1

    app = build_web_app(Dummy())  # type: ignore[arg-type]
    return list(app.router.resources())


async def test_an_empty_series_says_so(core: Core, web: Web) -> None:
    answer = await web.get("/api/v1/series/us-strikes/pause")
    assert answer.status == 200
    assert answer.body["days_since"] is None and answer.body["record"] is None
    assert answer.body["words"]["text"] == await chat(core, "pause us-strikes")
    await ask(core, "add 2024-07-16")
    assert (await web.get("/api/v1/series/attacks/since")).body["last_day"] == "2024-07-16"
