"""Alerts: queued with the write that ends a pause, once, and only then."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bot.commands.context import console_caller
from bot.commands.core import Caller, Core
from bot.commands.imports import import_file
from bot.commands.scheduled import check_records
from bot.domain.replies import reply_from_data
from bot.settings import SAMPLE_DATA, SubscriptionSettings
from storage.models import OutboxMessage
from tests.bot.commands.test_core import READER, add_article_attacks, ask, refused
from tests.conftest import Clock, make_settings


async def queued(core: Core) -> list[OutboxMessage]:
    async with core.database.read() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def text_of(message: OutboxMessage) -> str:
    reply = reply_from_data(message.payload["reply"])
    return "\n".join([reply.headline, *reply.details])


async def test_the_article_alert(core: Core) -> None:
    for text in [
        "add 2024-02-04",
        "add 2024-04-21",
        "add 2024-04-22",
        "subscribe alerts attacks",
    ]:
        await ask(core, text)
    await ask(core, 'add 2024-07-16 location:"Ain al-Assad" country:Iraq kind:drone quantity:2')
    [message] = await queued(core)
    assert (message.platform, message.channel, message.kind) == ("console", "terminal", "alert")
    assert message.status == "pending"
    text = text_of(message)
    assert text.startswith("New attack on 16 Jul 2024 ends an 86-day pause")
    assert "Ain al-Assad, Iraq, drone ×2" in text
    assert (
        "It ends an 86-day pause (22 Apr → 16 Jul 2024), a new record: the longest since tracking "
        "began on 17 Oct 2023; the previous record was 78 days (4 Feb → 21 Apr 2024)." in text
    )
    assert "At least 4 attacks since 17 Oct 2023." in text


async def test_an_alerts_total_counts_from_the_tracking_start(core: Core) -> None:
    # Tracking began on 17 Oct 2023: the incident before it is not in the alert's total.
    for text in ["add 2023-09-01", "add 2024-01-10", "subscribe alerts attacks"]:
        await ask(core, text)
    await ask(core, "add 2024-03-01")
    [message] = await queued(core)
    text = text_of(message)
    assert text.startswith("New attack on 1 Mar 2024 ends a 52-day pause")  # inclusive
    assert "At least 2 attacks since 17 Oct 2023." in text


async def test_same_day_backfill_and_first_incidents_do_not_alert(core: Core) -> None:
    await ask(core, "subscribe alerts")
    await ask(core, "add 2024-04-22")  # the first incident ends no pause
    await ask(core, "add 2024-07-16")
    await ask(core, "add 2024-07-16 kind:rocket")  # the same day: the pause was already ended
    await ask(core, "add 2024-06-01")  # a backfill splits an old pause
    messages = await queued(core)
    assert [m.key.rsplit(":", 1)[1] for m in messages] == ["2024-07-16"]


async def test_short_pauses_stay_quiet(database, database_url, clock: Clock) -> None:
    core = Core(
        database=database,
        settings=make_settings(database_url, alert_min_pause_days=10),
        clock=clock,
    )
    await core.prepare()
    await ask(core, "subscribe alerts")
    await ask(core, "add 2024-07-01")
    await ask(core, "add 2024-07-09")  # a 9-day pause
    assert await queued(core) == []
    await ask(core, "add 2024-07-18")  # a 10-day pause
    assert len(await queued(core)) == 1


async def test_filtered_subscriptions_see_their_own_pauses(core: Core) -> None:
    await ask(core, "subscribe alerts country:Iraq")
    await ask(core, "subscribe alerts country:Syria")
    await ask(core, "add 2024-01-01 country:Iraq")
    await ask(core, "add 2024-01-05 country:Syria")
    await ask(core, "add 2024-02-01 country:Iraq")  # ends Iraq's 32-day pause only
    [message] = await queued(core)
    # Every headline names its scope.
    assert text_of(message).startswith(
        "New attack in Iraq on 1 Feb 2024 ends a 32-day pause in Iraq"
    )
    assert "At least 2 attacks in Iraq since 17 Oct 2023." in text_of(message)


async def test_every_subscribed_channel_gets_one(core: Core) -> None:
    await ask(core, "subscribe alerts")
    await core.handle("subscribe alerts", Caller("U1", True, "slack", "C-OPS"))
    await ask(core, "add 2024-01-01")
    await ask(core, "add 2024-01-09")
    assert sorted((m.platform, m.channel) for m in await queued(core)) == [
        ("console", "terminal"),
        ("slack", "C-OPS"),
    ]


async def test_channels_subscribed_alike_share_an_alert_and_others_keep_their_own(
    core: Core,
) -> None:
    # Channels with the same filters get one alert worked out once; a filtered one its own.
    for channel, filters in (("C-1", ""), ("C-2", ""), ("C-IQ", "country:Iraq")):
        await core.handle(
            f"subscribe alerts {filters}".strip(), Caller("U1", True, "slack", channel)
        )
    await core.handle("subscribe alerts country:Syria", Caller("U1", True, "slack", "C-SY"))
    await ask(core, "add 2024-01-01 country:Iraq")
    await ask(core, "add 2024-01-05 country:Syria")
    await ask(core, "add 2024-02-01 country:Iraq")  # ends the series' 28-day pause and Iraq's 32
    messages = {m.channel: m for m in await queued(core) if m.channel != "terminal"}
    assert sorted(messages) == ["C-1", "C-2", "C-IQ"]
    assert text_of(messages["C-1"]) == text_of(messages["C-2"])
    assert text_of(messages["C-1"]).startswith("New attack on 1 Feb 2024 ends a 28-day pause")
    assert text_of(messages["C-IQ"]).startswith(
        "New attack in Iraq on 1 Feb 2024 ends a 32-day pause in Iraq"
    )
    assert len({m.key for m in messages.values()}) == 3  # each channel's own, sent once


async def test_subscribing_is_for_admins_and_idempotent(core: Core) -> None:
    assert "Only admins may `subscribe`" in await refused(core, "subscribe alerts", READER)
    assert (await ask(core, "subscribe alerts")).startswith("Subscribed this channel")
    assert (await ask(core, "subscribe alerts")).startswith("This channel already gets")
    assert "• alerts: attacks" in await ask(core, "subscriptions", READER)
    assert (await ask(core, "unsubscribe alerts")).startswith("Unsubscribed this channel")
    assert "was not subscribed" in await refused(core, "unsubscribe alerts")
    assert "has no subscriptions" in await ask(core, "subscriptions")
    assert "Say what to subscribe" in await refused(core, "subscribe attacks")
    assert "`nowhere` is not a series" in await refused(core, "subscribe alerts nowhere")


async def test_subscriptions_from_the_settings(database, database_url, clock: Clock) -> None:
    wanted = [SubscriptionSettings(kind="alerts", channel="ops", filters={"country": "Iraq"})]
    core = Core(
        database=database, settings=make_settings(database_url, subscriptions=wanted), clock=clock
    )
    await core.prepare()
    await core.prepare()  # a restart does not subscribe twice
    listed = await core.handle("subscriptions", Caller("U", False, "console", "ops"))
    assert listed.details == ("• alerts: attacks country:Iraq",)


async def test_an_import_alerts_once_for_its_newest_incident(core: Core, tmp_path: Path) -> None:
    await add_article_attacks(core)
    await ask(core, "subscribe alerts")
    path = tmp_path / "later.csv"
    path.write_text("date,country\n2024-08-01,Iraq\n2024-09-01,Iraq\n2024-08-15,Syria\n", "utf-8")
    await import_file(core.context, path, file_format=None, series=None, caller=console_caller())
    [message] = await queued(core)
    assert text_of(message).startswith("New attack on 1 Sep 2024 ends an 18-day pause")


async def test_a_quiet_import_and_the_first_sample_load_alert_nobody(
    core: Core, tmp_path: Path
) -> None:
    await ask(core, "subscribe alerts")
    await import_file(
        core.context, SAMPLE_DATA, file_format=None, series=None, caller=console_caller()
    )
    assert await queued(core) == []  # the series was empty: no pause ended
    path = tmp_path / "later.csv"
    path.write_text("date\n2024-08-01\n", "utf-8")
    await import_file(
        core.context, path, file_format=None, series=None, caller=console_caller(), quiet=True
    )
    assert await queued(core) == []


async def test_a_running_pause_that_passes_the_record_is_told_once(
    core: Core, clock: Clock
) -> None:

    for text in ["add 2024-02-04", "add 2024-04-21", "add 2024-04-22", "add 2024-07-16"]:
        await ask(core, text)
    await ask(core, "subscribe alerts")
    clock.now = datetime(2024, 10, 9, 12, tzinfo=UTC)  # the running pause is 86 days: a tie
    assert await check_records(core.context) == 0
    clock.now = datetime(2024, 10, 10, 12, tzinfo=UTC)  # 87 days: past the record
    assert await check_records(core.context) == 1
    clock.now = datetime(2024, 10, 11, 12, tzinfo=UTC)
    assert await check_records(core.context) == 0  # told once
    [message] = [m for m in await queued(core) if m.kind == "record"]
    text = text_of(message)
    assert text.startswith("The current pause is a new record: 87 days")
    assert "the current pause, 87 days, has passed the 86-day record (22 Apr → 16 Jul 2024)" in text
    assert "It is the longest since tracking began on 17 Oct 2023." in text


async def test_an_alert_for_a_pause_equal_to_the_record_says_it_equals_it(core: Core) -> None:
    await ask(core, "add 2024-01-01")
    await ask(core, "add 2024-01-10")
    await ask(core, "subscribe alerts")
    await ask(core, "add 2024-01-19")
    [message] = await queued(core)
    assert (
        "It ends a 10-day pause (10 Jan → 19 Jan 2024), equal to the 10-day record "
        "(1 Jan → 10 Jan 2024)." in text_of(message)
    )
    assert "longest since" not in text_of(message) and "new record" not in text_of(message)
