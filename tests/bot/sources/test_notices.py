"""A source's channels told once when it stops working and once when it works again."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import discord
import pytest
from discord.http import HTTPClient
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select

from bot.commands import sources
from bot.commands.core import Caller, Core
from bot.commands.fetching import Fetched, SourceError, SourceSpec
from bot.commands.render_text import render_text
from bot.discord.sender import DiscordSender
from bot.domain.replies import reply_from_data
from bot.notify.delivery import Delivery
from bot.slack.sender import SlackSender
from storage import sources as stored_sources
from storage.database import open_database
from storage.models import OutboxMessage
from tests.bot.commands.test_core import ask
from tests.bot.discord.fake_discord import FakeDiscord, text_of
from tests.bot.slack.fake_slack import FakeSlack
from tests.bot.sources.conftest import source_core
from tests.bot.sources.fake_feeds import FakeAcled, acled_event
from tests.conftest import NOW, Clock

T0 = 1_700_000_000
OPS = Caller("U-admin", True, "slack", "C-OPS")
DESK = Caller("U-admin", True, "slack", "C-DESK")
DIGESTS = Caller("U-admin", True, "slack", "C-DIGEST")
FAILED = (
    'ACLED answered 500 (internal server error) saying "Internal Server Error" while reading '
    "data: ACLED's server failed"
)


def when(moment) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


async def notices(core: Core) -> list[tuple[str, str, str]]:
    """Each source notice queued: its channel and its text, in the order queued."""
    async with core.database.read() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "source").order_by(OutboxMessage.id)
        )
        return [
            (r.platform, r.channel, render_text(reply_from_data(r.payload["reply"]))) for r in rows
        ]


async def run_in_next_slot(core: Core, clock: Clock) -> sources.RunReport:
    """Move an hour on (the next slot of an hourly source) and let the schedule run it."""
    clock.now += timedelta(hours=1)
    [report] = await sources.run_due(core.context)
    return report


async def test_three_failures_then_a_good_run_tell_each_channel_once_of_each(
    feeds_core: Core, fake_acled: FakeAcled, clock: Clock
) -> None:
    core = feeds_core
    # C-OPS takes the alerts and the reviews (told once); C-DESK reviews only Syria (told:
    # a failing source stops every row); C-DIGEST has the digest only (not told).
    await ask(core, "subscribe alerts", OPS)
    await ask(core, "subscribe reviews", OPS)
    await ask(core, "subscribe reviews country:Syria", DESK)
    await ask(core, "subscribe digest", DIGESTS)
    fake_acled.put(acled_event("IRQ1", "2024-07-16", T0 + 1))
    await ask(core, "source add acled kind:acled country:Iraq every:1h")
    [good] = await sources.run_due(core.context)
    assert good.ok and good.message == "read 1, 1 added"
    last_success = clock.now

    fake_acled.always = "500"
    first = await run_in_next_slot(core, clock)
    assert not first.ok and first.message == FAILED
    failing_since = clock.now
    upcoming = sources.next_run("acled", 60, sources.slot_of("acled", 60, clock.now), clock.now)
    assert failing_since < upcoming <= failing_since + timedelta(hours=1)
    told = (
        f"Source acled stopped working: {FAILED}.\n"
        f"Last success: {when(last_success)}. It is tried again at {when(upcoming)}; "
        "`source list` shows it."
    )
    assert await notices(core) == [("slack", "C-OPS", told), ("slack", "C-DESK", told)]
    for _ in range(2):  # failures in a row tell nothing more
        assert not (await run_in_next_slot(core, clock)).ok
    assert len(await notices(core)) == 2
    async with core.database.read() as session:
        [source] = [s for s, _, _ in await stored_sources.listing(session)]
        assert await stored_sources.failing(session, source.id) == stored_sources.Streak(
            since=failing_since, runs=3
        )

    fake_acled.always = None
    fake_acled.put(acled_event("IRQ2", "2024-07-17", T0 + 2))
    again = await run_in_next_slot(core, clock)
    assert again.ok and again.message == "read 2, 1 added, 1 already known"
    recovered = (
        "Source acled works again: read 2, 1 added, 1 already known\n"
        f"It had failed since {when(failing_since)} (3 runs)."
    )
    assert await notices(core) == [
        ("slack", "C-OPS", told),
        ("slack", "C-DESK", told),
        ("slack", "C-OPS", recovered),
        ("slack", "C-DESK", recovered),
    ]
    # Working on: nothing more; the streak is gone, and a new failure is a new change, told.
    assert (await run_in_next_slot(core, clock)).ok
    assert len(await notices(core)) == 4
    async with core.database.read() as session:
        assert await stored_sources.failing(session, source.id) is None
    fake_acled.always = "500"
    assert not (await run_in_next_slot(core, clock)).ok
    assert len(await notices(core)) == 6


async def test_a_source_no_channel_hears_of_only_logs_its_changes(
    feeds_core: Core, fake_acled: FakeAcled, caplog: pytest.LogCaptureFixture
) -> None:
    core = feeds_core
    # A channel that left, and one that takes the digest only: neither hears of sources.
    await ask(core, "subscribe alerts", OPS)
    await ask(core, "unsubscribe alerts", OPS)
    await ask(core, "subscribe digest", DIGESTS)
    fake_acled.always = "500"
    await ask(core, "source add acled kind:acled")
    with caplog.at_level(logging.INFO, logger="bot.commands.sources"):
        report = await sources.run(core.context, "acled")
        assert not report.ok and report.message == FAILED
        fake_acled.always = None
        assert (await sources.run(core.context, "acled")).ok
    assert await notices(core) == []
    logged = [r.getMessage() for r in caplog.records if "only logged" in r.getMessage()]
    assert logged == [
        f"Source acled stopped working: {FAILED}. (no channel receives the reviews or alerts "
        "of its series, so it is only logged)",
        "Source acled works again: read 0 (no channel receives the reviews or alerts of its "
        "series, so it is only logged)",
    ]


async def test_a_first_run_that_fails_tells_and_says_no_success_yet(
    feeds_core: Core, fake_acled: FakeAcled
) -> None:
    core = feeds_core
    await ask(core, "subscribe alerts")  # the console's channel
    fake_acled.always = "500"
    await ask(core, "source add acled kind:acled")
    # Run by hand: the schedule's slot is not claimed, so its next check runs it again.
    assert not (await sources.run(core.context, "acled")).ok
    assert await notices(core) == [
        (
            "console",
            "terminal",
            f"Source acled stopped working: {FAILED}.\n"
            "Last success: none yet. It is tried again within a minute; `source list` shows it.",
        )
    ]


class RemovedMidRun:
    """A fetcher during whose fetch an admin removes the source, and the fetch fails."""

    def __init__(self, core: Core) -> None:
        self.core = core

    async def fetch(self, spec: SourceSpec) -> Fetched:
        await ask(self.core, f"source remove {spec.name}")
        raise SourceError("the feed went away")


async def test_a_source_removed_during_a_failing_run_tells_nothing(feeds_core: Core) -> None:
    core = feeds_core
    await ask(core, "subscribe alerts", OPS)
    await ask(core, "source add acled kind:acled")
    core.fetcher = RemovedMidRun(core)
    report = await sources.run(core.context, "acled")
    assert not report.ok and report.message == "the feed went away"
    assert await notices(core) == []
    assert "There are no sources" in await ask(core, "source list")


async def test_two_replicas_failing_at_once_tell_once(
    database, database_url: str, clock: Clock, fake_acled: FakeAcled
) -> None:
    first = source_core(database, database_url, clock, fake_acled)
    await first.prepare()
    await ask(first, "subscribe alerts", OPS)
    await ask(first, "source add acled kind:acled")
    fake_acled.always = "500"
    other = open_database(database_url)
    try:
        # The second replica's clock is a second ahead: had both seen the failures begin,
        # their notices' keys would differ and both would be queued.
        second = source_core(other, database_url, Clock(NOW + timedelta(seconds=1)), fake_acled)
        one, two = await asyncio.gather(
            sources.run(first.context, "acled"), sources.run(second.context, "acled")
        )
    finally:
        await other.dispose()
    assert not one.ok and not two.ok
    told = await notices(first)
    assert [(platform, channel) for platform, channel, _ in told] == [("slack", "C-OPS")]
    async with database.read() as session:
        [source] = [s for s, _, _ in await stored_sources.listing(session)]
        streak = await stored_sources.failing(session, source.id)
    assert streak is not None and streak.runs == 2


async def test_the_notices_are_posted_to_slack(
    feeds_core: Core, fake_acled: FakeAcled, clock: Clock
) -> None:
    core = feeds_core
    await ask(core, "subscribe reviews", OPS)
    await ask(core, "source add acled kind:acled every:1h")
    fake_acled.always = "500"
    assert not (await sources.run(core.context, "acled")).ok
    fake = FakeSlack()
    await fake.start()
    try:
        client = AsyncWebClient(token="xoxb-test", base_url=fake.api_url)
        delivery = Delivery(core.database, [SlackSender(client)], clock=clock)
        assert await delivery.run_once() == 1
        fake_acled.always = None
        clock.now += timedelta(hours=1)
        assert (await sources.run(core.context, "acled")).ok
        assert await delivery.run_once() == 1
        assert await delivery.run_once() == 0  # each posted once
    finally:
        await fake.stop()
    failing, working = fake.called("chat.postMessage")
    assert failing["channel"] == working["channel"] == "C-OPS"
    assert failing["text"] == (
        f"Source acled stopped working: {FAILED}.\n"
        "Last success: none yet. It is tried again within a minute; `source list` shows it."
    )
    # Slack draws the failure as a warning, the recovery under a header.
    assert (
        failing["blocks"][0]["text"]["text"] == f":warning: Source acled stopped working: {FAILED}."
    )
    assert working["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Source acled works again: read 0"},
    }
    assert working["text"] == (
        "Source acled works again: read 0\nIt had failed since 2026-11-25 12:00 UTC (1 run)."
    )
    assert [m["text"] for m in reversed(fake.history["C-OPS"])] == [
        failing["text"],
        working["text"],
    ]


async def test_the_failing_notice_is_posted_to_discord_as_a_red_embed(
    feeds_core: Core, fake_acled: FakeAcled, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    core = feeds_core
    await ask(core, "subscribe alerts", Caller("42", True, "discord", "987654321"))
    await ask(core, "source add acled kind:acled")
    fake_acled.always = "500"
    assert not (await sources.run(core.context, "acled")).ok
    fake = FakeDiscord()
    await fake.start()
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api_url)
    http = HTTPClient(asyncio.get_running_loop())
    try:
        await http.static_login("test-token")
        assert await Delivery(core.database, [DiscordSender(http)], clock=clock).run_once() == 1
    finally:
        await http.close()
        await fake.stop()
    [posted] = fake.posted
    assert posted.channel == "987654321"
    [embed] = posted.payload["embeds"]
    assert embed["color"] == 0xC00000
    assert text_of(posted) == (
        f"Source acled stopped working: {FAILED}.\n"
        "Last success: none yet. It is tried again within a minute; `source list` shows it."
    )
