"""A place's or an actor's pairs are kept only while enough incidents hold it, and breakdowns
under it answer alike either way."""

from __future__ import annotations

import importlib.util
import random
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands.core import Core
from bot.domain.fields import IncidentFields
from storage import breakdowns, count_tables, import_runs, kept_pairs
from storage.catalog import series_by_name
from storage.count_tables import FilterValue
from storage.importers import ImportResult
from storage.kept_pairs import Crossings, crossings
from storage.models import Incident, PairCount
from storage.writes import add_incident, delete_incident, edit_incident, restore_incident
from tests.bot.commands.test_core import ask
from tests.conftest import PAIRED_FROM
from tests.storage.test_import_take_back import left_part_way
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


def _breakdown(reply: str, key: str) -> dict[str, int]:
    """Return the breakdown by `key` of a `stats` reply, as its table shows it."""
    table = reply.split(f"By {key}:\n", 1)[1].split("\n\n", 1)[0].splitlines()[1:]
    return {name: int(n) for name, n in (line.rsplit(None, 1) for line in table if line.strip())}


def _by_country(reply: str) -> dict[str, int]:
    return _breakdown(reply, "country")


def _by_kind(reply: str) -> dict[str, int]:
    return _breakdown(reply, "kind")


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


async def test_an_actors_pairs_follow_edits_that_move_it_across_and_restores(core: Core) -> None:
    asked = 'stats actor:"Group A" by:kind'
    for day in (1, 2):
        await ask(core, f'add 2024-03-0{day} actor:"Group A" kind:drone')
    await ask(core, 'add 2024-03-03 actor:"Group B" kind:rocket')
    await ask(core, 'edit 3 actor:"group a"')  # moves #3 to Group A: three now
    await days_table_matches_incidents(core)
    assert _by_kind(await ask(core, asked)) == {"drone": 2, "rocket": 1}
    await ask(core, "delete 1")  # two: dropped
    await days_table_matches_incidents(core)
    async with core.database.write() as session:  # as a source restores one it deleted
        deleted = await session.get_one(Incident, 1)
        await restore_incident(
            session, incident=deleted, actor="source", now=core.context.clock(), reason="back"
        )  # three again: made again
    await days_table_matches_incidents(core)
    assert _by_kind(await ask(core, asked)) == {"drone": 2, "rocket": 1}


async def test_pairs_dropped_by_a_write_between_two_reads_of_a_question_are_counted_anew(
    core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL each statement of a question sees what committed before it: a delete
    that drops a place's pairs after the question counted the place's incidents leaves no
    pairs to read, and the breakdown is counted from the incidents instead of shown empty."""
    for day, country in ((1, "Iraq"), (2, "Iraq"), (3, "Syria")):
        await ask(core, f'add 2024-01-0{day} location:"Base A" country:{country}')
    reading_pairs = breakdowns._pair_counts
    deleted = []

    async def after_a_delete(session: AsyncSession, *args: Any) -> Any:
        if not deleted:
            deleted.append(await ask(core, "delete 3"))  # its own transaction, committed
        return await reading_pairs(session, *args)

    monkeypatch.setattr(breakdowns, "_pair_counts", after_a_delete)
    reply = await ask(core, 'stats location:"Base A" by:country')
    assert deleted
    # SQLite's read is one snapshot, from before the delete; PostgreSQL's pair read is after.
    before, after = {"Iraq": 2, "Syria": 1}, {"Iraq": 2}
    assert _by_country(reply) == (before if core.database.is_sqlite else after)


# Few values of each kind, so that random writes take values across the threshold and back.
_CHOICES = {
    "location": ["Base A", "base a", "Base B", None],
    "actor": ["X", "Y", None],
    "admin1": ["R1", "R2", None],
    "country": ["Iraq", "Syria", None],
    "kind": ["drone", "rocket", None],
}


def _fields(rng: random.Random) -> dict[str, str | None]:
    return {key: rng.choice(values) for key, values in _CHOICES.items()}


async def _chunked_import(core: Core, path: Path, rng: random.Random, *, back: bool) -> None:
    """Store a file in chunks of a few rows, as a large import is, then finish or take it back."""
    import_id = await left_part_way(core, path, None, rows=rng.choice([1, 2, 3, 5]))
    if back:
        assert await import_runs.take_back_import(core.database, import_id, core.context.clock)
        return
    async with core.database.write() as session:
        now = core.context.clock()
        await import_runs.finish(
            session, import_id, ImportResult(), actor="t", now=now, source_name="f"
        )


async def _random_write(core: Core, rng: random.Random) -> None:
    now = core.context.clock()
    async with core.database.write() as session:
        series = await series_by_name(session, "attacks")
        assert series is not None
        stored = list(
            await session.scalars(select(Incident).where(Incident.series_id == series.id))
        )
        live = [row for row in stored if row.deleted_at is None]
        dead = [row for row in stored if row.deleted_at is not None]
        action = rng.choice(["add", "add", "edit", "edit", "delete", "restore"])
        if action == "edit" and live:
            changes = {key: value for key, value in _fields(rng).items() if rng.random() < 0.5}
            await edit_incident(
                session, incident=rng.choice(live), changes=changes, actor="t", now=now
            )
        elif action == "delete" and live:
            await delete_incident(
                session, incident=rng.choice(live), actor="t", now=now, reason=None
            )
        elif action == "restore" and dead:
            await restore_incident(
                session, incident=rng.choice(dead), actor="t", now=now, reason="r"
            )
        else:
            day = date(2024, 1, rng.randint(1, 28))
            fields = IncidentFields(occurred_on=day, **_fields(rng))
            await add_incident(session, series=series, fields=fields, actor="t", now=now)


@pytest.mark.parametrize("seed", [1, 2])
async def test_after_random_writes_imports_and_take_backs_the_pairs_are_a_recount(
    core: Core, tmp_path: Path, seed: int
) -> None:
    """Adds, edits of any key, deletes, restores, imports whole or in chunks, and take-backs,
    in a random order: after each, the stored counts are a recount of the live incidents."""
    rng = random.Random(seed)
    for step in range(50):
        if rng.random() < 0.8:
            await _random_write(core, rng)
        else:
            rows = [
                ",".join(
                    [f"2024-02-{rng.randint(1, 28):02d}", *(v or "" for v in _fields(rng).values())]
                )
                + f",{seed}-{step}-{n}"
                for n in range(rng.randint(1, 8))
            ]
            path = write(
                tmp_path,
                f"{step}.csv",
                f"date,{','.join(_CHOICES)},external_id\n" + "\n".join(rows) + "\n",
            )
            if rng.random() < 0.3:
                await load(core, path)
            else:
                await _chunked_import(core, path, rng, back=rng.random() < 0.5)
        await days_table_matches_incidents(core)


def test_the_migration_that_dropped_pairs_used_the_threshold_the_code_keeps() -> None:
    """The stored pairs follow the threshold: migration 0028 dropped those below it, so the
    code must keep pairs from the same count (a new threshold needs its own migration)."""
    path = Path(__file__).parents[2] / "storage/migrations/versions/0028_pairs_of_held_values.py"
    spec = importlib.util.spec_from_file_location("migration_0028", path)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert migration.PAIRED_FROM == PAIRED_FROM
    assert set(migration.MANY_VALUED) == set(count_tables.MANY_VALUED_KEYS)
    assert set(migration.FEW_VALUED) == set(count_tables.FEW_VALUED_KEYS)


async def test_many_values_brought_to_the_threshold_at_once_are_paired_in_groups(
    core: Core, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(kept_pairs, "_VALUES_AT_ONCE", 2)  # five places: groups of 2, 2, 1
    rows = "".join(
        f"2024-03-{n + 1:02d},Place {place},{'Iraq' if n % 2 else 'Syria'},{place}-{n}\n"
        for place in range(5)
        for n in range(3)
    )
    await load(core, write(tmp_path, "p.csv", "date,location,country,external_id\n" + rows))
    for place in range(5):
        assert sum((await _pairs_of(core, f"place {place}")).values()) == 3 * 3  # 3 keys of few
    await days_table_matches_incidents(core)


@given(st.lists(st.integers(1, 500), max_size=12), st.integers(502, 1_000))
def test_values_are_read_in_runs_that_bind_at_most_the_bound(sizes: list[int], bound: int) -> None:
    grouped = [((1, f"key {n}"), [f"v{i}" for i in range(size)]) for n, size in enumerate(sizes)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(kept_pairs, "_PARAMETERS_AT_ONCE", bound)
        runs = kept_pairs._parameters_at_once(grouped)
    assert [group for run in runs for group in run] == grouped  # each once, in order
    assert all(run and sum(len(values) + 2 for _, values in run) <= bound for run in runs)
    # A run ends only where the next group would not fit in it.
    for run, after in pairwise(runs):
        assert sum(len(values) + 2 for _, values in [*run, after[0]]) > bound


async def test_the_counts_of_many_values_of_several_keys_are_read_as_stored(
    core: Core, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Groups of 2 values and 9 parameters a statement: several keys' groups in one statement,
    # and several statements.
    monkeypatch.setattr(kept_pairs, "_VALUES_AT_ONCE", 2)
    monkeypatch.setattr(kept_pairs, "_PARAMETERS_AT_ONCE", 9)
    rows = "".join(
        f"2024-03-{n + 1:02d},Place {n % 5},Group {n % 3},Region {n % 4},{n}\n" for n in range(12)
    )
    header = "date,location,actor,admin1,external_id\n"
    await load(core, write(tmp_path, "v.csv", header + rows))
    async with core.database.read() as session:
        stored = {
            (row.series_id, row.dimension, row.value): row.incidents
            for row in await session.scalars(select(FilterValue))
        }
        asked = [key for key in stored if key[1] in count_tables.MANY_VALUED_KEYS]
        assert len(asked) == 5 + 3 + 4
        series_id = asked[0][0]
        unknown = [(series_id, "location", "nowhere"), (series_id + 1, "actor", "group 1")]
        found = await kept_pairs.stored_counts(session, [*asked, *unknown])
    assert found == {key: stored[key] for key in asked}
    assert sorted(found.values()) == sorted(
        [2, 2, 2, 3, 3] + [4] * 3 + [3] * 4
    )  # places, groups, regions
