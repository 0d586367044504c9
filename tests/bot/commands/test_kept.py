"""Kept days and values: after any writes, in this process or another, answers are a fresh read's."""

from __future__ import annotations

import asyncio
import csv
import random
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.commands import kept
from bot.commands.context import console_caller
from bot.commands.core import Core
from bot.commands.imports import import_file
from bot.commands.kept import patched
from storage.catalog import catalog
from storage.import_runs import Chunking
from tests.bot.commands.test_core import ADMIN, ask
from tests.conftest import Clock, make_settings
from tests.storage.test_importers import days_table_matches_incidents

COUNTRIES = ["Iraq", "Syria", "Jordan"]
KINDS = ["drone", "rocket"]
PLACES = ["Base 1", "Tower 22"]
QUESTIONS = [
    "since",
    "pause",
    "pauses limit:4",
    "stats",
    "stats by:month",
    "list from:2024-03-01 to:2024-04-30",
    "since country:Iraq",
    "pauses country:Iraq kind:drone as-of 2024-04-15",
    'stats location:"Tower 22"',
    "stats country:Syria by:kind",
    'stats location:"Tower 22" kind:drone',  # counted from the incidents, both keys labelled
    "pause jordan",  # a plain word: known only while some incident is in Jordan
]


def test_patched_sets_each_changed_day_and_drops_those_at_zero() -> None:
    counts = {10: 1, 11: 3}
    assert patched(counts, [(11, 0), (12, 2), (10, 4), (13, 0)]) == {10: 4, 12: 2}
    assert counts == {10: 1, 11: 3}  # what a reader holds is never changed under it


def test_kept_combinations_count_each_changed_day_again_and_keep_the_rest() -> None:
    before = kept.KeptCombinations.of(
        4, {10: Counter({("iraq",): 2, ("syria",): 1}), 11: Counter({("iraq",): 1})}
    )
    assert before.totals == {("iraq",): 3, ("syria",): 1}
    # Day 10 now holds one Syrian incident, day 11 none, day 12 a Jordanian one.
    after = before.patched(
        5, [10, 11, 12], {10: Counter({("syria",): 1}), 12: Counter({("jordan",): 1})}
    )
    assert (after.revision, after.totals) == (5, {("syria",): 1, ("jordan",): 1})
    assert after.by_day == {10: ((("syria",), 1),), 12: ((("jordan",), 1),)}
    assert before.totals == {("iraq",): 3, ("syria",): 1}  # what a reader holds is never changed


@given(
    st.dictionaries(st.integers(0, 60), st.integers(1, 500), max_size=30),
    st.none() | st.integers(-5, 65),
    st.integers(-5, 65),
    st.integers(-5, 65),
)
def test_a_span_of_kept_days_is_what_picking_its_days_gives(
    counts: dict[int, int], since: int | None, until: int, recent: int
) -> None:
    origin = date(2024, 1, 1).toordinal()
    day = lambda n: date.fromordinal(origin + n)  # noqa: E731
    span = kept.KeptDays(1, {origin + n: c for n, c in counts.items()}).span(
        None if since is None else day(since), day(until)
    )
    picked = [
        (day(n), c)
        for n, c in sorted(counts.items())
        if (since is None or n >= since) and n <= until
    ]
    assert list(span) == picked
    assert list(reversed(span)) == picked[::-1]
    assert (len(span), span[1:3]) == (len(picked), picked[1:3])
    assert span.incidents == sum(c for _, c in picked)
    assert span.incidents_since(day(recent)) == sum(c for d, c in picked if d >= day(recent))


def _fields(rng: random.Random) -> str:
    day = date(2024, 1, 1) + timedelta(days=rng.randrange(150))
    return (
        f"{day.isoformat()} country:{rng.choice(COUNTRIES)} kind:{rng.choice(KINDS)} "
        f'location:"{rng.choice(PLACES)}"'
    )


async def _write(
    writer: Core, rng: random.Random, live: list[int], tmp_path: Path, imports: bool = True
) -> None:
    """Make one random write: an add, an edit of day or country, a delete, or an import."""
    actions = ["add", "add", "edit", "delete"] if live else ["add"]
    action = rng.choice([*actions, "import"] if imports else actions)
    if action == "add":
        reply = await writer.handle(f"add {_fields(rng)}", ADMIN)
        assert reply.incident_id is not None
        live.append(reply.incident_id)
    elif action == "edit":
        change = rng.choice(
            [
                f"date:{date(2024, 1, 1) + timedelta(days=rng.randrange(150))}",
                f"country:{rng.choice(COUNTRIES)}",
                f"kind:{rng.choice(KINDS)}",
                f"killed:{rng.randrange(4)}",  # changes no count, only what is shown
            ]
        )
        await ask(writer, f"edit {rng.choice(live)} {change}")
    elif action == "delete":
        victim = live.pop(rng.randrange(len(live)))
        await ask(writer, f"delete {victim} reason:test")
    else:
        path = tmp_path / f"import-{rng.random()}.csv"
        with path.open("w", newline="") as handle:
            out = csv.writer(handle)
            out.writerow(["date", "country", "kind", "location", "source"])
            for n in range(rng.randrange(2, 6)):
                day = date(2024, 1, 1) + timedelta(days=rng.randrange(150))
                place = rng.choice(PLACES)
                out.writerow([day, rng.choice(COUNTRIES), rng.choice(KINDS), place, f"s{n}"])
        await _import(writer, rng, path, live, tmp_path)
        live.clear()  # the imported ids are not known here: edits go to later adds
    # Ids taken by imports are not tracked; a later add appends its own.


async def _import(
    writer: Core, rng: random.Random, path: Path, live: list[int], tmp_path: Path
) -> None:
    """Import a file whole, in chunks with a write between two, or in chunks and cancelled
    after the first (taken back)."""
    way = rng.choice(["whole", "chunks", "taken back"])
    held, release = asyncio.Event(), asyncio.Event()

    async def between() -> None:
        if not held.is_set():
            held.set()
            if rng.random() < 0.7:  # another write between two chunks
                await _write(writer, rng, live, tmp_path, imports=False)
            if way == "taken back":
                await release.wait()

    rows = rng.choice([1, 2])
    if way == "taken back":
        rows = 1  # two chunks at least (the files have two rows or more): cancelled between
    chunking = Chunking(from_rows=1 if way != "whole" else 100, rows=rows)
    task = asyncio.create_task(
        import_file(
            writer.context,
            path,
            file_format=None,
            series=None,
            caller=console_caller(),
            chunking=replace(chunking, between=between),
        )
    )
    if way == "taken back":
        await asyncio.wait_for(held.wait(), 60)  # a guard against a hang, not a timing
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    else:
        await task


@pytest.mark.parametrize(("changes_read", "steps"), [(kept.CHANGES_READ, 18), (3, 8)])
async def test_after_any_writes_a_kept_answer_is_what_a_fresh_read_gives(
    core: Core,
    database,
    database_url: str,
    clock: Clock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    changes_read: int,
    steps: int,
) -> None:
    # With 3, most writes change more rows than are read as changes: everything is read again.
    monkeypatch.setattr(kept, "CHANGES_READ", changes_read)
    settings = make_settings(database_url)
    other = Core(database=database, settings=settings, clock=clock)  # another process
    rng = random.Random(changes_read)
    live: list[int] = []
    for step in range(steps + 1):
        await _write(rng.choice([core, other]), rng, live, tmp_path)
        fresh = Core(database=database, settings=settings, clock=clock)  # nothing kept
        # Some questions after each write, so that what is kept was kept at several
        # revisions; every one after the last.
        asked = rng.sample(QUESTIONS, rng.randrange(1, len(QUESTIONS)))
        for question in QUESTIONS if step == steps else asked:
            kept_reply = await core.handle(question, ADMIN)
            assert kept_reply == await fresh.handle(question, ADMIN), (step, question)
    await days_table_matches_incidents(core)


async def test_the_last_days_incidents_are_shown_as_edited_by_any_process(
    core: Core, database, database_url: str, clock: Clock
) -> None:
    other = Core(database=database, settings=make_settings(database_url), clock=clock)
    await ask(core, "add 2024-05-01 country:Iraq kind:drone")
    await ask(core, "add 2024-05-20 country:Syria kind:rocket location:Tal")
    for question in ("since", "since country:Syria"):
        assert "Tal" in await ask(core, question)  # what is shown of 20 May is kept
        # An edit that changes no count, in another process, is shown at once.
        await ask(other, "edit 2 killed:3 notes:again")
        assert "3 killed" in await ask(core, question)
        await ask(other, "edit 2 killed:1")
        assert "1 killed" in await ask(core, question)
    await ask(other, "edit 2 location:Ain")
    assert "Ain" in await ask(core, "since") and "Tal" not in await ask(core, "since")


async def test_two_filters_follow_each_write_that_touches_their_days(core: Core) -> None:
    fresh = lambda: Core(database=core.database, settings=core.settings, clock=core.clock)  # noqa: E731
    questions = ["pause country:Iraq kind:drone", "since country:Iraq kind:drone"]
    await ask(core, "add 2024-05-01 country:Iraq kind:drone")
    await ask(core, "add 2024-05-20 country:Iraq kind:rocket")
    writes = [
        "add 2024-06-02 country:Iraq kind:drone",  # a new last day for the pair
        "edit 2 kind:drone",  # 20 May now counts, with no change to its day's total
        "edit 3 country:Syria",  # 2 June no longer does
        "delete 1 reason:test",
    ]
    for write in writes:
        before = [await core.handle(question, ADMIN) for question in questions]
        await ask(core, write)
        for question, earlier in zip(questions, before, strict=True):
            reply = await core.handle(question, ADMIN)
            assert reply == await fresh().handle(question, ADMIN), (write, question)
            if question.startswith("pause "):
                assert reply != earlier, write  # each write changes the pair's pauses


async def test_a_question_that_began_before_a_write_keeps_nothing_it_read(core: Core) -> None:
    await ask(core, "add 2024-05-01 location:Alpha")
    await ask(core, "add 2024-05-20 location:Tal")
    await ask(core, "pause")  # the days are kept (not yet a `since` reply)
    async with core.database.read() as older:
        # This question's read begins (on SQLite, its snapshot is taken) before the write.
        command = await core.parse("since")
        series = await catalog(older)
        await ask(core, "add 2024-05-20 location:Second")
        await ask(core, "pause")  # another question brings the kept days past the write
        await core.execute_once(command, ADMIN, request_key=None, catalog=series, session=older)
    fresh = Core(database=core.database, settings=core.settings, clock=core.clock)
    kept = await ask(core, "since")
    assert "Second" in kept
    assert kept == await ask(fresh, "since")
