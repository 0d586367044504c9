"""Values counted alike come in the same order on both databases: by key, in code points."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands.core import Core
from bot.domain.fields import IncidentFields
from bot.domain.filters import Filters
from storage.breakdowns import counts_by
from storage.catalog import series_by_name
from storage.writes import add_incident
from tests.conftest import NOW

LOCATIONS = ["Ürdün", "Zakho", "al-Tanf", "Al-Tanf", "ábc", "Abc"]
# "al-Tanf" and "Al-Tanf" share a key (two incidents); the rest, one each, in the code-point
# order of their keys (abc, zakho, ábc, ürdün): what Python's sorted() gives too.
EXPECTED = [("al-Tanf", 2), ("Abc", 1), ("Zakho", 1), ("ábc", 1), ("Ürdün", 1)]
# Columns whose order PostgreSQL's ORDER BY would take from the server's locale.
ORDERED = {"filter_values": "value", "day_counts": "value", "pair_counts": "other_value"}


async def every_way(session: AsyncSession, series_id: int, *, limit: int) -> list[object]:
    """The locations' counts read each way counts_by has: kept per value, per day, per pair
    of values, and counted from the incidents."""
    found = []
    for filters, whole, key in (
        (Filters(), len(LOCATIONS), "location"),  # filter_values
        (Filters(), None, "location"),  # day_counts
        (Filters(country="Iraq"), len(LOCATIONS), "location"),  # pair_counts
        (Filters(actor="Group"), len(LOCATIONS), "location"),  # the filter's index (two of many)
        (Filters(country="Iraq"), None, "location"),  # the incidents
    ):
        counted = await counts_by(
            session,
            series_id,
            filters,
            [key],
            since=None,
            until=date(2024, 12, 31),
            limit=limit,
            whole=whole,
        )
        found.append(counted[key])
    return found


async def test_values_counted_alike_sort_by_key_in_code_points_on_both_databases(
    core: Core,
) -> None:
    async with core.database.write() as session:
        series = await series_by_name(session, "attacks")
        assert series is not None
        for location in LOCATIONS:
            fields = IncidentFields(
                occurred_on=date(2024, 7, 16), country="Iraq", location=location, actor="Group"
            )
            await add_incident(session, series=series, fields=fields, actor="test", now=NOW)
    # The words of plain-word commands list them in the same order, from either database.
    words = await core.vocabulary()
    labels = [label for (key, _), label in words.labels.items() if key == "location"]
    assert labels == ["Abc", "al-Tanf", "Zakho", "ábc", "Ürdün"]
    async with core.database.writes() as session, session.begin():
        if session.get_bind().dialect.name == "postgresql":
            # A server whose locale sorts "ábc" beside "abc": the order must not change.
            for table, column in ORDERED.items():
                await session.execute(
                    text(f'ALTER TABLE {table} ALTER COLUMN {column} TYPE text COLLATE "en-x-icu"')
                )
        assert await every_way(session, series.id, limit=10) == [EXPECTED] * 5
        # Where the limit cuts ties, the same values are kept.
        assert await every_way(session, series.id, limit=3) == [EXPECTED[:3]] * 5
        await session.rollback()  # the columns as they were
