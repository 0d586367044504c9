"""ACLED's paging cannot skip: data changing between pages is still read exactly, or the run fails.

The stand-in orders events as ACLED does (the latest event_date first, an update moving its
event), so a change between two pages shifts rows under the reader, as at ACLED.
"""

from __future__ import annotations

from bot.commands.core import Core
from bot.sources.acled_paging import KEPT_CHANGING, MAX_PASSES
from tests.bot.commands.test_core import ask, refused
from tests.bot.sources.conftest import source_core
from tests.bot.sources.fake_feeds import FakeAcled, acled_event
from tests.bot.sources.test_runs import T0, incidents, source_row
from tests.conftest import Clock


async def live(core: Core) -> dict[str, str]:
    """The live incidents: external id → day."""
    return {str(i[0]): i[1] for i in await incidents(core) if not i[3]}


def five(fake: FakeAcled) -> list[str]:
    """IRQ1..IRQ5 on 1..5 July, so ACLED's order is IRQ5, IRQ4, ..., IRQ1."""
    ids = [f"IRQ{n}" for n in range(1, 6)]
    for n, event_id in enumerate(ids, start=1):
        fake.put(acled_event(event_id, f"2024-07-0{n}", T0 + n))
    return ids


async def two_a_page(database, database_url: str, clock: Clock, fake: FakeAcled) -> Core:
    core = source_core(database, database_url, clock, fake, acled_page_size=2)
    await core.prepare()
    await ask(core, "source add acled kind:acled")
    return core


async def test_an_event_moved_between_pages_is_not_skipped(
    database, database_url: str, clock: Clock, fake_acled: FakeAcled
) -> None:
    core = await two_a_page(database, database_url, clock, fake_acled)
    five(fake_acled)

    def move_irq5_back() -> None:
        # After page 1 (IRQ5, IRQ4): IRQ5's date is corrected to June, the order becomes
        # IRQ4, IRQ3, IRQ2, IRQ1, IRQ5 and page 2 (IRQ2, IRQ1) passes IRQ3 by.
        fake_acled.put(acled_event("IRQ5", "2024-06-30", T0 + 9))

    fake_acled.after_read = {1: move_irq5_back}
    said = await ask(core, "source run acled")
    assert said.startswith("Source acled: read 5, 5 added"), said
    assert await live(core) == {
        "IRQ5": "2024-06-30",
        "IRQ1": "2024-07-01",
        "IRQ2": "2024-07-02",
        "IRQ3": "2024-07-03",
        "IRQ4": "2024-07-04",
    }
    # The first pass (IRQ5, IRQ4 | IRQ2, IRQ1 | IRQ5) held IRQ5 twice and was not taken;
    # the next two agreed.
    pages = [r["page"] for r in fake_acled.reads()]
    assert pages == ["1", "2", "3"] * 3, pages
    assert (await source_row(core, "acled")).position["timestamp"] == T0 + 9


async def test_a_deletion_between_pages_is_not_a_hole(
    database, database_url: str, clock: Clock, fake_acled: FakeAcled
) -> None:
    # The first pass is IRQ5, IRQ4 | IRQ2, IRQ1: four events, as many as ACLED then counts,
    # so it looks whole; the second (IRQ4, IRQ3 | IRQ2, IRQ1) differs, the third agrees.
    core = await two_a_page(database, database_url, clock, fake_acled)
    five(fake_acled)
    fake_acled.after_read = {1: lambda: fake_acled.delete("IRQ5", T0 + 9)}
    said = await ask(core, "source run acled")
    assert said.startswith("Source acled: read 4, 4 added"), said
    assert sorted(await live(core)) == ["IRQ1", "IRQ2", "IRQ3", "IRQ4"]
    assert len(fake_acled.reads()) == 6


async def test_one_page_is_its_own_snapshot(
    database, database_url: str, clock: Clock, fake_acled: FakeAcled
) -> None:
    core = source_core(database, database_url, clock, fake_acled, acled_page_size=10)
    await core.prepare()
    await ask(core, "source add acled kind:acled")
    five(fake_acled)
    assert (await ask(core, "source run acled")).startswith("Source acled: read 5, 5 added")
    # One request, total_count 5 with 5 events: nothing to read again.
    assert len(fake_acled.reads()) == 1
    # A server that sends no total_count: page 1 and the empty page 2 are two requests,
    # which are not one moment, so the pass is read again.
    fake_acled.honours_with_total = False
    fake_acled.requests.clear()
    said = await ask(core, "source run acled")
    assert said.startswith("Source acled: read 1, 1 already known"), said
    assert [r["page"] for r in fake_acled.reads()] == ["1", "2", "1", "2"]


async def test_data_that_keeps_changing_fails_the_run_and_keeps_the_position(
    database, database_url: str, clock: Clock, fake_acled: FakeAcled
) -> None:
    core = await two_a_page(database, database_url, clock, fake_acled)
    ids = five(fake_acled)
    assert (await ask(core, "source run acled")).startswith("Source acled: read 5, 5 added")
    position = (await source_row(core, "acled")).position
    for n in range(1, 6):
        fake_acled.put(acled_event(f"IRQ{n}", f"2024-07-0{n}", T0 + 10))

    # After every page an event is corrected again: no two passes ever agree.
    def correct(n: int) -> None:
        event_id = ids[n % 5]
        fake_acled.put(acled_event(event_id, f"2024-07-0{n % 5 + 1}", T0 + 10 + n))

    fake_acled.requests.clear()
    fake_acled.after_read = {n: (lambda n=n: correct(n)) for n in range(1, 100)}
    said = await refused(core, "source run acled")
    assert f"Source acled failed: {KEPT_CHANGING}" in said, said
    passes = [r["page"] for r in fake_acled.reads()].count("1")
    assert passes == MAX_PASSES
    assert (await source_row(core, "acled")).position == position
    assert KEPT_CHANGING in await ask(core, "source list")

    # ACLED settles: the next run reads it all.
    fake_acled.after_read = {}
    said = await ask(core, "source run acled")
    assert said.startswith("Source acled: read 5, 5 already known"), said
