"""A write's days brought up from those kept before it: a fresh read's, and never kept."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event, select

from bot.commands.core import Core
from bot.commands.written_days import WrittenDays
from bot.domain.fields import IncidentFields
from bot.domain.filters import KNOWN_TO_THE_WEEK, Filters
from bot.notify.alerts import CountedDays
from storage.catalog import SeriesRef, lock_series
from storage.days import day_numbers
from storage.models import Series
from storage.writes import add_incident
from tests.bot.commands.test_core import ADMIN, ask
from tests.bot.commands.test_kept import COUNTRIES, KINDS, PLACES, QUESTIONS, _write
from tests.bot.notify.test_alerts import queued, text_of

FILTERS = [
    Filters(),
    Filters(country="Iraq"),
    Filters(kind="drone"),
    Filters(country="Syria", kind="rocket"),  # not counted per day: read from the incidents
    Filters(location="Tower 22"),
    Filters().only_exact_days(),  # as pauses are counted when the series skips imprecise days
    Filters(country="Iraq").only_exact_days(),
]


class RolledBack(Exception):
    """Raised to leave a write without committing it."""


def _added(rng: random.Random) -> IncidentFields:
    exact = rng.random() < 0.8
    return IncidentFields(
        occurred_on=date(2024, 1, 1) + timedelta(days=rng.randrange(170)),
        country=rng.choice(COUNTRIES),
        kind=rng.choice(KINDS),
        location=rng.choice(PLACES),
        time_precision=None if exact else KNOWN_TO_THE_WEEK,
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_a_writes_days_are_what_a_fresh_read_in_it_gives_and_are_never_kept(
    core: Core, tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    live: list[int] = []
    keeper = core.questions.days
    brought_up = 0
    for step in range(10):
        await _write(core, rng, live, tmp_path)
        for question in rng.sample(QUESTIONS, rng.randrange(0, 4)):
            await core.handle(question, ADMIN)  # some days kept, at this revision or older
        with pytest.raises(RolledBack):
            async with core.database.write() as session:
                named = Series.name == core.settings.default_series
                series = await session.scalar(select(Series).where(named))
                assert series is not None
                revision = await lock_series(session, series.id)
                ref = SeriesRef(series.id, series.name, revision)
                # The write reads some days as they stand, as an add reads its own.
                before = {f: await keeper.days(session, ref, f) for f in rng.sample(FILTERS, 2)}
                for _ in range(rng.choice([1, 1, 2])):
                    await add_incident(
                        session,
                        series=series,
                        fields=_added(rng),
                        actor="test",
                        now=datetime(2024, 7, 1, tzinfo=UTC),
                    )
                written = WrittenDays(keeper, ref, before)
                for filters in FILTERS:
                    fresh = await day_numbers(session, series.id, filters, None, None)
                    counted = await written(session, filters)
                    if counted is None:  # not kept before the write: the alert reads them
                        assert filters not in before and not keeper.kept_at(ref, filters)
                        continue
                    expected = ([d for d, _ in fresh], dict(fresh))
                    assert (list(counted.days), dict(counted.counts)) == expected, (step, filters)
                    brought_up += 1
                raise RolledBack
        # Nothing the rolled-back write read was kept: the days kept are still committed ones.
        for filters in FILTERS:
            assert keeper.kept_at(ref._replace(revision=revision + 1), filters) is None
        fresh_core = Core(database=core.database, settings=core.settings, clock=core.clock)
        for question in QUESTIONS:
            assert await core.handle(question, ADMIN) == await fresh_core.handle(question, ADMIN)
    assert brought_up >= 20  # most filters were kept before the write (the two it read)


async def test_an_adds_alerts_count_the_days_it_brought_up(core: Core) -> None:
    # The days kept before the add (the add's own read and two questions) are brought up by
    # it: each alert's pause and total are those of every day, as a fresh read counts them.
    for text in ("2024-01-05", "2024-02-01", "2024-02-01", "2024-03-10"):
        await ask(core, f"add {text} country:Iraq kind:drone")
    await ask(core, "add 2024-04-01 country:Syria kind:rocket")
    await ask(core, "subscribe alerts")
    await ask(core, "subscribe alerts country:Iraq kind:drone")
    await ask(core, "pause")
    await ask(core, "pause country:Iraq kind:drone")
    await ask(core, "add 2024-06-08 country:Iraq kind:drone")
    every, filtered = [text_of(message) for message in await queued(core)]
    assert "ends a 69-day pause (1 Apr → 8 Jun 2024)" in every
    assert "At least 6 attacks since 17 Oct 2023." in every
    assert filtered.startswith("New drone attack in Iraq on 8 Jun 2024 ends a 91-day pause")
    assert "the previous record was 39 days (1 Feb → 10 Mar 2024)" in filtered
    assert "At least 5 drone attacks in Iraq since 17 Oct 2023." in filtered


@given(
    st.dictionaries(st.integers(0, 60), st.integers(1, 9), max_size=30),
    st.none() | st.integers(-5, 65),
    st.integers(-5, 65),
)
def test_counted_days_up_to_a_day_and_their_incidents_are_what_picking_them_gives(
    counts: dict[int, int], since: int | None, until: int
) -> None:
    origin = date(2024, 1, 1).toordinal()
    day = lambda n: date.fromordinal(origin + n)  # noqa: E731
    counted = CountedDays(
        sorted(origin + n for n in counts), {origin + n: c for n, c in counts.items()}
    )
    assert list(counted.up_to(day(until))) == sorted(origin + n for n in counts if n <= until)
    picked = [c for n, c in counts.items() if (since is None or n >= since) and n <= until]
    assert counted.incidents(None if since is None else day(since), day(until)) == sum(picked)


async def test_a_backfill_reads_no_subscriptions_days_whole(core: Core) -> None:
    for text in ("2024-01-05 country:Iraq kind:drone", "2024-03-10 country:Iraq kind:drone"):
        await ask(core, f"add {text}")
    for filters in ("country:Iraq", "kind:drone", "country:Iraq kind:drone"):
        await ask(core, f"subscribe alerts {filters}")
    await ask(core, "since")  # the whole series' days kept, as a question keeps them
    read: list[str] = []

    def reading(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "group_concat" in statement or "string_agg" in statement:  # every day, in one value
            read.append(statement)

    engine = core.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", reading)
    try:
        # Days no question kept: a backfill says from one index seek each that it ended no
        # pause, and reads no days.
        await ask(core, "add 2024-02-15 country:Syria kind:rocket")
        assert read == [] and await queued(core) == []
        # An add that ends the three pauses reads their days, and alerts each channel.
        await ask(core, "add 2024-06-08 country:Iraq kind:drone")
        assert len(read) == 3
        assert len(await queued(core)) == 3
    finally:
        event.remove(engine, "before_cursor_execute", reading)
