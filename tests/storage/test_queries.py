"""Storage queries against a plain-Python model of the same random writes."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import date, timedelta

from sqlalchemy import select

from bot.commands.core import Caller, Core
from bot.domain.fields import EARLIEST_DAY, IncidentFields
from bot.domain.filters import Filters
from storage.breakdowns import counts_by
from storage.catalog import series_by_name
from storage.database import Database
from storage.days import daily_counts, incident_days
from storage.models import Incident, Series
from storage.writes import add_incident, delete_incident, edit_incident
from tests.conftest import NOW

COUNTRIES = ["Iraq", "Syria", "Jordan"]
KINDS = ["drone", "rocket", "Drone"]
START = date(2024, 1, 1)


async def series_named(database: Database, name: str) -> Series:
    async with database.read() as session:
        found = await series_by_name(session, name)
    assert found is not None
    return found


async def test_random_writes_match_a_python_model(core: Core) -> None:
    rng = random.Random(20241017)
    series = await series_named(core.database, "attacks")
    model: dict[int, tuple[date, str, str]] = {}
    for _ in range(300):
        async with core.database.write() as session:
            action = rng.random()
            if action < 0.7 or not model:
                fields = IncidentFields(
                    occurred_on=START + timedelta(days=rng.randrange(200)),
                    country=rng.choice(COUNTRIES),
                    kind=rng.choice(KINDS),
                )
                incident = await add_incident(
                    session, series=series, fields=fields, actor="test", now=NOW
                )
                model[incident.id] = (fields.occurred_on, fields.country, fields.kind)
            elif action < 0.85:
                incident_id = rng.choice(sorted(model))
                incident = await session.get(Incident, incident_id)
                await delete_incident(
                    session, incident=incident, actor="test", now=NOW, reason=None
                )
                del model[incident_id]
            else:
                incident_id = rng.choice(sorted(model))
                incident = await session.get(Incident, incident_id)
                day, country, kind = model[incident_id]
                changes = {
                    "occurred_on": START + timedelta(days=rng.randrange(200)),
                    "country": rng.choice(COUNTRIES),
                    "kind": rng.choice(KINDS),
                }
                changes = dict(rng.sample(sorted(changes.items()), rng.randint(1, 3)))
                await edit_incident(session, incident=incident, changes=changes, actor="t", now=NOW)
                model[incident_id] = (
                    changes.get("occurred_on", day),
                    changes.get("country", country),
                    changes.get("kind", kind),
                )

    cases = [
        Filters(),
        Filters(country="iraq"),
        Filters(kind="DRONE"),
        Filters(country="Syria", kind="rocket"),
    ]
    for filters in cases:

        def matches(row: tuple[date, str, str], filters: Filters = filters) -> bool:
            country_ok = filters.country is None or row[1].lower() == filters.country.lower()
            kind_ok = filters.kind is None or row[2].lower() == filters.kind.lower()
            return country_ok and kind_ok

        for until in [START + timedelta(days=d) for d in (0, 50, 120, 199, 400)]:
            expected = Counter(row[0] for row in model.values() if matches(row) and row[0] <= until)
            async with core.database.read() as session:
                days = await incident_days(session, series.id, filters, until)
                daily = await daily_counts(session, series.id, filters, None, until)
            assert days == sorted(day.toordinal() for day in expected)
            assert daily == sorted(expected.items())

    last = START + timedelta(days=400)

    async def top(
        filters: Filters,
        key: str,
        since: date | None = None,
        until: date = last,
        *,
        limit: int = 10,
        whole: int | None = None,
    ) -> list[tuple[str, int]]:
        async with core.database.read() as session:
            counted = await counts_by(
                session,
                series.id,
                filters,
                [key],
                since=since,
                until=until,
                limit=limit,
                whole=whole,
            )
        return counted[key]

    by_kind = await top(Filters(), "kind")
    early = START + timedelta(days=30), START + timedelta(days=150)
    iraq_by_kind = await top(Filters(country="Iraq"), "kind", *early)
    # The whole series, from the counts kept per value: the same answer.
    whole_by_kind = await top(Filters(), "kind", whole=len(model))
    by_location = [
        await top(Filters(), "location", limit=2, whole=whole) for whole in (None, len(model))
    ]
    expected_kinds = Counter(row[2].lower() for row in model.values())
    assert sorted((k.lower(), n) for k, n in by_kind) == sorted(expected_kinds.items())
    assert whole_by_kind == by_kind
    # No incident has a location: one row, "(not given)", counted alike both ways.
    assert by_location[0] == by_location[1] == [("(not given)", len(model))]
    expected_iraq = Counter(
        row[2].lower()
        for row in model.values()
        if row[1] == "Iraq" and START + timedelta(days=30) <= row[0] <= START + timedelta(days=150)
    )
    assert sorted((k.lower(), n) for k, n in iraq_by_kind) == sorted(expected_iraq.items())
    # Two keys counted from the incidents: one pass for both, each as if counted alone.
    async with core.database.read() as session:
        both = await counts_by(
            session,
            series.id,
            Filters(country="iraq"),
            ["kind", "country"],
            since=early[0],
            until=early[1],
            limit=10,
        )
    assert both["kind"] == iraq_by_kind
    assert both["country"] == ([("Iraq", expected_iraq.total())] if expected_iraq else [])
    # Over the whole series, a filtered breakdown from the pair counts: as if counted anew.
    for filters, key in ((Filters(country="iraq"), "kind"), (Filters(kind="DRONE"), "country")):
        matching = sum(
            1
            for _, country, kind in model.values()
            if (filters.country or country).lower() == country.lower()
            and (filters.kind or kind).lower() == kind.lower()
        )
        kept, scanned = [await top(filters, key, whole=whole) for whole in (matching, None)]
        assert kept == scanned


async def test_concurrent_writers_on_one_day_keep_the_count(core: Core) -> None:
    """Writers in parallel (separate sessions) must neither fail nor lose a day's count."""
    series = await series_named(core.database, "attacks")
    day = date(2024, 7, 16)

    async def add_one(n: int) -> None:
        # Through the core: it reads the incident days before it writes, the case where a
        # deferred SQLite transaction would fail to upgrade to a write.
        reply = await core.handle(f"add 2024-07-16 notes:writer-{n}", Caller("test", True))
        assert not reply.is_error, reply.headline

    await asyncio.gather(*(add_one(n) for n in range(12)))
    async with core.database.read() as session:
        counts = await daily_counts(session, series.id, Filters(), None, day)
        stored = len(list(await session.scalars(select(Incident.id))))
    assert counts == [(day, 12)]
    assert stored == 12


async def test_day_numbers_are_ordinals_on_each_side_of_the_databases_epochs(core: Core) -> None:
    series = await series_named(core.database, "attacks")
    days = [EARLIEST_DAY, date(1999, 12, 31), date(2000, 1, 1), date(2024, 2, 29), date(2199, 1, 1)]
    async with core.database.write() as session:
        for day in days:
            fields = IncidentFields(occurred_on=day, location="Tower 22", country="Iraq")
            await add_incident(session, series=series, fields=fields, actor="test", now=NOW)
    async with core.database.read() as session:
        counted = await incident_days(session, series.id, Filters())
        by_place = await incident_days(session, series.id, Filters(location="tower 22"))
        # Two filters read the incidents rather than the day counts: the same numbers.
        scanned = await incident_days(
            session, series.id, Filters(location="Tower 22", country="IRAQ")
        )
    assert counted == [day.toordinal() for day in days]
    assert by_place == scanned == counted
