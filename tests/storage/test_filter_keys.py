"""Filters match by a normalised key on both databases: non-ASCII capitals, filter_values, 0005."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from alembic import command
from sqlalchemy import select, text

from bot.commands.context import console_caller
from bot.commands.core import Core
from bot.commands.imports import import_file
from bot.commands.kept import ValueKeeper
from bot.domain.filters import Filters, normalised
from storage.catalog import catalog
from storage.database import Database, alembic_config
from storage.incident_rows import matching
from storage.models import DayCount, Incident, OutboxMessage
from tests.bot.commands.test_core import ask
from tests.conftest import NOW
from tests.storage.test_importers import days_table_matches_incidents


def test_normalised_folds_case_and_composes() -> None:
    assert normalised("ÜRDÜN") == normalised("ürdün") == normalised("U\u0308rdu\u0308n")
    assert normalised("Ωmega") == normalised("ωMEGA")
    assert normalised("Straße") == normalised("STRASSE") == "strasse"
    assert normalised("İzmir") == normalised("i\u0307zmir")


async def test_filters_match_non_ascii_capitals(core: Core) -> None:
    await ask(core, "add 2024-07-16 location:Ürdün country:Ürdün actor:Ωmega kind:Δrone")
    await ask(core, "add 2024-07-20 location:Ain country:Iraq actor:Other kind:rocket")
    for question in (
        "since location:Ürdün",
        "since location:ÜRDÜN",
        "since actor:Ωmega",
        "since actor:ωMEGA",
        "since country:ürdün",  # counted per country: day_counts
        "since kind:δRONE",  # counted per kind
        "since country:ÜRDÜN location:ürdün",  # two filters: the incidents
    ):
        reply = await ask(core, f"{question} as-of 2024-07-25")
        assert reply.startswith("9 days since the last"), (question, reply)
    by_location = await ask(core, "stats by:location")
    assert "Ürdün" in by_location


async def test_a_filter_matches_in_python_the_incidents_it_matches_in_the_database(
    core: Core,
) -> None:
    # Filters.matches decides which channels see a candidate before it is stored.
    values = ["Ürdün", "ÜRDÜN", "U\u0308rdu\u0308n", "Straße", "STRASSE", "İzmir", "Iraq", "Ira"]
    for n, value in enumerate(values):
        await ask(core, f'add 2024-07-{n + 1:02d} location:"{value}" kind:"{values[-1 - n]}"')
    await ask(core, "add 2024-07-20")  # no location, no kind
    async with core.database.read() as session:
        series_id = await session.scalar(select(Incident.series_id).limit(1))
        stored = list(await session.scalars(select(Incident).order_by(Incident.id)))
        for value in [*values, "iraq", "ira q", "straße"]:
            for filters in (Filters(location=value), Filters(location=value, kind="iraq")):
                in_sql = await session.scalars(
                    select(Incident.id).where(*matching(series_id, filters, None))
                )
                in_python = [i.id for i in stored if filters.matches(i)]
                assert sorted(in_sql) == in_python, filters


async def test_a_subscription_with_a_non_ascii_filter_alerts(core: Core) -> None:
    await ask(core, "add 2024-07-01 location:Ürdün")
    await ask(core, "subscribe alerts location:ürdün")
    await ask(core, "add 2024-07-16 location:ÜRDÜN")
    async with core.database.read() as session:
        alerts = list(await session.scalars(select(OutboxMessage)))
    assert len(alerts) == 1
    assert "16-day pause" in str(alerts[0].payload)


async def test_subscribing_twice_with_other_capitals_is_one_subscription(core: Core) -> None:
    await ask(core, "subscribe alerts location:Ürdün")
    again = await ask(core, "subscribe alerts location:ÜRDÜN")
    listed = await ask(core, "subscriptions")
    assert listed.count("Ürdün") == 1, (again, listed)


async def live_values(core: Core, keeper: ValueKeeper) -> list[tuple[str, str]]:
    """Return the filter values live incidents hold, as `keeper` brings them up to date."""
    async with core.database.read() as session:
        series = await catalog(session)
        await keeper.bring_up(session, {ref.id: ref.revision for ref in series.values()})
    return sorted(keeper.values())


async def test_filter_values_follow_every_write(core: Core, tmp_path: Path) -> None:
    kept = ValueKeeper()  # brought up to date from the values each write changed
    await ask(core, "add 2024-07-01 location:Ürdün country:Jordan")
    await ask(core, "add 2024-07-02 location:ÜRDÜN country:Jordan kind:drone")
    assert await live_values(core, kept) == [
        ("country", "Jordan"),
        ("kind", "drone"),
        ("location", "Ürdün"),
    ]
    await ask(core, 'edit 2 kind:rocket location:"Tower 22"')
    await ask(core, "delete 1")
    path = tmp_path / "more.csv"
    path.write_text("date,actor,country\n2024-07-03,Ωmega,Syria\n", encoding="utf-8")
    await import_file(core.context, path, file_format=None, series=None, caller=console_caller())
    expected = [
        ("actor", "Ωmega"),
        ("country", "Jordan"),
        ("country", "Syria"),
        ("kind", "rocket"),
        ("location", "Tower 22"),
    ]
    assert await live_values(core, kept) == expected
    assert await live_values(core, ValueKeeper()) == expected  # read whole
    await days_table_matches_incidents(core)
    reply = await ask(core, "since ωmega as-of 2024-07-04")
    assert reply.startswith("1 day since the last attack"), reply


async def test_migration_0005_fills_the_keys_and_counts_again(
    database: Database, core: Core
) -> None:
    def downgrade(sync: object) -> None:
        command.downgrade(alembic_config(sync), "0004")  # type: ignore[arg-type]

    def upgrade(sync: object) -> None:
        command.upgrade(alembic_config(sync), "head")  # type: ignore[arg-type]

    async with database.engine.connect() as connection:
        await connection.run_sync(downgrade)
        series_id = await connection.scalar(text("SELECT id FROM series WHERE name = 'attacks'"))
        for number, (location, actor) in enumerate(
            [("Ürdün", "Ωmega"), ("ÜRDÜN", "ωmega"), ("Ain", None)], start=1
        ):
            await connection.execute(
                text(
                    "INSERT INTO incidents (series_id, occurred_on, location, actor, country, "
                    "recorded_by, recorded_at) VALUES (:s, :d, :l, :a, :c, 'test', :at)"
                ),
                {
                    "s": series_id,
                    "d": date(2024, 7, number),
                    "l": location,
                    "a": actor,
                    "c": "JORDAN" if number < 3 else "Iraq",
                    "at": NOW,
                },
            )
        # The day counts as 0004 wrote them (lower-cased by SQL), to be counted again.
        await connection.execute(
            text(
                "INSERT INTO day_counts (series_id, dimension, value, occurred_on, incidents) "
                "VALUES (:s, 'country', 'jordan', :d, 1)"
            ),
            {"s": series_id, "d": date(2024, 7, 1)},
        )
        await connection.commit()
        await connection.run_sync(upgrade)
        await connection.commit()
    async with database.read() as session:
        keys = (await session.execute(select(Incident.location_key, Incident.actor_key))).all()
        assert sorted(keys, key=str) == sorted(
            [("ürdün", "ωmega"), ("ürdün", "ωmega"), ("ain", None)], key=str
        )
        countries = await session.scalars(
            select(DayCount.value).where(DayCount.dimension == "country").distinct()
        )
        assert sorted(countries) == ["iraq", "jordan"]
    await days_table_matches_incidents(core)
    reply = await ask(core, "pause location:ürdün as-of 2024-07-03")
    assert reply.startswith(
        "The current pause is 2 days, since the last attack at ÜRDÜN on 2 Jul"
    ), reply


async def test_migration_0007_counts_locations_and_actors(database: Database, core: Core) -> None:
    await ask(core, "add 2024-07-01 location:Ürdün actor:Ωmega")
    await ask(core, "add 2024-07-03 location:Ain")

    def downgrade(sync: object) -> None:
        command.downgrade(alembic_config(sync), "0006")  # type: ignore[arg-type]

    def upgrade(sync: object) -> None:
        command.upgrade(alembic_config(sync), "head")  # type: ignore[arg-type]

    async with database.engine.connect() as connection:
        await connection.run_sync(downgrade)
        await connection.commit()
        dimensions = await connection.scalars(text("SELECT DISTINCT dimension FROM day_counts"))
        assert sorted(dimensions) == ["", "country", "kind"]
        await connection.run_sync(upgrade)
        await connection.commit()
    await days_table_matches_incidents(core)
    reply = await ask(core, "pause location:ÜRDÜN as-of 2024-07-02")
    assert reply.startswith("The current pause is 2 days, since the last attack at Ürdün"), reply
