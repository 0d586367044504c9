"""Where: coordinates from add, import and the gazetteer; the map, its reply and the digest's map,
on both databases (the board's map and the API's places: tests/bot/web/test_places.py).

Expected figures are counted from the generated rows and the gazetteer file read on its own
(tests/bot/notify/map_data.py); the map's data is the plan the renderer drew.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.commands.context import console_caller
from bot.commands.core import Core
from bot.commands.imports import import_file
from bot.domain.filters import Filters
from bot.domain.wording import Scope
from bot.notify.digests import build_digest
from bot.notify.map_replies import draw_map
from storage.catalog import series_by_name
from storage.models import Incident
from tests.bot.commands.test_core import ADMIN, ask, refused, snapshot
from tests.bot.notify.map_data import expected_points, gazetteer_points, generated, write_rows

PNG = b"\x89PNG\r\n\x1a\n"
# The injected clock's day is 25 Nov 2026: the generated days fall in the 52 weeks before it.
FIRST, LAST = date(2026, 1, 5), date(2026, 11, 20)
SCOPE = Scope("attack", "attacks", Filters())


async def points_stored(core: Core) -> dict[int, tuple[float | None, float | None]]:
    async with core.database.read() as session:
        rows = await session.execute(select(Incident.id, Incident.latitude, Incident.longitude))
        return {i: (lat, lon) for i, lat, lon in rows}


async def load(core: Core, tmp_path: Path, rows: list[dict[str, str]]) -> None:
    path = write_rows(tmp_path / "generated.csv", rows)
    await import_file(core.context, path, file_format="csv", series=None, caller=console_caller())


def newest_day(rows: list[dict[str, str]]) -> date:
    return max(date.fromisoformat(r["date"]) for r in rows)


async def test_add_takes_a_point_or_the_gazetteers_and_never_guesses(core: Core) -> None:
    known = gazetteer_points()
    said = await ask(core, "add 2026-06-01 location:Outpost lat:33.1 lon:40.25")
    assert "gazetteer" not in said, said
    said = await ask(core, 'add 2026-06-02 location:"ain al asad" country:Iraq')
    latitude, longitude = known[("Ain al-Assad", "Iraq")]
    assert f"Placed ain al asad at {latitude:.2f}, {longitude:.2f} from the gazetteer." in said
    said = await ask(core, 'add 2026-06-03 location:"Base 9" country:Iraq')
    assert "Base 9 is not in the gazetteer, so it has no point on the map" in said, said
    said = await ask(core, "add 2026-06-04 location:Tanf country:Iraq")  # Al-Tanf is in Syria
    assert "Tanf is not in the gazetteer" in said, said
    said = await ask(core, "add 2026-06-05 location:AL-TANF")
    assert "Placed AL-TANF at" in said, said
    assert await points_stored(core) == {
        1: (33.1, 40.25),
        2: (latitude, longitude),
        3: (None, None),
        4: (None, None),
        5: known[("Al-Tanf", "Syria")],
    }
    await ask(core, "edit 3 lat:33.2 lon:44.1")
    assert (await points_stored(core))[3] == (33.2, 44.1)


@pytest.mark.parametrize(
    ("written", "told"),
    [
        ("add 2026-06-01 lat:north lon:42", "latitude 'north' is not a number of degrees"),
        ("add 2026-06-01 lat:95 lon:42", "latitude '95' is out of range"),
        ("add 2026-06-01 lon:181 lat:33", "longitude '181' is out of range"),
        (
            "add 2026-06-01 lat:33.79",
            "latitude is given without longitude; give both, as lat:N lon:N",
        ),
        ("add 2026-06-01 lon:42.44", "longitude is given without latitude; give both"),
        ("edit 1 lat:30", "latitude is given without longitude; give both"),
        ("map limit:3", "`limit:` is not a filter key"),
        ("map in 2030", "in the future"),
    ],
)
async def test_bad_coordinates_and_maps_are_refused_changing_nothing(
    core: Core, written: str, told: str
) -> None:
    await ask(core, "add 2026-05-01 location:Nowhere")
    before = await snapshot(core)
    said = await refused(core, written)
    assert told in said, said
    assert await snapshot(core) == before
    assert (await points_stored(core))[1] == (None, None)


@pytest.mark.parametrize("seed", [7, 8])
async def test_the_map_draws_what_is_placed_and_counts_the_rest(
    core: Core, tmp_path: Path, seed: int
) -> None:
    rows = generated(seed, 160, FIRST, LAST)
    await load(core, tmp_path, rows)
    wanted, unplaced = expected_points(rows)
    assert unplaced and len(wanted) > 5  # the data holds both kinds

    reply = await core.handle("map between 2026-01-01 and 2026-11-25", ADMIN)
    assert not reply.is_error
    [drawn] = reply.attachments
    assert drawn.content.startswith(PNG) and drawn.filename.startswith("map-")
    assert reply.headline == f"{len(rows)} attacks from 1 Jan 2026 to 25 Nov 2026, by place"
    assert f"{unplaced} attacks without a known place: counted, not drawn on the map." in (
        reply.details
    )
    assert reply.details[0].startswith(f"At {len(wanted)} known places; the most at ")

    # The data the renderer drew: every point with its count, and the unplaced counted.
    async with core.database.read() as session:
        series = await series_by_name(session, "attacks")
        assert series is not None
        timeline = await core.questions.timeline(session, series, Filters())
        standing = timeline.standing(date(2026, 11, 25), None)
        map_ = await draw_map(session, series, SCOPE, standing, days=(FIRST, LAST, "in these days"))
    plan = map_.plan
    assert Counter({(p.latitude, p.longitude): p.count for p in plan.points}) == wanted
    assert plan.unplaced == unplaced
    assert plan.note == f"{unplaced} attacks without a known place"
    # The last incident day's places are ringed: those its rows give.
    last = newest_day(rows)
    on_last = {point for r in rows if r["date"] == last.isoformat() for point in [_point(r)]}
    assert plan.last is not None
    assert {(p.latitude, p.longitude) for p in plan.last.points} == on_last - {None}


def _point(row: dict[str, str]) -> tuple[float, float] | None:
    from tests.bot.notify.map_data import point_of

    return point_of(row, gazetteer_points())


async def test_the_digest_carries_the_map(core: Core, tmp_path: Path) -> None:
    rows = generated(3, 80, FIRST, LAST)
    await load(core, tmp_path, rows)
    wanted, unplaced = expected_points(rows)
    async with core.database.read() as session:
        series = await series_by_name(session, "attacks")
        assert series is not None
        reply = await build_digest(session, core.settings, series, Filters(), date(2026, 11, 23))
    _chart, drawn = reply.attachments
    assert drawn.filename.startswith("map-") and drawn.content.startswith(PNG)
    in_window = [r for r in rows if r["date"] <= "2026-11-23"]
    wanted, unplaced = expected_points(in_window)
    line = (
        f"The map: {sum(wanted.values())} attacks in the 52 weeks to 23 Nov 2026 at "
        f"{len(wanted)} known places; {unplaced} attacks without a known place, not drawn."
    )
    assert line in reply.details, reply.details


def point_text(point: tuple[float, float]) -> str:
    return f"{point[0]:.2f}, {point[1]:.2f}"


async def test_an_edit_of_the_place_moves_a_gazetteer_point_and_never_a_given_one(
    core: Core,
) -> None:
    known = gazetteer_points()
    tanf, palmyra = known[("Al-Tanf", "Syria")], known[("Palmyra", "Syria")]
    await ask(core, 'add 2026-06-01 location:"Base 9" country:Syria')
    said = await ask(core, 'edit 1 location:"al tanf"')
    assert f"Placed al tanf at {point_text(tanf)} from the gazetteer." in said, said
    assert (await points_stored(core))[1] == tanf
    # The gazetteer's point follows the place: to the new place's, or cleared.
    said = await ask(core, "edit 1 location:Palmyra")
    assert f"Placed Palmyra at {point_text(palmyra)} from the gazetteer." in said, said
    assert (await points_stored(core))[1] == palmyra
    said = await ask(core, "edit 1 location:Erbil")  # Erbil is in Iraq, the incident in Syria
    assert f"Its point from the gazetteer ({point_text(palmyra)}) was cleared" in said, said
    assert "Erbil in Syria is not in the gazetteer" in said and "lat:N lon:N" in said
    assert (await points_stored(core))[1] == (None, None)
    said = await ask(core, "edit 1 country:Iraq")
    assert f"Placed Erbil at {point_text(known[('Erbil', 'Iraq')])}" in said, said
    assert (await points_stored(core))[1] == known[("Erbil", "Iraq")]
    # A country edit moves a gazetteer point too: Homs is known in Syria, not in Libya.
    await ask(core, "add 2026-06-02 location:Homs country:Syria")
    assert (await points_stored(core))[2] == known[("Homs", "Syria")]
    said = await ask(core, "edit 2 country:Libya")
    assert "was cleared" in said and "Homs in Libya is not in the gazetteer" in said, said
    assert (await points_stored(core))[2] == (None, None)
    # A point the user gave is never moved by a place or country edit.
    given = (36.2, 44.0)
    await ask(core, f"add 2026-06-03 location:Erbil country:Iraq lat:{given[0]} lon:{given[1]}")
    said = await ask(core, "edit 3 location:Mosul")
    assert f"It keeps its point ({point_text(given)}); to move it: edit 3 lat:N lon:N." in said
    await ask(core, "edit 3 country:Syria")
    assert (await points_stored(core))[3] == given
    await ask(core, "edit 1 lat:36.2 lon:44.0")
    assert (await points_stored(core))[1] == given


async def test_a_name_of_places_in_several_countries_waits_for_its_country(core: Core) -> None:
    known = gazetteer_points()
    [(country, tripoli)] = [(c, p) for (name, c), p in known.items() if name == "Tripoli"]
    said = await ask(core, "add 2026-06-01 location:Tripoli")
    assert "Tripoli was not placed on the map: places in " in said, said
    assert country in said and "edit 1 country:NAME" in said and "edit 1 lat:N lon:N" in said
    assert (await points_stored(core))[1] == (None, None)
    said = await ask(core, f"edit 1 country:{country}")
    assert f"Placed Tripoli at {point_text(tripoli)} from the gazetteer." in said, said
    assert (await points_stored(core))[1] == tripoli


async def test_a_map_asked_in_words(core: Core, tmp_path: Path) -> None:
    rows = generated(13, 60, FIRST, LAST)
    await load(core, tmp_path, rows)
    in_iraq = [r for r in rows if r.get("country") == "Iraq" and r["date"] >= "2026-03-01"]
    _, unplaced = expected_points(in_iraq)
    reply = await core.handle("show me a map of the attacks in iraq since march", ADMIN)
    assert not reply.is_error and reply.attachments[0].filename.startswith("map-")
    assert reply.headline == f"{len(in_iraq)} attacks in Iraq since 1 Mar 2026, by place"
    assert (
        f"{unplaced} attacks in Iraq without a known place: counted, not drawn on the map."
        in reply.details
    ) == bool(unplaced)
    assert reply.details[-1] == (
        "Read as `map attacks between 2026-03-01 and 2026-11-25 country:Iraq`."
    )


def test_a_map_without_the_borders_package_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.notify import borders, maps
    from storage.points import PlacedCount, Points

    points = Points((PlacedCount(33.79, 42.44, 2, "Ain al-Assad"),), 1)
    plan = maps.plan(
        series="attacks",
        scope=SCOPE,
        points=points,
        period_text="in 2026",
        days=(FIRST, LAST),
    )
    drawn = maps.build_figure(plan)
    said = [t.get_text() for t in drawn.axes[0].texts]
    assert "No country borders" not in " ".join(said) and "Iraq" in said
    # As an install without the charts extra's borders package finds it: not at all.
    monkeypatch.setattr(borders, "BORDERS_PACKAGE", "no_such_borders_package")
    borders.countries_within.cache_clear()
    drawn = maps.build_figure(plan)
    said = [t.get_text() for t in drawn.axes[0].texts]
    assert f"No country borders: {borders.BORDERS_MISSING}" in said
    assert "Iraq" not in said and "1 attack without a known place" in said
    borders.countries_within.cache_clear()


async def test_an_import_counts_the_rows_the_gazetteer_placed(core: Core, tmp_path: Path) -> None:
    rows = generated(21, 90, FIRST, LAST)
    known = gazetteer_points()
    wanted = sum(
        1 for r in rows if not r.get("latitude") and (r.get("location"), r.get("country")) in known
    )
    assert 0 < wanted < len(rows)
    path = write_rows(tmp_path / "placed.csv", rows)
    result = await import_file(core.context, path, file_format="csv", series=None, caller=ADMIN)
    assert (result.placed, result.read) == (wanted, len(rows))
    again = await import_file(core.context, path, file_format="csv", series=None, caller=ADMIN)
    assert again.added == 0 and again.placed == wanted  # counted as read, stored or not
