"""Quiet hours: alerts due in a channel's quiet hours (in its zone) are held, then posted as one.

At 20:00 UTC on 10 Mar 2026 it is 23:00 in Baghdad (quiet from 22:00) and 20:00 in London
(not yet): the same alert is held in one channel and posted in the other. At 07:00 in Baghdad
two replicas release the held alerts; one message lists them, once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.commands import operations
from bot.commands.core import Caller, Core
from bot.commands.scheduled import check_records, post_digests, post_held
from bot.domain.replies import reply_from_data
from bot.notify.delivery import Delivery, Outgoing, Progress
from storage.database import Database, open_database
from storage.models import OutboxMessage
from tests.bot.commands.test_core import ADMIN, ask, refused
from tests.conftest import Clock, make_settings

EVENING = datetime(2026, 3, 10, 20, 0, tzinfo=UTC)  # 23:00 in Baghdad, 20:00 in London
MORNING = datetime(2026, 3, 11, 4, 0, tzinfo=UTC)  # 07:00 in Baghdad


def admin(channel: str) -> Caller:
    return Caller(user="U-admin", is_admin=True, platform="console", channel=channel)


def reader(channel: str) -> Caller:
    return Caller(user="U-reader", is_admin=False, platform="console", channel=channel)


class ChannelRecorder:
    """A stand-in platform that records where each message went and what it said."""

    platform = "console"

    def __init__(self) -> None:
        self.posted: list[tuple[str, str]] = []

    async def send(self, message: Outgoing, progress: Progress) -> None:
        self.posted.append((message.channel, message.reply.headline))


@pytest.fixture
async def replicas(database: Database, database_url: str) -> AsyncIterator[tuple[Core, Core]]:
    """Two bots on one database, each with its own engine, on one clock at EVENING."""
    clock = Clock(EVENING)
    settings = make_settings(database_url, timezone="UTC")
    first = Core(database=database, settings=settings, clock=clock)
    await first.prepare()
    other_database = open_database(database_url)
    try:
        yield first, Core(database=other_database, settings=settings, clock=clock)
    finally:
        await other_database.dispose()


async def rows(core: Core) -> list[OutboxMessage]:
    async with core.database.read() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def text_of(message: OutboxMessage) -> str:
    reply = reply_from_data(message.payload["reply"])
    return "\n".join([reply.headline, *reply.details])


async def drained(*cores: Core) -> list[tuple[str, str]]:
    """Deliver what is due through one loop on each replica; return what was posted."""
    recorders = [ChannelRecorder() for _ in cores]
    loops = [
        Delivery(core.database, [recorder], clock=core.clock, batch=1)
        for core, recorder in zip(cores, recorders, strict=True)
    ]
    await asyncio.gather(*(loop.drain() for loop in loops))
    return sorted(post for recorder in recorders for post in recorder.posted)


@pytest.mark.usefixtures("without_charts")
async def test_alerts_in_quiet_hours_are_held_and_posted_as_one_message_once(
    replicas: tuple[Core, Core],
) -> None:
    core, other = replicas
    clock = core.clock
    assert isinstance(clock, Clock)
    for channel, zone in (("C-baghdad", "Asia/Baghdad"), ("C-london", "Europe/London")):
        await ask(core, f"timezone {zone}", admin(channel))
        said = await ask(core, "quiet 22:00-07:00", admin(channel))
        assert f"quiet hours are 22:00-07:00 now, {zone} time" in said
        await ask(core, "subscribe alerts", admin(channel))
    await ask(core, "subscribe alerts country:Iraq", admin("C-baghdad"))
    await ask(core, "subscribe digest every day 23:00", admin("C-baghdad"))
    assert "23:00 here now" in await ask(core, "quiet 22:00-07:00", admin("C-baghdad"))
    listed = await ask(core, "subscriptions", admin("C-baghdad"))
    assert "Quiet hours: 22:00-07:00" in listed
    await ask(core, "add 2026-01-05 country:Iraq", ADMIN)
    await ask(core, "add 2026-03-10 country:Iraq", ADMIN)
    # Digests are not held: the 23:00 one is queued to be posted now.
    assert await post_digests(core.context, clock.now) == 1
    found = {(m.channel, m.kind, m.status) for m in await rows(core)}
    assert found == {
        ("C-baghdad", "alert", "held"),
        ("C-baghdad", "digest", "pending"),
        ("C-london", "alert", "pending"),
    }
    assert len([m for m in await rows(core) if m.status == "held"]) == 2
    # `pausewatch outbox` lists them as held, beside the pending ones.
    listed = [(m.channel, m.status) for m in await operations.unsent(core.context)]
    assert listed.count(("C-baghdad", "held")) == 2
    posted = await drained(core, other)
    assert [channel for channel, _ in posted] == ["C-baghdad", "C-london"]
    assert posted[0][1].startswith("Daily digest")
    # Still quiet at 06:59 in Baghdad: nothing is released.
    clock.now = MORNING - timedelta(minutes=1)
    assert await asyncio.gather(post_held(core.context), post_held(other.context)) == [0, 0]
    assert await drained(core, other) == []
    # At 07:00, two replicas release the channel's held alerts at once: one message.
    clock.now = MORNING
    released = await asyncio.gather(post_held(core.context), post_held(other.context))
    assert sorted(released) == [0, 1]
    messages = await rows(core)
    assert [m.status for m in messages if m.channel == "C-baghdad" and m.kind == "alert"] == [
        "released",
        "released",
        "pending",
    ]
    combined = messages[-1]
    first_held = min(m.id for m in messages if m.status == "released")
    assert combined.key == f"quiet:console:C-baghdad:{first_held}"
    text = text_of(combined)
    assert text.startswith("Held during this channel's quiet hours (22:00-07:00): 2 alerts")
    assert "1. New attack on 10 Mar 2026 ends a 65-day pause" in text
    assert "2. New attack in Iraq on 10 Mar 2026 ends a 65-day pause in Iraq" in text
    posted = await drained(core, other)
    assert posted == [("C-baghdad", combined.payload["reply"]["headline"])]
    assert await post_held(core.context) == 0
    assert await drained(core, other) == []


async def test_quiet_says_sets_and_ends_the_hours_and_off_releases_at_once(
    replicas: tuple[Core, Core],
) -> None:
    core, _ = replicas
    clock = core.clock
    assert isinstance(clock, Clock)
    channel = "C-1"
    assert "no quiet hours" in await ask(core, "quiet", admin(channel))
    assert "Only" in await refused(core, "quiet 22:00-07:00", reader(channel))
    await ask(core, "timezone Asia/Baghdad", admin(channel))
    await ask(core, "quiet 22:00-07:00", admin(channel))
    said = await ask(core, "quiet", admin(channel))
    assert "quiet hours are 22:00-07:00, Asia/Baghdad time" in said
    changed = await ask(core, "quiet 23:00-06:00", admin(channel))
    assert "They were 22:00-07:00." in changed
    await ask(core, "subscribe alerts", admin(channel))
    await ask(core, "add 2026-01-05", ADMIN)
    await ask(core, "add 2026-03-10", ADMIN)
    [alert] = await rows(core)
    assert alert.status == "held"
    assert await post_held(core.context) == 0  # 23:00 in Baghdad: still quiet
    ended = await ask(core, "quiet off", admin(channel))
    assert "quiet hours are off" in ended and "They were 23:00-06:00." in ended
    assert "no quiet hours" in await ask(core, "quiet off", admin(channel))
    assert await post_held(core.context) == 1
    [released, combined] = await rows(core)
    assert (released.status, combined.status) == ("released", "pending")
    assert text_of(combined).startswith("Held during this channel's quiet hours: 1 alert\n")


async def test_a_record_notice_counts_to_the_channels_own_today_and_is_held_when_quiet(
    replicas: tuple[Core, Core],
) -> None:
    """The record is 11 days (1 → 11 Jan); the pause running from 12 Jan passes it on 23 Jan.

    At 22:00 UTC on 22 Jan it is already 23 Jan (01:00) in Baghdad, quiet there: its channel's
    notice is queued held; London is still on 22 Jan, where the pause only equals the record.
    """
    core, _ = replicas
    clock = core.clock
    assert isinstance(clock, Clock)
    clock.now = datetime(2026, 1, 22, 22, 0, tzinfo=UTC)
    for day in ("2026-01-01", "2026-01-11", "2026-01-12"):
        await ask(core, f"add {day}", ADMIN)
    for channel, zone in (("C-baghdad", "Asia/Baghdad"), ("C-london", "Europe/London")):
        await ask(core, f"timezone {zone}", admin(channel))
        await ask(core, "subscribe alerts", admin(channel))
    await ask(core, "quiet 22:00-07:00", admin("C-baghdad"))
    assert await check_records(core.context) == 1
    [notice] = await rows(core)
    assert (notice.channel, notice.kind, notice.status) == ("C-baghdad", "record", "held")
    assert "12 days" in text_of(notice)
    clock.now = datetime(2026, 1, 23, 4, 0, tzinfo=UTC)  # 07:00 in Baghdad, 23 Jan in London
    assert await post_held(core.context) == 1
    assert await check_records(core.context) == 1
    found = [(m.channel, m.kind, m.status) for m in await rows(core)]
    assert found == [
        ("C-baghdad", "record", "released"),
        ("C-baghdad", "alert", "pending"),
        ("C-london", "record", "pending"),
    ]
    assert text_of((await rows(core))[1]).startswith(
        "Held during this channel's quiet hours (22:00-07:00): 1 record notice"
    )


async def test_one_write_holds_its_alerts_by_each_channels_zone_own_or_its_teams(
    replicas: tuple[Core, Core],
) -> None:
    # One write alerts three channels; their hours are read together. At EVENING it is 23:00
    # in Baghdad (quiet from 22:00) and 20:00 in London.
    core, _ = replicas
    in_a = Caller("U-a", is_admin=True, platform="slack", channel="C-a", team="slack:TA")
    own_zone = Caller("U-a", is_admin=True, platform="slack", channel="C-a2", team="slack:TA")
    in_b = Caller("U-b", is_admin=True, platform="discord", channel="C-b", team="discord:200")
    await ask(core, "team timezone Asia/Baghdad", in_a)
    await ask(core, "team timezone Europe/London", in_b)
    await ask(core, "timezone Europe/London", own_zone)  # its own zone before its team's
    for caller in (in_a, own_zone, in_b):
        await ask(core, "quiet 22:00-07:00", caller)
        await ask(core, "subscribe alerts", caller)
    await ask(core, "add 2026-01-05 country:Iraq", ADMIN)
    await ask(core, "add 2026-03-10 country:Iraq", ADMIN)
    found = {(m.channel, m.team, m.status) for m in await rows(core) if m.kind == "alert"}
    assert found == {("C-a", "TA", "held"), ("C-a2", "TA", "pending"), ("C-b", None, "pending")}
