"""A reviewed ACLED source's corrections, deletions and events that left its query wait for review.

Each is a candidate of its own kind, posted to the reviewing channels, and changes nothing
until an admin approves it; rejecting leaves the incident as it is, and the source's next
run does not bring the same change back.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.commands.core import Caller, Core
from bot.domain.replies import Reply, reply_from_data
from storage.models import AuditEntry, Incident, OutboxMessage, ReviewCandidate
from tests.bot.commands.test_core import ask, refused
from tests.bot.sources.fake_feeds import FakeAcled, acled_event
from tests.bot.sources.test_runs import T0

ROOM_A = Caller("U-admin", True, "console", "room-a")
ROOM_B = Caller("U-admin", True, "console", "room-b")


async def reviews(core: Core, candidate: int) -> list[tuple[str, Reply]]:
    """The review messages queued for a candidate: (channel, what each says now)."""
    async with core.database.read() as session:
        rows = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == "review", OutboxMessage.key.endswith(f":{candidate}"))
            .order_by(OutboxMessage.channel)
        )
        return [(r.channel, reply_from_data(r.payload["reply"])) for r in rows]


async def incident(core: Core, external_id: str) -> Incident:
    async with core.database.read() as session:
        found = await session.scalar(select(Incident).where(Incident.external_id == external_id))
        assert found is not None
        return found


async def audited(core: Core, incident_id: int) -> list[tuple[str, str]]:
    async with core.database.read() as session:
        rows = await session.scalars(
            select(AuditEntry).where(AuditEntry.incident_id == incident_id).order_by(AuditEntry.id)
        )
        return [(r.actor, r.action) for r in rows]


async def candidate_count(core: Core) -> int:
    async with core.database.read() as session:
        return len(list(await session.scalars(select(ReviewCandidate))))


async def approved_source(core: Core, fake_acled: FakeAcled) -> None:
    """A reviewed ACLED source whose two events were approved: incidents #1 (IRQ1), #2 (IRQ2).

    Rooms A and B review the series.
    """
    await ask(core, "subscribe reviews", ROOM_A)
    await ask(core, "subscribe reviews", ROOM_B)
    fake_acled.put(acled_event("IRQ1", "2024-07-16", T0 + 1))
    await ask(core, "source add acled-iraq kind:acled country:Iraq reviewed")
    said = await ask(core, "source run acled-iraq")
    assert said.startswith("Source acled-iraq: read 1, 1 queued for review"), said
    await ask(core, "review approve 1")
    fake_acled.put(acled_event("IRQ2", "2024-07-17", T0 + 2))
    said = await ask(core, "source run acled-iraq")  # IRQ1's second is read again
    assert said.startswith("Source acled-iraq: read 2, 1 queued for review"), said
    await ask(core, "review approve 2")
    assert (await incident(core, "IRQ1")).id == 1
    assert (await incident(core, "IRQ2")).id == 2


async def test_a_correction_waits_for_review_and_changes_nothing_until_approved(
    feeds_core: Core, fake_acled: FakeAcled
) -> None:
    core = feeds_core
    await approved_source(core, fake_acled)
    fake_acled.put(
        acled_event("IRQ1", "2024-07-16", T0 + 10, sub_event_type="Shelling", fatalities="2")
    )
    said = await ask(core, "source run acled-iraq")
    assert said.startswith("Source acled-iraq: read 2, 1 queued for review, 1 already known"), said
    stored = await incident(core, "IRQ1")
    assert (stored.kind, stored.killed) == ("Air/drone strike", 0)  # nothing changed yet
    posted = await reviews(core, 3)
    assert [channel for channel, _ in posted] == ["room-a", "room-b"]
    reply = posted[0][1]
    assert reply.headline == "Review #3: correction of incident #1 in attacks from acled-iraq"
    assert "kind: Air/drone strike → Shelling" in reply.details
    assert "killed: 0 → 2" in reply.details
    assert [a.command for a in reply.actions] == ["review approve 3", "review reject 3"]
    assert "correction of IRQ1" in await ask(core, "review list")

    # The next run reads the boundary second again: the same correction is not queued twice.
    said = await ask(core, "source run acled-iraq")
    assert said.startswith("Source acled-iraq: read 1, 1 already known"), said
    assert await candidate_count(core) == 3

    # A newer correction replaces the waiting one: same candidate, its messages show it.
    fake_acled.put(
        acled_event("IRQ1", "2024-07-16", T0 + 20, sub_event_type="Shelling", fatalities="3")
    )
    said = await ask(core, "source run acled-iraq")
    assert "queued" not in said, said
    assert await candidate_count(core) == 3
    for _, shown in await reviews(core, 3):
        assert "killed: 0 → 3" in shown.details
    assert (await incident(core, "IRQ1")).killed == 0

    said = await ask(core, "review approve 3")
    assert said.startswith("Review #3 approved by U-admin: incident #1 corrected"), said
    stored = await incident(core, "IRQ1")
    assert (stored.kind, stored.killed) == ("Shelling", 3)
    assert (await audited(core, 1))[-2:] == [("U-admin", "edit"), ("U-admin", "review approve")]
    # Decided: every channel's copy says so, without buttons (not posted yet: replaced).
    for _, shown in await reviews(core, 3):
        assert shown.headline.startswith("Review #3 approved by U-admin")
        assert shown.actions == ()


async def test_a_rejected_correction_leaves_the_incident_and_is_not_brought_back(
    feeds_core: Core, fake_acled: FakeAcled
) -> None:
    core = feeds_core
    await approved_source(core, fake_acled)
    fake_acled.put(acled_event("IRQ2", "2024-07-18", T0 + 10))
    assert "1 queued for review" in await ask(core, "source run acled-iraq")
    said = await ask(core, "review reject 3")
    assert said.startswith("Review #3 rejected by U-admin"), said
    assert "The incident stays as it is" in said
    assert (await incident(core, "IRQ2")).occurred_on.isoformat() == "2024-07-17"
    said = await ask(core, "source run acled-iraq")  # reads IRQ2's second again
    assert "queued" not in said, said
    assert await candidate_count(core) == 3
    assert "was already rejected" in await ask(core, "review approve 3")
    # Another correction of it is a new candidate.
    fake_acled.put(acled_event("IRQ2", "2024-07-19", T0 + 20))
    assert "1 queued for review" in await ask(core, "source run acled-iraq")
    assert await candidate_count(core) == 4


async def test_a_correction_the_source_takes_back_is_withdrawn(
    feeds_core: Core, fake_acled: FakeAcled
) -> None:
    core = feeds_core
    await approved_source(core, fake_acled)
    fake_acled.put(acled_event("IRQ2", "2024-07-18", T0 + 10))
    assert "1 queued for review" in await ask(core, "source run acled-iraq")
    fake_acled.put(acled_event("IRQ2", "2024-07-17", T0 + 20))  # as stored again
    await ask(core, "source run acled-iraq")
    assert "was already withdrawn by source:acled-iraq" in await ask(core, "review approve 3")
    for _, shown in await reviews(core, 3):
        assert shown.headline.startswith("Review #3 was withdrawn: acled-iraq has the stored")


async def test_a_deletion_at_the_source_waits_for_review(
    feeds_core: Core, fake_acled: FakeAcled
) -> None:
    core = feeds_core
    await approved_source(core, fake_acled)
    fake_acled.put(acled_event("IRQ1", "2024-07-15", T0 + 10))  # a correction waiting too
    assert "1 queued for review" in await ask(core, "source run acled-iraq")
    fake_acled.delete("IRQ1", int(core.clock().timestamp()) + 5)
    said = await ask(core, "source run acled-iraq")
    assert "1 queued for review" in said, said
    assert (await incident(core, "IRQ1")).deleted_at is None
    [(_, reply), _] = await reviews(core, 4)
    assert reply.headline == "Review #4: deletion of incident #1 in attacks from acled-iraq"
    assert "why: deleted at the source acled-iraq" in reply.details
    # The deletion read again (its second) is not queued twice.
    said = await ask(core, "source run acled-iraq")
    assert "queued" not in said, said
    assert await candidate_count(core) == 4

    said = await ask(core, "review approve 4")
    assert said.startswith("Review #4 approved by U-admin: incident #1 deleted"), said
    gone = await incident(core, "IRQ1")
    assert gone.deleted_at is not None and gone.deleted_by == "U-admin"
    assert (await audited(core, 1))[-2:] == [("U-admin", "delete"), ("U-admin", "review approve")]
    # The correction waiting for the deleted incident has nothing left to change.
    assert "was already withdrawn" in await ask(core, "review approve 3")
    assert "No incident is waiting for review" in await ask(core, "review list")


async def test_a_rejected_deletion_keeps_the_incident(
    feeds_core: Core, fake_acled: FakeAcled
) -> None:
    core = feeds_core
    await approved_source(core, fake_acled)
    fake_acled.delete("IRQ2", int(core.clock().timestamp()) + 5)
    assert "1 queued for review" in await ask(core, "source run acled-iraq")
    await ask(core, "review reject 3")
    assert (await incident(core, "IRQ2")).deleted_at is None
    assert "queued" not in await ask(core, "source run acled-iraq")
    assert "1 incident" not in await ask(core, "review list")
    await refused(core, "review approve 99")


async def test_an_event_that_left_the_query_waits_for_review(
    feeds_core: Core, fake_acled: FakeAcled
) -> None:
    core = feeds_core
    await ask(core, "subscribe reviews", ROOM_A)
    fake_acled.put(acled_event("YEM1", "2024-07-01", T0 + 1, country="Yemen"))
    await ask(core, "source add yemen kind:acled country:Yemen reviewed")
    assert "1 queued for review" in await ask(core, "source run yemen")
    await ask(core, "review approve 1")
    fake_acled.put(acled_event("YEM2", "2024-07-02", T0 + 2, country="Yemen"))
    assert "1 queued for review" in await ask(core, "source run yemen")
    await ask(core, "review approve 2")
    fake_acled.put(acled_event("YEM1", "2024-07-01", T0 + 10, country="Red Sea"))
    said = await ask(core, "source run yemen")
    assert "1 queued for review" in said and "no longer in its query" not in said, said
    assert (await incident(core, "YEM1")).deleted_at is None
    [(_, reply)] = await reviews(core, 3)
    assert reply.headline == "Review #3: removal of incident #1 in attacks from yemen"
    assert "why: no longer in the query of source yemen" in reply.details
    said = await ask(core, "review approve 3")
    assert said.startswith("Review #3 approved by U-admin: incident #1 deleted"), said
    assert (await incident(core, "YEM1")).deleted_at is not None
    assert (await incident(core, "YEM2")).deleted_at is None
