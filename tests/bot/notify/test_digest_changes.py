"""A digest's runs when things change: an upgrade from week keys, a new schedule, a long one.

Each queues through the job the schedule runs (digest_runs.queue_due_digests) on both
databases; the days are Mondays and Tuesdays of Nov 2026, the bot's zone UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.commands.core import Caller, Core
from bot.commands.render_text import render_text
from bot.notify.digest_runs import queue_due_digests
from storage import outbox
from storage.models import AuditEntry, OutboxMessage, Subscription
from tests.conftest import Clock

GRACE = timedelta(hours=24)
ADMIN = Caller(user="U-admin", is_admin=True, platform="slack", channel="C1", team="slack:TA")


async def subscribed(core: Core, text: str) -> Subscription:
    reply = await core.handle(text, ADMIN)
    assert not reply.is_error, render_text(reply)
    async with core.database.read() as session:
        return (await session.scalars(select(Subscription))).one()


async def digest_keys(core: Core) -> list[str]:
    async with core.database.read() as session:
        query = select(OutboxMessage.key).where(OutboxMessage.kind == "digest")
        return sorted(await session.scalars(query))


@pytest.mark.usefixtures("without_charts")
async def test_a_run_queued_under_its_week_before_an_upgrade_is_not_queued_again(
    core: Core, clock: Clock
) -> None:
    clock.now = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # a Monday, before the 09:00 run
    subscription = await subscribed(core, "subscribe digest")
    # What the version before queued at 09:00: the run keyed by the week it covers.
    old_key = f"digest:{subscription.id}:2026-11-23/2026-11-29"
    async with core.database.write() as session:
        await outbox.enqueue(
            session,
            key=old_key,
            platform="slack",
            channel="C1",
            kind="digest",
            payload={"reply": {"headline": "the week's digest"}},
            now=datetime(2026, 11, 30, 9, 0, tzinfo=UTC),
        )
    # The new version starts at 10:00 and catches up: the run is there already.
    upgraded = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    assert await queue_due_digests(core.database, core.settings, upgraded, GRACE) == 0
    assert await digest_keys(core) == [old_key]
    # The next week's run is queued under the new key, once.
    next_run = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    assert await queue_due_digests(core.database, core.settings, next_run, GRACE) == 1
    assert await digest_keys(core) == sorted([old_key, f"digest:{subscription.id}:2026-12-07"])


@pytest.mark.usefixtures("without_charts")
async def test_a_new_schedule_makes_up_no_run_due_before_it_was_set(
    core: Core, clock: Clock
) -> None:
    clock.now = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # Monday
    subscription = await subscribed(core, "subscribe digest every monday 08:30")
    monday = datetime(2026, 11, 23, 8, 31, tzinfo=UTC)
    assert await queue_due_digests(core.database, core.settings, monday, GRACE) == 1
    # Tuesday 12:00: every day 07:30 from now on; today's 07:30 was before it, so not made up.
    clock.now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    await subscribed(core, "subscribe digest every day 07:30")
    assert await queue_due_digests(core.database, core.settings, clock.now, GRACE) == 0
    wednesday = datetime(2026, 11, 25, 7, 30, tzinfo=UTC)
    assert await queue_due_digests(core.database, core.settings, wednesday, GRACE) == 1
    assert await digest_keys(core) == [
        f"digest:{subscription.id}:2026-11-23",
        f"digest:{subscription.id}:2026-11-25",
    ]


async def test_a_schedule_of_six_days_is_kept_whole(core: Core, clock: Clock) -> None:
    clock.now = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    text = "subscribe digest every mon,tue,wed,thu,fri,sat 08:00"
    subscription = await subscribed(core, text)
    written = "every monday,tuesday,wednesday,thursday,friday,saturday 08:00"
    assert len(written) > 60 and subscription.schedule == written


async def test_a_schedule_and_another_series_given_together_are_both_applied_and_audited(
    core: Core,
) -> None:
    first = await subscribed(core, "subscribe digest attacks")
    assert (first.schedule, first.context_series) == (None, None)
    schedule, other = "every friday 09:00", "us-strikes"
    reply = await core.handle(f"subscribe digest attacks {schedule} with:{other}", ADMIN)
    said = render_text(reply)
    assert not reply.is_error, said
    assert f"is now posted {schedule} and now marks {other} on its chart" in reply.headline
    async with core.database.read() as session:
        stored = (await session.scalars(select(Subscription))).one()
        audited = list(
            await session.scalars(
                select(AuditEntry.changes).where(AuditEntry.action == "change digest")
            )
        )
    assert (stored.schedule, stored.context_series) == (schedule, other)
    assert audited == [{"schedule": [None, schedule], "with": [None, other]}]
    # with:none removes the other series, audited; the schedule stays.
    removed = await core.handle("subscribe digest attacks with:none", ADMIN)
    assert f"no longer marks {other} on its chart" in removed.headline, render_text(removed)
    again = await core.handle("subscribe digest attacks with:none", ADMIN)
    assert "already" in render_text(again)  # nothing left to change
    async with core.database.read() as session:
        stored = (await session.scalars(select(Subscription))).one()
        audited = list(
            await session.scalars(
                select(AuditEntry.changes)
                .where(AuditEntry.action == "change digest")
                .order_by(AuditEntry.id)
            )
        )
    assert (stored.schedule, stored.context_series) == (schedule, None)
    assert audited[1:] == [{"with": [other, None]}]
