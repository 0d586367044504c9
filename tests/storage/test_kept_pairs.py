"""A place's or an actor's pairs are kept only while enough incidents hold it, and breakdowns
under it answer alike either way."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.commands.core import Core
from storage import count_tables
from storage.kept_pairs import Crossings, crossings
from storage.models import PairCount
from tests.bot.commands.test_core import ask
from tests.storage.test_importers import days_table_matches_incidents, load, write


def test_a_value_crosses_when_a_write_moves_its_count_past_the_threshold() -> None:
    least = count_tables.PAIRED_FROM
    place, actor, country = (1, "location", "a"), (1, "actor", "b"), (1, "country", "c")
    fresh = (1, "location", "new")
    before = {place: least - 1, actor: least, country: 1}
    # Up: reached from below; down: fallen from it; a value new to the series counts from 0;
    # a key of few values keeps its pairs whatever its count.
    assert crossings(before, {place: 1, actor: -1, fresh: least, country: -1}) == Crossings(
        up=[place, fresh], down=[actor]
    )
    # Moving within either side, or no change: nothing to make or drop.
    assert crossings(before, {place: -5, actor: 3}) == Crossings(up=[], down=[])
    assert crossings(before, {}) == Crossings(up=[], down=[])
    assert crossings({place: least}, {place: 0}) == Crossings(up=[], down=[])


def _by_country(reply: str) -> dict[str, int]:
    """Return the breakdown by country of a `stats` reply, as its table shows it."""
    table = reply.split("By country:\n", 1)[1].splitlines()[1:]
    return {name: int(n) for name, n in (line.rsplit(None, 1) for line in table if line.strip())}


async def _pairs_of(core: Core, value: str) -> dict[tuple[str, str], int]:
    async with core.database.read() as session:
        rows = await session.execute(
            select(PairCount.other_dimension, PairCount.other_value, PairCount.incidents).where(
                PairCount.dimension == "location", PairCount.value == value
            )
        )
    return {(other, other_value): n for other, other_value, n in rows.all() if n}


async def test_a_places_pairs_are_made_when_it_is_held_enough_and_dropped_after(
    core: Core,
) -> None:
    least = count_tables.PAIRED_FROM
    assert least == 3  # tests/conftest.py: a few writes cross it
    asked = 'stats location:"Base A" by:country'
    # Below the threshold: no pairs, and the breakdown is counted from the incidents.
    for day in (1, 2):
        await ask(core, f'add 2024-01-0{day} location:"Base A" country:Iraq kind:drone')
    assert await _pairs_of(core, "base a") == {}
    assert _by_country(await ask(core, asked)) == {"Iraq": 2}
    # The third makes them, from every live incident of the place.
    await ask(core, 'add 2024-01-03 location:"base a" country:Syria')
    assert await _pairs_of(core, "base a") == {
        ("country", "iraq"): 2,
        ("country", "syria"): 1,
        ("kind", "drone"): 2,
        ("kind", ""): 1,
        ("event_type", ""): 3,
    }
    assert _by_country(await ask(core, asked)) == {"Iraq": 2, "Syria": 1}
    await days_table_matches_incidents(core)
    # Kept in step while held enough: an edit moves a count from one pair to another.
    await ask(core, 'add 2024-01-04 location:"Base A" country:Iraq')
    await ask(core, "edit 4 country:Syria")
    assert (await _pairs_of(core, "base a"))[("country", "syria")] == 2
    assert _by_country(await ask(core, asked)) == {"Iraq": 2, "Syria": 2}
    await days_table_matches_incidents(core)
    # Falling below drops them; the breakdown is counted from the incidents again.
    await ask(core, "delete 4")
    await ask(core, "delete 3")
    assert await _pairs_of(core, "base a") == {}
    assert _by_country(await ask(core, asked)) == {"Iraq": 2}
    await days_table_matches_incidents(core)


async def test_an_import_makes_the_pairs_of_the_places_it_brings_past_the_threshold(
    core: Core, tmp_path: Path
) -> None:
    await ask(core, 'add 2024-01-01 location:"Base B" country:Iraq')
    rows = "".join(
        f"2024-02-{day:02d},Base B,{country},{n}\n"
        for n, (day, country) in enumerate([(1, "Iraq"), (2, "Syria"), (3, "Iraq")])
    )
    await load(core, write(tmp_path, "b.csv", "date,location,country,external_id\n" + rows))
    assert (await _pairs_of(core, "base b"))[("country", "iraq")] == 3
    reply = await ask(core, 'stats location:"Base B" by:country')
    assert _by_country(reply) == {"Iraq": 3, "Syria": 1}
    await days_table_matches_incidents(core)
