"""The board's map and the places of stats by:location, over HTTP and in chat, on both databases.

Expected points are worked out from the generated rows and the gazetteer file read on its own
(tests/bot/notify/map_data.py).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from bot.commands.core import Core
from tests.bot.commands.test_core import ADMIN, ask
from tests.bot.notify.map_data import gazetteer_points, generated, write_rows
from tests.bot.notify.test_maps import FIRST, LAST, _point, load
from tests.bot.web.conftest import Web


async def test_the_board_serves_the_map_the_chat_draws(
    core: Core, tmp_path: Path, web: Web
) -> None:
    await load(core, tmp_path, generated(5, 40, FIRST, LAST))
    page = await web.get("/board/attacks")
    assert re.search(r'<img src="/board/attacks/map\.png\?v=[^"]+"', page.text)
    answer = await web.get("/board/attacks/map.png")
    assert answer.status == 200 and answer.headers["Content-Type"] == "image/png"
    assert answer.content == (await core.handle("map", ADMIN)).attachments[0].content
    again = await web.get(
        "/board/attacks/map.png", headers={"If-None-Match": answer.headers["ETag"]}
    )
    assert again.status == 304
    assert (await web.get("/board/outages/map.png")).status == 404


async def test_stats_by_location_give_each_place_its_point(
    core: Core, tmp_path: Path, web: Web
) -> None:
    rows = generated(11, 120, FIRST, LAST)
    await load(core, tmp_path, rows)
    known = gazetteer_points()
    by_place: dict[str, Counter[tuple[float, float]]] = {}
    for row in rows:
        point = _point(row)
        if row.get("location"):
            by_place.setdefault(row["location"], Counter())
            if point is not None:
                by_place[row["location"]][point] += 1
    # Each place's commonest point; among equals the southernmost, then westernmost.
    wanted = {
        name: min(points.items(), key=lambda item: (-item[1], item[0]))[0] if points else None
        for name, points in by_place.items()
    }
    assert wanted["Base 9"] is None and wanted["Erbil"] == known[("Erbil", "Iraq")]

    answer = await web.get("/api/v1/series/attacks/stats?by=location")
    [breakdown] = answer.body["breakdowns"]
    assert breakdown["by"] == "location" and breakdown["rows"]
    for row in breakdown["rows"]:
        point = wanted.get(row["value"])
        assert (row["latitude"], row["longitude"]) == (point or (None, None)), row
    said = await ask(core, "stats by:location")
    assert "location" in said and "point" in said
    for name, point in wanted.items():
        if point is not None and f"\n{name} " in said:
            shown = rf"\n{re.escape(name)} .* {point[0]:.2f}, {point[1]:.2f}(\n|$)"
            assert re.search(shown, said), (name, said)
    by_country = await web.get("/api/v1/series/attacks/stats?by=country")
    assert "latitude" not in by_country.body["breakdowns"][0]["rows"][0]


async def test_a_places_point_is_of_the_incidents_the_question_counts(core: Core, web: Web) -> None:
    # One name in two countries and over time: Iraq's point before as-of, Syria's commoner
    # overall, and Iraq's commonest only after as-of.
    rows = [
        ("2026-06-01", "Iraq", (33.1, 40.25)),
        ("2026-06-02", "Syria", (35.0, 40.5)),
        ("2026-06-03", "Syria", (35.0, 40.5)),
        ("2026-06-10", "Iraq", (33.3, 44.1)),
        ("2026-06-11", "Iraq", (33.3, 44.1)),
        ("2026-06-12", "Iraq", (33.3, 44.1)),
    ]
    for day, country, (lat, lon) in rows:
        said = await ask(core, f"add {day} location:Camp country:{country} lat:{lat} lon:{lon}")
        assert "Recorded" in said, said
    as_of, country = "2026-06-05", "Iraq"
    counted = Counter(p for d, c, p in rows if c == country and d <= as_of)
    [(point, count)] = counted.most_common(1)
    said = await ask(core, f"stats country:{country} by:location as-of {as_of}")
    assert re.search(rf"\nCamp .*{count}.* {point[0]:.2f}, {point[1]:.2f}(\n|$)", said), said
    overall = Counter(p for _, _, p in rows).most_common(1)[0][0]
    assert overall != point and f"{overall[0]:.2f}, {overall[1]:.2f}" not in said
    answer = await web.get(
        f"/api/v1/series/attacks/stats?by=location&country={country}&as_of={as_of}"
    )
    assert answer.status == 200, answer.body
    [row] = answer.body["breakdowns"][0]["rows"]
    assert (row["value"], row["latitude"], row["longitude"]) == ("Camp", *point)


async def test_the_imports_answer_says_how_many_rows_the_gazetteer_placed(
    web: Web, token: str, tmp_path: Path
) -> None:
    rows = generated(22, 50, FIRST, LAST)
    known = gazetteer_points()
    wanted = sum(
        1 for r in rows if not r.get("latitude") and (r.get("location"), r.get("country")) in known
    )
    body = write_rows(tmp_path / "rows.csv", rows).read_text(encoding="utf-8")
    headers = {"Content-Type": "text/csv", "Idempotency-Key": "placed-1"}
    first = await web.write("POST", "/api/v1/imports", token, data=body, headers=headers)
    assert first.status == 201, first.body
    assert (first.body["placed"], first.body["notes"]) == (wanted, False)
    replayed = await web.write("POST", "/api/v1/imports", token, data=body, headers=headers)
    assert replayed.body["replayed"] and replayed.body["placed"] == wanted
