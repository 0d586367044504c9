"""ACLED's API events keep their event type, regions, coordinates and precisions (issue 26, 6)."""

from __future__ import annotations

from sqlalchemy import select

from bot.commands.core import Core
from storage.models import Incident
from tests.bot.commands.test_core import ask
from tests.bot.sources.fake_feeds import FakeAcled, acled_event
from tests.bot.sources.test_runs import T0
from tests.storage.test_importers import days_table_matches_incidents


async def stored(core: Core) -> dict[str, Incident]:
    async with core.database.read() as session:
        return {i.external_id or "": i for i in await session.scalars(select(Incident))}


async def test_api_events_keep_the_new_fields_and_a_correction_changes_them(
    feeds_core: Core, fake_acled: FakeAcled
) -> None:
    core = feeds_core
    fake_acled.put(
        acled_event(
            "IRQ1",
            "2024-07-01",
            T0 + 1,
            admin2="Hit",
            geo_precision="2",
            time_precision="3",
            latitude="33.7858",
            longitude="42.4412",
        )
    )
    fake_acled.put(
        acled_event("IRQ2", "2024-07-03", T0 + 2, event_type="Battles", admin1="Baghdad")
    )
    await ask(core, "source add iraq kind:acled country:Iraq")
    said = await ask(core, "source run iraq")
    assert said.startswith("Source iraq: read 2, 2 added"), said
    found = await stored(core)
    first = found["IRQ1"]
    assert (first.event_type, first.admin1, first.admin2) == (
        "Explosions/Remote violence",
        "Al Anbar",
        "Hit",
    )
    assert (first.latitude, first.longitude) == (33.7858, 42.4412)
    assert (first.geo_precision, first.time_precision) == (2, 3)
    second = found["IRQ2"]
    assert (second.event_type, second.admin1, second.admin2) == ("Battles", "Baghdad", None)
    assert (second.latitude, second.longitude, second.time_precision) == (33.8, 42.4, None)
    # IRQ1's day is known only to the month: the series skips it, and says so.
    said = await ask(core, 'since event_type:"explosions/remote violence" as-of 2024-07-10')
    assert said.startswith("No attacks (Explosions/Remote violence) recorded"), said
    assert "1 attack (Explosions/Remote violence) known only to the week or month" in said
    said = await ask(core, "since as-of 2024-07-10")
    assert said.startswith("7 days since"), said
    assert "1 attack known only to the week or month is not counted here" in said
    assert (await ask(core, "since admin1:baghdad as-of 2024-07-10")).startswith("7 days since")

    # ACLED re-types and moves an event: the update changes the stored fields and counts.
    fake_acled.put(
        acled_event("IRQ1", "2024-07-01", T0 + 5, event_type="Battles", admin1="Baghdad")
    )
    said = await ask(core, "source run iraq")
    assert "1 updated" in said, said
    first = (await stored(core))["IRQ1"]
    assert (first.event_type, first.admin1, first.admin2, first.time_precision) == (
        "Battles",
        "Baghdad",
        None,
        None,
    )
    await days_table_matches_incidents(core)
    assert (await ask(core, 'since event_type:"Explosions/Remote violence"')).startswith("No ")
    # Read again with nothing new, nothing changes.
    said = await ask(core, "source run iraq")
    assert "updated" not in said and "added" not in said, said
