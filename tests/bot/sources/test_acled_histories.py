"""Random ACLED histories, read at random moments: after each run the series is what ACLED shows.

A history is a list of steps: a new event, an update (a newer timestamp, or the same second:
several events share a timestamp across a run's boundary), a deletion, an event moved out of
the source's query (another country, another event type), and runs, each with its own page
cap (pages shorter than asked) and perhaps a change landing between two of its pages. After
every run that no change disturbed, the live incidents the source brought are exactly the
events the stand-in shows for the source's query, column by column; a disturbed run is
followed by others, and the history always ends with a quiet run and one more that must find
nothing to do. On SQLite and on PostgreSQL; the business clock is the test's Clock.

An event that left the query may come back into it (ACLED corrects the correction): the
source deleted it here, and brings it back.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.commands.core import Core
from storage.models import Incident
from tests.bot.commands.test_core import ask
from tests.bot.sources.conftest import source_core
from tests.bot.sources.fake_feeds import FakeAcled, FakeTime, acled_event
from tests.conftest import NOW, Clock

COUNTRIES = ("Iraq", "Syria", "Red Sea")
EVENT_TYPES = ("Explosions/Remote violence", "Battles")
KINDS = ("Air/drone strike", "Shelling", "Armed clash")
QUERIES = (
    {"country": "Iraq"},
    {"country": "Iraq", "event_type": "Explosions/Remote violence"},
)
CHANGED = ("country", "event_type", "sub_event_type", "event_date", "fatalities", "notes")
EXAMPLES = itertools.count(1)

ADVANCE = st.integers(0, 1)  # 0: the same second as the step before
NEW = st.tuples(
    st.just("new"),
    st.sampled_from([0, 0, 1]),  # the country: Iraq (twice as likely), Syria
    st.sampled_from([0, 0, 1]),  # the event type
    st.integers(0, 4),  # the day
    ADVANCE,
)
UPDATE = st.tuples(
    st.just("update"),
    st.integers(0, 30),
    st.sampled_from((*CHANGED, "event_date", "country")),  # moves more often
    st.integers(0, 4),
    ADVANCE,
)
DELETE = st.tuples(st.just("delete"), st.integers(0, 30), ADVANCE)
CHANGE = NEW | UPDATE | UPDATE | DELETE | DELETE
# A change after the Nth read of a run: the first reads are where a run has pages to skip.
DISTURBANCE = st.tuples(st.integers(1, 4), CHANGE)
RUN = st.tuples(
    st.just("run"),
    st.sampled_from([None, 1, 2, 2]),  # the page cap, below the asked limit of 3
    st.none() | DISTURBANCE | DISTURBANCE | DISTURBANCE,
)
# Events, a first run, then changes and runs: most changes land on events already read.
HISTORIES = st.tuples(
    st.lists(NEW, min_size=2, max_size=8), RUN, st.lists(CHANGE | RUN, max_size=12)
)


@dataclass
class History:
    """ACLED's side of one example: the stand-in and its clock."""

    fake: FakeAcled
    query: dict[str, str]
    prefix: str
    timestamp: int = int(NOW.timestamp())
    numbers: int = 0

    def in_query(self, event: dict[str, Any]) -> bool:
        return all(event[key] == value for key, value in self.query.items())

    def apply(self, step: tuple[Any, ...]) -> None:
        """Make one change at ACLED."""
        self.timestamp += step[-1]
        if step[0] == "new":
            _, country, event_type, day, _ = step
            self.numbers += 1
            event = acled_event(
                f"{self.prefix}{self.numbers}",
                f"2024-07-0{day + 1}",
                self.timestamp,
                country=COUNTRIES[country],
                event_type=EVENT_TYPES[event_type],
            )
            self.fake.put(event)
            return
        known = sorted(self.fake.events)
        if not known:
            return
        if step[0] == "delete":
            self.fake.delete(known[step[1] % len(known)], self.timestamp)
            return
        _, pick, column, value, _ = step
        self.update(dict(self.fake.events[known[pick % len(known)]]), column, value)

    def update(self, event: dict[str, Any], column: str, value: int) -> None:
        event[column] = {
            "country": COUNTRIES[value % 3],
            "event_type": EVENT_TYPES[value % 2],
            "sub_event_type": KINDS[value % 3],
            "event_date": f"2024-07-0{value + 1}",
            "fatalities": str(value),
            "notes": f"Corrected {self.timestamp}.",
        }[column]
        event["iso"] = {"Iraq": "368", "Syria": "760"}.get(event["country"], "0")
        event["timestamp"] = str(self.timestamp)
        self.fake.put(event)


def expected(event: dict[str, Any]) -> tuple[Any, ...]:
    """An ACLED event as its incident's columns should hold it."""
    return (
        event["event_date"],
        event["country"],
        event["location"],
        event["actor1"],
        event["sub_event_type"],
        int(event["fatalities"]),
        event["source"],
        event["notes"],
    )


async def live(core: Core, prefix: str) -> dict[str, tuple[Any, ...]]:
    """The live incidents this example's source brought, by ACLED's id."""
    async with core.database.read() as session:
        rows = await session.scalars(
            select(Incident).where(
                Incident.external_id.like(f"{prefix}%"), Incident.deleted_at.is_(None)
            )
        )
        return {
            str(i.external_id): (
                i.occurred_on.isoformat(),
                i.country,
                i.location,
                i.actor,
                i.kind,
                i.killed,
                i.source,
                i.notes,
            )
            for i in rows
        }


async def exact(core: Core, history: History) -> None:
    shown = {e["event_id_cnty"]: expected(e) for e in history.fake.shown(history.query)}
    assert await live(core, history.prefix) == shown


async def run(core: Core, history: History, name: str, step: tuple[Any, ...]) -> bool:
    """Run the source; say whether a change landed during the run."""
    _, cap, change = step
    fake = history.fake
    fake.page_cap = cap
    landed: list[bool] = []
    if change is not None:
        after, made = change

        def land() -> None:
            landed.append(True)
            history.apply(made)

        fake.after_read = {len(fake.reads()) + after: land}
    said = await ask(core, f"source run {name}")
    fake.after_read = {}
    assert said.startswith(f"Source {name}: read "), said
    return bool(landed)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=HISTORIES, query=st.sampled_from(QUERIES))
async def test_after_each_run_the_series_is_what_acled_shows(
    database,
    database_url: str,
    clock: Clock,
    fake_acled: FakeAcled,
    history: tuple[list[tuple[Any, ...]], tuple[Any, ...], list[tuple[Any, ...]]],
    query: dict[str, str],
) -> None:
    first, first_run, steps = history
    example = next(EXAMPLES)
    name, prefix = f"history-{example}", f"H{example}X"
    fake_acled.reset()
    acled = History(fake_acled, query, prefix)
    for step in first:
        acled.apply(step)
    core = source_core(database, database_url, clock, fake_acled, FakeTime(), acled_page_size=3)
    await core.prepare()
    filters = " ".join(f'{key}:"{value}"' for key, value in query.items())
    await ask(core, f"source add {name} kind:acled {filters}")
    for step in [first_run, *steps]:
        if step[0] != "run":
            acled.apply(step)
        elif not await run(core, acled, name, step):
            await exact(core, acled)
    quiet: tuple[Any, ...] = ("run", 2, None)
    await run(core, acled, name, quiet)
    await exact(core, acled)
    # Read again with nothing new: the boundary is re-read, and nothing changes.
    said = await ask(core, f"source run {name}")
    for word in ("added", "updated", "deleted", "no longer"):
        assert word not in said, said
    await exact(core, acled)


async def test_an_event_that_comes_back_into_the_query(
    feeds_core: Core, fake_acled: FakeAcled
) -> None:
    base = int(NOW.timestamp())
    fake_acled.put(acled_event("IRQ1", "2024-07-01", base))
    await ask(feeds_core, "source add iraq kind:acled country:Iraq")
    await ask(feeds_core, "source run iraq")
    fake_acled.put(acled_event("IRQ1", "2024-07-01", base + 1, country="Red Sea"))
    assert "1 no longer in its query" in await ask(feeds_core, "source run iraq")
    fake_acled.put(acled_event("IRQ1", "2024-07-01", base + 2))  # ACLED takes it back
    assert "1 back in its query" in await ask(feeds_core, "source run iraq")
    assert list(await live(feeds_core, "IRQ")) == ["IRQ1"]


async def test_an_event_an_admin_deleted_stays_deleted_when_read_again(
    feeds_core: Core, fake_acled: FakeAcled
) -> None:
    base = int(NOW.timestamp())
    fake_acled.put(acled_event("IRQ1", "2024-07-01", base))
    await ask(feeds_core, "source add iraq kind:acled country:Iraq")
    await ask(feeds_core, "source run iraq")
    async with feeds_core.database.read() as session:
        number = await session.scalar(select(Incident.id).where(Incident.external_id == "IRQ1"))
    assert "deleted" in (await ask(feeds_core, f"delete {number} reason:duplicate")).lower()
    fake_acled.put(acled_event("IRQ1", "2024-07-01", base + 1, fatalities="3"))
    said = await ask(feeds_core, "source run iraq")
    assert "back in its query" not in said and "updated" not in said, said
    assert not await live(feeds_core, "IRQ")
