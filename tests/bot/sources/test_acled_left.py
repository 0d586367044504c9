"""Events that leave a source's query at ACLED (another country, another event type) leave here too.

A source with filters reads, besides its own query, every change since its position as ids
and timestamps; the ones its query no longer holds are deleted here at the next run.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.commands.core import Core
from storage.models import AuditEntry
from tests.bot.commands.test_core import ask
from tests.bot.sources.fake_feeds import FakeAcled, acled_event
from tests.bot.sources.test_runs import T0, incidents

ID_AND_TIMESTAMP = "event_id_cnty|timestamp"


async def live(core: Core) -> list[str]:
    return sorted(str(i[0]) for i in await incidents(core) if not i[3])


async def deletions(core: Core, source: str) -> list[str]:
    """What the audit log says of each deletion by the source."""
    async with core.database.read() as session:
        rows = await session.scalars(
            select(AuditEntry)
            .where(AuditEntry.actor == f"source:{source}", AuditEntry.action == "delete")
            .order_by(AuditEntry.id)
        )
        return [str(r.changes) for r in rows]


async def test_events_moved_out_of_the_query_are_deleted_at_the_next_run(
    feeds_core: Core, fake_acled: FakeAcled
) -> None:
    core = feeds_core
    for n in (1, 2, 3):
        fake_acled.put(acled_event(f"YEM{n}", f"2024-07-0{n}", T0 + n, country="Yemen"))
    fake_acled.put(acled_event("YEM4", "2024-07-04", T0 + 4, country="Yemen", event_type="Battles"))
    said = await ask(
        core, 'source add yemen kind:acled country:Yemen event_type:"Explosions/Remote violence"'
    )
    assert "Source yemen added" in said, said
    said = await ask(core, "source run yemen")
    assert said.startswith("Source yemen: read 3, 3 added"), said
    assert await live(core) == ["YEM1", "YEM2", "YEM3"]
    # The first run reads only the query: nothing is stored yet that could leave it.
    assert all("fields" not in r for r in fake_acled.reads())

    # ACLED moves Red Sea events to their own country, and re-types another.
    fake_acled.put(acled_event("YEM1", "2024-07-01", T0 + 10, country="Red Sea"))
    fake_acled.put(
        acled_event("YEM2", "2024-07-02", T0 + 11, country="Yemen", event_type="Battles")
    )
    fake_acled.requests.clear()
    said = await ask(core, "source run yemen")
    assert said.startswith("Source yemen: read 1, 2 no longer in its query, 1 already known"), said
    assert await live(core) == ["YEM3"]
    # The changes anywhere were read first, as ids and timestamps, without the filters.
    anywhere, filtered = fake_acled.reads()[0], fake_acled.reads()[-1]
    assert anywhere["fields"] == ID_AND_TIMESTAMP
    assert "country" not in anywhere and "event_type" not in anywhere
    assert anywhere["timestamp"] == str(T0 + 3) and anywhere["timestamp_where"] == ">="
    assert filtered["country"] == "Yemen" and "fields" not in filtered
    deleted = [i for i in await incidents(core) if i[3]]
    assert sorted(str(i[0]) for i in deleted) == ["YEM1", "YEM2"]
    audited = await deletions(core, "yemen")
    assert len(audited) == 2
    assert all("no longer in the query of source yemen" in entry for entry in audited), audited

    # Nothing changes: the next run names none again, and deletes nothing.
    said = await ask(core, "source run yemen")
    assert "no longer in its query" not in said and "deleted" not in said, said
    assert await live(core) == ["YEM3"]


async def test_an_event_changed_between_the_two_reads_is_not_taken_for_gone(
    feeds_core: Core, fake_acled: FakeAcled
) -> None:
    # The read of changes anywhere comes first: an event of the query changed after it shows
    # in the filtered read, newer, and is updated, not deleted.
    core = feeds_core
    fake_acled.put(acled_event("IRQ1", "2024-07-01", T0 + 1))
    fake_acled.put(acled_event("IRQ2", "2024-07-02", T0 + 2))
    await ask(core, "source add iraq kind:acled country:Iraq")
    assert (await ask(core, "source run iraq")).startswith("Source iraq: read 2, 2 added")
    fake_acled.put(acled_event("IRQ1", "2024-07-01", T0 + 5, sub_event_type="Shelling"))
    fake_acled.requests.clear()

    def correct_again() -> None:
        fake_acled.put(acled_event("IRQ1", "2024-07-01", T0 + 6, sub_event_type="Shelling"))

    fake_acled.after_read = {1: correct_again}  # right after the read anywhere
    said = await ask(core, "source run iraq")
    assert "no longer in its query" not in said, said
    assert said.startswith("Source iraq: read 2, 1 updated, 1 already known"), said
    assert await live(core) == ["IRQ1", "IRQ2"]
    assert [i[2] for i in await incidents(core)] == ["Shelling", "Air/drone strike"]


async def test_a_source_without_filters_reads_no_changes_anywhere(
    feeds_core: Core, fake_acled: FakeAcled
) -> None:
    core = feeds_core
    fake_acled.put(acled_event("IRQ1", "2024-07-01", T0 + 1))
    await ask(core, "source add all kind:acled from:2024-01-01")
    await ask(core, "source run all")
    fake_acled.put(acled_event("IRQ1", "2024-07-01", T0 + 2, country="Red Sea"))
    said = await ask(core, "source run all")
    assert said.startswith("Source all: read 1, 1 updated"), said
    assert all("fields" not in r for r in fake_acled.reads())
    assert {r["event_date"] for r in fake_acled.reads()} == {"2024-01-01"}
    assert await live(core) == ["IRQ1"]


async def test_events_of_other_countries_are_named_but_nothing_else_is_deleted(
    feeds_core: Core, fake_acled: FakeAcled
) -> None:
    # The read anywhere brings events this source never held: naming them deletes nothing.
    core = feeds_core
    await ask(core, "add 2024-04-22 country:Syria")  # an analyst's own incident
    fake_acled.put(acled_event("IRQ1", "2024-07-01", T0 + 1))
    await ask(core, "source add iraq kind:acled country:Iraq")
    await ask(core, "source run iraq")
    for n in range(1, 4):
        fake_acled.put(acled_event(f"SYR{n}", "2024-07-05", T0 + 5, country="Syria"))
    said = await ask(core, "source run iraq")
    assert said.startswith("Source iraq: read 1, 1 already known"), said
    assert [(i[0], i[3]) for i in await incidents(core)] == [(None, False), ("IRQ1", False)]
