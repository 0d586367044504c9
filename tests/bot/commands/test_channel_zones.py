"""Each channel counts its days in its own zone: `timezone`, `subscriptions`, today and day words.

At 22:30 UTC on 29 Mar 2026 it is 23:30 in London (BST since 01:00 UTC that day), 01:30 on
30 Mar in Baghdad and 18:30 on 29 Mar in New York: the same `since` has two answers. The
expected days are computed here with zoneinfo directly, not read from the bot.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.commands.channel_zones import checked_zone, close_zones
from bot.commands.command import CommandError
from bot.commands.core import Caller, Core
from bot.commands.render_text import render_text
from bot.domain.clock import Clock as ClockType
from storage.channel_settings import ChannelSetting
from storage.database import Database
from tests.conftest import Clock, make_settings

MOMENT = datetime(2026, 3, 29, 22, 30, tzinfo=UTC)
DEFAULT_ZONE = "Europe/London"
LAST_DAY = date(2026, 3, 20)
CHANNELS = {"C-baghdad": "Asia/Baghdad", "C-newyork": "America/New_York", "C-default": None}


def admin(channel: str) -> Caller:
    return Caller(user="U-admin", is_admin=True, platform="slack", channel=channel)


def reader(channel: str) -> Caller:
    return Caller(user="U-reader", is_admin=False, platform="slack", channel=channel)


def local_today(zone: str | None) -> date:
    """Return the date at MOMENT in `zone` (the default's when None), by zoneinfo alone."""
    return MOMENT.astimezone(ZoneInfo(zone or DEFAULT_ZONE)).date()


def last_friday(today: date) -> date:
    """Return the latest Friday before `today`, counted day by day."""
    day = today - timedelta(days=1)
    while day.weekday() != 4:
        day -= timedelta(days=1)
    return day


async def said(core: Core, text: str, caller: Caller) -> str:
    reply = await core.handle(text, caller)
    assert not reply.is_error, render_text(reply)
    return render_text(reply)


async def refused(core: Core, text: str, caller: Caller) -> str:
    reply = await core.handle(text, caller)
    assert reply.is_error, render_text(reply)
    return render_text(reply)


def days_since(text: str) -> int:
    found = re.match(r"(\d+) days? since", text)
    assert found, text
    return int(found.group(1))


async def stored_zones(core: Core) -> list[tuple[str, str, str | None]]:
    async with core.database.read() as session:
        rows = await session.execute(
            select(
                ChannelSetting.platform, ChannelSetting.channel, ChannelSetting.time_zone
            ).order_by(ChannelSetting.channel)
        )
        return [tuple(row) for row in rows.all()]


@pytest.fixture
async def zoned(database: Database, database_url: str) -> Core:
    """A core at MOMENT, configured for London, with the channels' zones set by an admin."""
    clock: ClockType = Clock(MOMENT)
    core = Core(
        database=database,
        settings=make_settings(database_url, timezone=DEFAULT_ZONE),
        clock=clock,
    )
    await core.prepare()
    await said(core, f"add {LAST_DAY.isoformat()} country:Iraq", admin("C-default"))
    for channel, zone in CHANNELS.items():
        if zone is not None:
            await said(core, f"timezone {zone}", admin(channel))
    return core


def test_the_moment_is_one_where_the_dates_differ() -> None:
    assert local_today("Asia/Baghdad") == date(2026, 3, 30)
    assert local_today("America/New_York") == date(2026, 3, 29)
    assert local_today(None) == date(2026, 3, 29)
    assert MOMENT.astimezone(ZoneInfo(DEFAULT_ZONE)).utcoffset() == timedelta(hours=1)


async def test_since_counts_from_each_channels_own_today(zoned: Core) -> None:
    answers = {}
    for channel, zone in CHANNELS.items():
        answers[channel] = days_since(await said(zoned, "since", reader(channel)))
        assert answers[channel] == (local_today(zone) - LAST_DAY).days, channel
    assert answers["C-baghdad"] == answers["C-newyork"] + 1
    assert answers["C-newyork"] == answers["C-default"]


async def test_questions_in_words_count_in_the_channels_zone(zoned: Core) -> None:
    for channel, zone in CHANNELS.items():
        text = render_text(
            (await zoned.ask("how many days since the last attack?", reader(channel))).reply
        )
        assert days_since(text) == (local_today(zone) - LAST_DAY).days, (channel, text)


async def test_yesterday_and_last_friday_are_the_channels(zoned: Core) -> None:
    for channel, zone in CHANNELS.items():
        today = local_today(zone)
        yesterday = today - timedelta(days=1)
        text = await said(zoned, "since as-of yesterday", reader(channel))
        assert days_since(text) == (yesterday - LAST_DAY).days, (channel, text)
        assert f"{yesterday.day} {yesterday:%b %Y}" in text, (channel, text)
        friday = last_friday(today)
        text = await said(zoned, "since as-of last friday", reader(channel))
        assert days_since(text) == (friday - LAST_DAY).days, (channel, text)


async def test_a_day_after_the_channels_today_is_refused_there_only(zoned: Core) -> None:
    baghdad_today = local_today("Asia/Baghdad").isoformat()
    text = await refused(zoned, f"since as-of {baghdad_today}", reader("C-newyork"))
    assert "future" in text.lower() or "after" in text.lower(), text
    await said(zoned, f"since as-of {baghdad_today}", reader("C-baghdad"))


async def test_typed_commands_take_the_channels_zone(zoned: Core) -> None:
    for channel, zone in CHANNELS.items():
        command = await zoned.parse("since", reader(channel))
        reply = await zoned.execute(command, reader(channel))
        assert days_since(render_text(reply)) == (local_today(zone) - LAST_DAY).days


async def test_timezone_alone_says_the_zone_and_where_it_comes_from(zoned: Core) -> None:
    text = await said(zoned, "timezone", admin("C-baghdad"))
    assert "Asia/Baghdad (this channel's own)" in text
    assert "Mon 30 Mar 2026" in text
    text = await said(zoned, "timezone", admin("C-default"))
    assert f"{DEFAULT_ZONE} (the bot's default)" in text
    assert "Sun 29 Mar 2026" in text


async def test_subscriptions_show_the_zone(zoned: Core) -> None:
    text = await said(zoned, "subscriptions", reader("C-newyork"))
    assert "Time zone: America/New_York (this channel's own)" in text
    await said(zoned, "subscribe alerts", admin("C-newyork"))
    text = await said(zoned, "subscriptions", reader("C-newyork"))
    assert "alerts" in text
    assert "Time zone: America/New_York (this channel's own)" in text
    # A channel on the bot's default lists its subscriptions as before; `timezone` says it.
    await said(zoned, "subscribe alerts", admin("C-default"))
    text = await said(zoned, "subscriptions", reader("C-default"))
    assert "Time zone" not in text


async def test_a_wrong_zone_is_refused_with_suggestions_and_changes_nothing(
    zoned: Core,
) -> None:
    before = await stored_zones(zoned)
    text = await refused(zoned, "timezone Asia/Bagdad", admin("C-baghdad"))
    assert "`Asia/Bagdad` is not a time zone" in text
    assert "Asia/Baghdad" in text
    assert "timezone Asia/Baghdad" in text  # how to write it
    text = await refused(zoned, "timezone New_Yrok", admin("C-default"))
    assert "America/New_York" in text
    await refused(zoned, "timezone Mars/Olympus_Mons", admin("C-default"))
    await refused(zoned, "timezone Asia/Baghdad please", admin("C-default"))
    assert await stored_zones(zoned) == before
    assert (
        days_since(await said(zoned, "since", reader("C-default")))
        == (local_today(None) - LAST_DAY).days
    )


async def test_non_admins_are_refused(zoned: Core) -> None:
    before = await stored_zones(zoned)
    text = await refused(zoned, "timezone Asia/Tokyo", reader("C-newyork"))
    assert "Only admins" in text
    await refused(zoned, "timezone default", reader("C-newyork"))
    assert await stored_zones(zoned) == before


async def test_timezone_default_goes_back_and_a_zone_is_read_in_any_case(zoned: Core) -> None:
    text = await said(zoned, "timezone default", admin("C-baghdad"))
    assert f"{DEFAULT_ZONE} (the bot's default) again" in text
    assert "It was Asia/Baghdad" in text
    assert (
        days_since(await said(zoned, "since", reader("C-baghdad")))
        == (local_today(None) - LAST_DAY).days
    )
    text = await said(zoned, "timezone default", admin("C-baghdad"))
    assert "already" in text
    await said(zoned, "timezone asia/baghdad", admin("C-baghdad"))
    assert ("slack", "C-baghdad", "Asia/Baghdad") in await stored_zones(zoned)
    assert (
        days_since(await said(zoned, "since", reader("C-baghdad")))
        == (local_today("Asia/Baghdad") - LAST_DAY).days
    )


async def test_one_row_per_channel_and_platforms_apart(zoned: Core) -> None:
    await said(zoned, "timezone Asia/Tokyo", admin("C-baghdad"))
    discord = Caller(user="U-admin", is_admin=True, platform="discord", channel="C-baghdad")
    text = await said(zoned, "timezone", discord)
    assert "the bot's default" in text
    async with zoned.database.read() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(ChannelSetting)
            .where(ChannelSetting.channel == "C-baghdad")
        )
    assert count == 1
    assert ("slack", "C-baghdad", "Asia/Tokyo") in await stored_zones(zoned)


def test_close_zones_by_name_and_by_city() -> None:
    assert "Asia/Baghdad" in close_zones("Asia/Bagdad")
    assert "Asia/Baghdad" in close_zones("Baghdad")
    assert "America/New_York" in close_zones("new york")
    assert checked_zone("europe/london") == "Europe/London"
    with pytest.raises(CommandError, match="not a time zone"):
        checked_zone("Nowhere/Atall")
