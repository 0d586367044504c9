"""The review queue: a reviewed source's candidates, approved or rejected once, whoever clicks."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.commands.core import Caller, Core
from bot.domain.replies import reply_from_data
from storage.database import open_database
from storage.models import AuditEntry, Incident, OutboxMessage
from tests.bot.commands.test_core import READER, ask, refused
from tests.bot.sources.conftest import source_core
from tests.bot.sources.fake_feeds import FakeAcled, FakeSheet
from tests.conftest import Clock

HEADER = "series,date,country,location,kind,source,external_id\n"
ROWS = (
    "attacks,2024-07-16,Iraq,Ain al-Assad,drone,Reuters,S1\n"
    "attacks,2024-07-18,Syria,Tanf,rocket,AP,S2\n"
)
ANALYST = Caller("U-admin", is_admin=True, platform="console", channel="terminal")


async def messages(core: Core, kind: str) -> list[OutboxMessage]:
    async with core.database.read() as session:
        return list(
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
            )
        )


async def stored(core: Core) -> list[tuple[str | None, str]]:
    async with core.database.read() as session:
        rows = await session.scalars(select(Incident).order_by(Incident.id))
        return [(r.external_id, r.recorded_by) for r in rows]


async def reviewed_sheet(core: Core, sheet: FakeSheet) -> None:
    await ask(core, "add 2024-04-22")
    await ask(core, "subscribe alerts")
    await ask(core, "subscribe reviews")
    sheet.publish(HEADER + ROWS, '"v1"')
    await ask(core, f"source add sheet kind:csv url:{sheet.url} reviewed")
    said = await ask(core, "source run sheet")
    assert said.startswith("Source sheet: read 2, 2 queued for review")


async def test_candidates_wait_and_are_posted_with_buttons(
    feeds_core: Core, fake_sheet: FakeSheet
) -> None:
    core = feeds_core
    await reviewed_sheet(core, fake_sheet)
    assert await stored(core) == [(None, "U-admin")]  # nothing stored yet
    posted = await messages(core, "review")
    assert [(m.platform, m.channel) for m in posted] == [("console", "terminal")] * 2
    reply = reply_from_data(posted[0].payload["reply"])
    assert reply.headline == "Review #1: attacks on 16 Jul 2024 from sheet"
    # The candidate is not an incident yet: its line carries no number an incident could have.
    assert reply.details[0].startswith("• 16 Jul 2024, Ain al-Assad, Iraq"), reply.details
    assert [(a.command, a.label, a.danger) for a in reply.actions] == [
        ("review approve 1", "Approve", False),
        ("review reject 1", "Reject", True),
    ]
    listing = await ask(core, "review list")
    assert listing.startswith("2 incidents waiting for review")
    assert "sheet" in listing and "Tanf, Syria" in listing
    assert "#1," not in listing and "#2," not in listing, listing
    assert "2 waiting for review" in await ask(core, "source list")
    # The next run of an unchanged (or changed) sheet queues nothing twice.
    fake_sheet.publish(HEADER + ROWS, '"v2"')
    said = await ask(core, "source run sheet")
    assert said.startswith("Source sheet: read 2, 2 already known")
    assert len(await messages(core, "review")) == 2


async def test_a_channel_gets_the_candidates_its_subscription_filters_match(
    feeds_core: Core, fake_sheet: FakeSheet
) -> None:
    core = feeds_core
    rooms = {
        "iraq": "subscribe reviews country:iraq",  # in any case, as every filter
        "rockets": "subscribe reviews kind:Rocket",
        "iraq-rockets": "subscribe reviews country:Iraq kind:rocket",
        "all": "subscribe reviews",
    }
    for room, command in rooms.items():
        await ask(core, command, Caller("U-admin", True, "console", room))
    fake_sheet.publish(HEADER + ROWS, '"v1"')
    await ask(core, f"source add sheet kind:csv url:{fake_sheet.url} reviewed")
    assert "2 queued for review" in await ask(core, "source run sheet")
    posted = [
        (m.channel, reply_from_data(m.payload["reply"]).headline.split(":")[0])
        for m in await messages(core, "review")
    ]
    assert sorted(posted) == [
        ("all", "Review #1"),
        ("all", "Review #2"),
        ("iraq", "Review #1"),  # S1 is in Iraq, S2 in Syria
        ("rockets", "Review #2"),  # S2 is the rocket; no candidate is both
    ]


async def test_a_candidate_changed_by_its_source_goes_to_the_channels_it_now_matches(
    feeds_core: Core, fake_sheet: FakeSheet
) -> None:
    core = feeds_core
    for room, command in {
        "iraq": "subscribe reviews country:Iraq",
        "syria": "subscribe reviews country:Syria",
        "all": "subscribe reviews",
    }.items():
        await ask(core, command, Caller("U-admin", True, "console", room))
    await ask(core, "subscribe reviews kind:drone", Caller("U-admin", True, "console", "all"))
    fake_sheet.publish(HEADER + ROWS, '"v1"')
    await ask(core, f"source add sheet kind:csv url:{fake_sheet.url} reviewed")
    await ask(core, "source run sheet")
    # S1 comes back from the source in Syria: the Syria room now gets it, nobody twice.
    fake_sheet.publish(HEADER + ROWS.replace("Iraq", "Syria"), '"v2"')
    assert "2 already known" in await ask(core, "source run sheet")
    posted = [
        (m.channel, reply_from_data(m.payload["reply"]).headline.split(":")[0])
        for m in await messages(core, "review")
    ]
    assert sorted(posted) == [
        ("all", "Review #1"),  # once, though two of the room's subscriptions match it
        ("all", "Review #2"),
        ("iraq", "Review #1"),
        ("syria", "Review #1"),
        ("syria", "Review #2"),
    ]
    assert "Tanf, Syria" in await ask(core, "review list")


async def test_a_row_without_an_id_is_skipped_or_refused_as_an_import_would(
    feeds_core: Core, fake_sheet: FakeSheet
) -> None:
    core = feeds_core
    # The same attack twice in one fetch: with an id, then without one (other capitals).
    same = "attacks,2024-07-16,Iraq,AIN AL-ASSAD,Drone,Reuters,\n"
    fake_sheet.publish(HEADER + ROWS + same, '"v1"')
    await ask(core, f"source add sheet kind:csv url:{fake_sheet.url} reviewed")
    assert "read 3, 2 queued for review, 1 already known" in await ask(core, "source run sheet")
    # In a later fetch, alone, it waits; approved after S1 it is found stored.
    fake_sheet.publish(HEADER + same, '"v2"')
    assert "1 queued for review" in await ask(core, "source run sheet")
    assert "recorded as incident #1" in await ask(core, "review approve 1", ANALYST)
    said = await ask(core, "review approve 3", ANALYST)
    assert said.startswith("Review #3 approved by U-admin: it was already stored as incident #1")
    assert await stored(core) == [("S1", "U-admin")]


async def test_approve_stores_as_the_approver_and_alerts_once(
    feeds_core: Core, fake_sheet: FakeSheet
) -> None:
    core = feeds_core
    await reviewed_sheet(core, fake_sheet)
    assert "Only admins may `review`" in await refused(core, "review approve 1", READER)
    said = await ask(core, "review approve 1", ANALYST)
    assert said.startswith("Review #1 approved by U-admin: recorded as incident #2")
    assert await stored(core) == [(None, "U-admin"), ("S1", "U-admin")]
    [alert] = await messages(core, "alert")
    assert reply_from_data(alert.payload["reply"]).headline.startswith(
        "New attack on 16 Jul 2024 ends an 86-day pause"
    )
    # A second click changes nothing and says who decided.
    again = await ask(core, "review approve 1", ANALYST)
    assert again == "Review #1 was already approved by U-admin (incident #2)"
    assert "already approved" in await ask(core, "review reject 1")
    assert len(await stored(core)) == 2
    assert len(await messages(core, "alert")) == 1
    async with core.database.read() as session:
        audit = list(
            await session.execute(
                select(AuditEntry.action, AuditEntry.actor, AuditEntry.incident_id).where(
                    AuditEntry.incident_id == 2
                )
            )
        )
    assert [tuple(a) for a in audit] == [("add", "U-admin", 2), ("review approve", "U-admin", 2)]
    assert "there is no review #9" in await refused(core, "review approve 9")
    assert "takes the review's number" in await refused(core, "review approve x")


async def test_reject_remembers_the_external_id(feeds_core: Core, fake_sheet: FakeSheet) -> None:
    core = feeds_core
    await reviewed_sheet(core, fake_sheet)
    assert (await ask(core, "review reject 2")).startswith("Review #2 rejected by U-admin")
    assert await stored(core) == [(None, "U-admin")]
    fake_sheet.publish(HEADER + ROWS + "attacks,2024-07-19,Iraq,Erbil,drone,AP,S3\n", '"v2"')
    said = await ask(core, "source run sheet")
    assert said.startswith("Source sheet: read 3, 1 queued for review, 2 already known")
    listing = await ask(core, "review list")
    assert "#2" not in listing and "Erbil" in listing
    assert listing.startswith("2 incidents waiting")


async def test_two_replicas_approving_at_once_store_and_alert_once(
    database, database_url: str, clock: Clock, fake_acled: FakeAcled, fake_sheet: FakeSheet
) -> None:
    first = source_core(database, database_url, clock, fake_acled)
    await first.prepare()
    await reviewed_sheet(first, fake_sheet)
    other_database = open_database(database_url)
    try:
        second = source_core(other_database, database_url, clock, fake_acled)
        one, two = await asyncio.gather(
            first.handle("review approve 1", ANALYST),
            second.handle("review approve 1", Caller("U-other", True)),
        )
        # An approval and a rejection of one candidate at once: one of them decides it.
        three, four = await asyncio.gather(
            first.handle("review approve 2", ANALYST),
            second.handle("review reject 2", Caller("U-other", True)),
        )
    finally:
        await other_database.dispose()
    said = sorted([one.headline, two.headline])
    assert sum("approved by" in h and "recorded as" in h for h in said) == 1
    assert sum("was already approved" in h for h in said) == 1
    decided = [three.headline, four.headline]
    assert sum("was already" in h for h in decided) == 1
    approved_two = any("Review #2 approved" in h for h in decided)
    assert [e for e, _ in await stored(first)] == [None, "S1", *(["S2"] if approved_two else [])]
    assert len(await messages(first, "alert")) == 1 + approved_two
