"""Teams through the core: who writes the shared series, a team's own series, sources, reviews.

Team A ("slack:TA") is the owner team; team B ("discord:200") is not. The callers are built
as the adapters build them (tests/bot/slack and tests/bot/discord drive the platforms).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.access import AccessSettings
from bot.commands import facts
from bot.commands.core import Caller, Core
from bot.commands.sources import notices
from bot.commands.teams import NOWHERE, manages_source, sees, writes, written_teams
from bot.domain.replies import Reply
from bot.settings import SeriesSettings, SettingsError, SubscriptionSettings
from storage.database import Database
from storage.models import (
    AuditEntry,
    OutboxMessage,
    ReviewCandidate,
    Series,
    Source,
    Subscription,
)
from storage.teams import TeamSetting
from tests.bot.commands.test_channel_zones import refused, said
from tests.conftest import Clock, make_settings

A, B = "slack:TA", "discord:200"


def member(team: str | None, *, admin: bool, user: str = "") -> Caller:
    platform = team.split(":")[0] if team else "console"
    return Caller(
        user=user or f"{'admin' if admin else 'reader'}-{team}",
        is_admin=admin,
        platform=platform,
        channel=f"C-{team}",
        team=team,
    )


@pytest.fixture
async def teams_core(database: Database, database_url: str, clock: Clock) -> Core:
    core = Core(
        database=database,
        settings=make_settings(database_url, owner_teams=[A], load_sample_data=False),
        clock=clock,
    )
    await core.prepare()
    return core


def test_the_rules_over_every_kind_of_caller() -> None:
    owners = AccessSettings(owner_teams=[A], admins=["U-operator"])
    nobody_named = AccessSettings()
    for settings in (owners, nobody_named):
        for team in (A, B, None):
            for admin in (True, False):
                caller = member(team, admin=admin)
                owner = team is None or not settings.owner_teams or team in settings.owner_teams
                # Shared: everyone reads; admins of owner teams (and the install) write.
                assert sees(None, caller)
                assert writes(None, caller, settings) == (admin and owner)
                # A's own series: A and the install's admins.
                assert sees(A, caller) == (team == A or (team is None and admin))
                assert writes(A, caller, settings) == (admin and team in (A, None))
    operator = member(B, admin=True, user="U-operator")
    assert writes(None, operator, owners) and writes(A, operator, owners)
    assert written_teams(member(B, admin=True), owners) == [B]
    assert written_teams(member(A, admin=True), owners) == [A, None]
    assert written_teams(member(A, admin=False), owners) == []
    assert manages_source(None, member(A, admin=True), owners)
    assert not manages_source(None, member(B, admin=True), owners)
    assert manages_source(B, member(B, admin=True), owners)
    # Asking from no team's place writes nothing shared, even with no owner team named.
    assert not writes(None, Caller("U-dm", True, "discord", "D1", team=NOWHERE), nobody_named)


async def test_only_the_owner_teams_admins_write_the_shared_series(teams_core: Core) -> None:
    core = teams_core
    refusal = await refused(core, "add 2026-03-01 country:Iraq", member(B, admin=True))
    assert "written by its owner teams (slack:TA)" in refusal
    assert "team series add NAME" in refusal
    added = await said(core, "add 2026-03-01 country:Iraq", member(A, admin=True))
    incident = int(added.split("#", 1)[1].split()[0])
    # B reads the shared series, and may not edit or delete its incidents either.
    assert "since" in (await said(core, "since", member(B, admin=False))).lower()
    assert "owner teams" in await refused(core, f"delete {incident}", member(B, admin=True))
    assert "owner teams" in await refused(
        core, f"edit {incident} kind:drone", member(B, admin=True)
    )
    async with core.database.read() as session:
        audited = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "add"))
        ).all()
    assert [(entry.actor, entry.team) for entry in audited] == [(f"admin-{A}", A)]


async def test_a_teams_own_series_is_seen_and_written_by_that_team_alone(teams_core: Core) -> None:
    core = teams_core
    b_admin, b_reader, a_admin = (
        member(B, admin=True),
        member(B, admin=False),
        member(A, admin=True),
    )
    assert "Only this team's admins" in await refused(core, "team series add outages", b_reader)
    made = await said(core, "team series add outages", b_admin)
    assert "outages" in made and "only by this team" in made
    assert "taken" in await refused(core, "team series add outages", a_admin)
    assert "taken" in await refused(core, "team series add attacks", b_admin)
    for word in ("today", "monday", "may", "the", "alerts", "since"):
        assert "choose another name" in await refused(core, f"team series add {word}", b_admin)
    await said(core, "add 2026-03-01 outages location:Erbil", b_admin)
    assert "Erbil" in await said(core, "last outages", b_reader)
    # A does not see it: not in a question, nor in the series listed back.
    for text in ("since outages", "last outages", "add 2026-03-02 outages"):
        refusal = await refused(core, text, a_admin)
        assert "`outages` is not a series" in refusal and "outages," not in refusal
    assert "not a series" in await refused(core, "subscribe alerts outages", a_admin)
    # Nor are its name and its values read or suggested as words for A: only for B.
    assert "location:Erbil" in await said(core, "last outages Erbil", b_reader)
    assert "outages" not in await refused(core, "since outage", a_admin)
    assert "location" not in await refused(core, "since Erbil", a_admin)
    async with core.database.read() as session:
        series = await session.scalar(select(Series).where(Series.name == "outages"))
    assert series is not None and series.team == B
    # An anonymous reader without a team (the public board) sees the shared series alone.
    anonymous = Caller(user="web", is_admin=False, platform="web")
    assert "not a series" in await refused(core, "since outages", anonymous)
    listed = [info.name for info in await facts.series(core)]
    assert "attacks" in listed and "outages" not in listed


async def test_team_says_what_a_team_is_and_its_admins_change_it(teams_core: Core) -> None:
    core = teams_core
    b_admin, b_reader = member(B, admin=True), member(B, admin=False)
    shown = await said(core, "team", b_reader)
    assert f"Team {B}; you are a member" in shown
    assert "read here, written by the owner teams" in shown
    assert "Manage Server" in shown
    assert "this team writes them" in await said(core, "team", member(A, admin=False))
    assert "Only this team's admins" in await refused(core, "team timezone Asia/Baghdad", b_reader)
    assert "Asia/Baghdad" in await said(core, "team timezone asia/baghdad", b_admin)
    async with core.database.read() as session:
        audited = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "team-timezone")
        )
    assert audited is not None and (audited.team, audited.changes) == (B, {"zone": "Asia/Baghdad"})
    assert "Asia/Baghdad (this team's)" in await said(core, "timezone", b_reader)
    # A channel's own zone comes before its team's; `timezone default` goes back to the team's.
    await said(core, "timezone America/New_York", b_admin)
    assert "America/New_York (this channel's own)" in await said(core, "timezone", b_reader)
    assert "Asia/Baghdad (this team's)" in await said(core, "timezone default", b_admin)
    added = await said(core, "team admin add <@300> <@&400>", b_admin)
    assert "<@300>" in added and "<@&400>" in added
    assert "not a member or a role" in await refused(core, "team admin add U0SLACK", b_admin)
    removed = await said(core, "team admin remove <@300>", b_admin)
    assert "<@300>" not in removed and "<@&400>" in removed
    assert "belong to no team" in await said(core, "team", Caller("console:me", True))


async def test_sources_and_reviews_are_the_teams_own(teams_core: Core) -> None:
    core = teams_core
    a_admin, b_admin = member(A, admin=True), member(B, admin=True)
    await said(core, "team series add outages", b_admin)
    url = "url:https://sheets.example.org/outages.csv"
    assert "owner teams" in await refused(core, f"source add b-sheet kind:csv {url}", b_admin)
    await said(core, f"source add b-sheet kind:csv {url} series:outages reviewed", b_admin)
    await said(core, f"source add a-sheet kind:csv {url} reviewed", a_admin)
    assert "b-sheet" in await said(core, "source list", b_admin)
    assert "a-sheet" not in await said(core, "source list", b_admin)
    assert "b-sheet" not in await said(core, "source list", a_admin)
    assert "no source 'a-sheet'" in await refused(core, "source remove a-sheet", b_admin)
    assert "no source 'b-sheet'" in await refused(core, "source run b-sheet", a_admin)
    assert "taken" in await refused(
        core, f"source add a-sheet kind:csv {url} series:outages", b_admin
    )
    async with core.database.write() as session:
        sources = {s.name: s for s in (await session.scalars(select(Source))).all()}
        assert (sources["a-sheet"].team, sources["b-sheet"].team) == (A, B)
        for source in sources.values():
            session.add(
                ReviewCandidate(
                    series_id=source.series_id,
                    source_name=source.name,
                    key=f"{source.name}-1",
                    fields={"date": "2026-03-03", "location": f"from {source.name}"},
                    status="pending",
                    queued_at=core.clock(),
                )
            )
        await session.flush()
        ids = {c.source_name: c.id for c in (await session.scalars(select(ReviewCandidate))).all()}
    b_list, a_list = (
        await said(core, "review list", b_admin),
        await said(core, "review list", a_admin),
    )
    assert "b-sheet" in b_list and "a-sheet" not in b_list
    assert "a-sheet" in a_list and "b-sheet" not in a_list
    assert "no review" in await refused(core, f"review approve {ids['b-sheet']}", a_admin)
    assert "owner teams" in await refused(core, f"review reject {ids['a-sheet']}", b_admin)
    approved = await said(core, f"review approve {ids['b-sheet']}", b_admin)
    assert "approved" in approved
    async with core.database.read() as session:
        decided = await session.get(ReviewCandidate, ids["a-sheet"])
        assert decided is not None and decided.status == "pending"  # the refusal changed nothing
        audit = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "review approve"))
        ).all()
    assert [entry.team for entry in audit] == [B]


async def test_typed_options_are_read_in_the_callers_zone_and_words(
    teams_core: Core, clock: Clock
) -> None:
    core = teams_core
    clock.now = datetime(2026, 3, 29, 22, 30, tzinfo=UTC)
    b_admin, a_reader = member(B, admin=True), member(A, admin=False)
    await said(core, "team timezone Asia/Baghdad", b_admin)
    await said(core, "team series add outages", b_admin)
    b_today, b_words = await core.words_for(b_admin)
    a_today, a_words = await core.words_for(a_reader)
    assert b_today == clock.now.astimezone(ZoneInfo("Asia/Baghdad")).date() == date(2026, 3, 30)
    assert a_today == clock.now.astimezone(core.settings.zone).date()
    assert "outages" in b_words.series.values() and "outages" not in a_words.series.values()


async def test_asking_from_no_teams_place_reads_the_shared_series_alone(teams_core: Core) -> None:
    core = teams_core
    await said(core, "team series add outages", member(B, admin=True))
    nowhere = Caller(user="U-dm", is_admin=True, platform="discord", channel="D1", team=NOWHERE)
    await said(core, "since attacks", nowhere)  # answered, not refused
    assert "not a series" in await refused(core, "since outages", nowhere)
    for text in ("team", "team series add mine", "team admin add <@5>"):
        assert "No team here" in await refused(core, text, nowhere)
    assert "owner teams" in await refused(core, "add 2026-03-01", nowhere)
    async with core.database.read() as session:
        assert await session.get(TeamSetting, NOWHERE) is None


async def test_a_channel_two_teams_share_is_kept_by_the_team_that_set_it_up(
    teams_core: Core,
) -> None:
    core = teams_core
    a_admin = Caller("U-a", True, "slack", "C-shared", team=A)
    b_admin = Caller("U-b", True, "slack", "C-shared", team="slack:TB")
    await said(core, "team series add outages", a_admin)
    await said(core, "subscribe alerts outages", a_admin)
    await said(core, "subscribe digest every monday 08:00", a_admin)
    for text in (
        "subscribe digest every day 09:00",
        "unsubscribe digest",
        "quiet 0-23",
        "timezone Asia/Tokyo",
    ):
        assert "kept by another team" in await refused(core, text, b_admin)
    assert "no quiet hours" in await said(core, "quiet", b_admin)  # asking changes nothing
    listed = await said(core, "subscriptions", b_admin)
    assert "outages" not in listed and "every monday" not in listed
    kept = await said(core, "subscriptions", a_admin)
    assert "alerts: outages" in kept and "every monday 08:00" in kept
    # The keeper sets the hours; the other team still may not.
    await said(core, "quiet 22:00-07:00", a_admin)
    assert "kept by another team" in await refused(core, "quiet off", b_admin)
    assert "22:00-07:00" in await said(core, "quiet", b_admin)


async def test_reviews_go_to_the_channels_of_those_who_decide_them(teams_core: Core) -> None:
    core = teams_core
    refusal = await refused(core, "subscribe reviews", member(B, admin=True))
    assert "owner teams" in refusal
    assert "Subscribed" in await said(core, "subscribe reviews", member(A, admin=True))


async def test_a_teams_series_name_never_becomes_a_series_of_the_settings(
    teams_core: Core, database: Database, database_url: str, clock: Clock
) -> None:
    core = teams_core
    assert "taken" in await refused(core, "team series add us-strikes", member(B, admin=True))
    await said(core, "team series add ceasefire", member(B, admin=True))
    # The operators later name `ceasefire` in the settings: the start refuses, changing nothing.
    series = {**core.settings.series, "ceasefire": SeriesSettings(noun="violation")}
    later = Core(
        database=database,
        settings=make_settings(database_url, owner_teams=[A], series=series),
        clock=clock,
    )
    with pytest.raises(SettingsError, match="own series of the team discord:200"):
        await later.prepare()
    subscription = SubscriptionSettings(
        kind="alerts", platform="slack", channel="CA", series="ceasefire", team=A
    )
    elsewhere = Core(
        database=database,
        settings=make_settings(database_url, owner_teams=[A], subscriptions=[subscription]),
        clock=clock,
    )
    with pytest.raises(SettingsError, match="a channel of another team cannot subscribe"):
        await elsewhere.prepare()
    async with core.database.read() as session:
        kept = (await session.scalars(select(Series).where(Series.name == "ceasefire"))).one()
        assert kept.team == B
        assert (await session.scalars(select(Subscription))).all() == []


async def test_a_sources_failures_are_told_to_the_teams_that_manage_it(teams_core: Core) -> None:
    core = teams_core
    a_admin = Caller("U-a", True, "slack", "C-a", team=A)
    b_admin = Caller("U-b", True, "discord", "C-b", team=B)
    await said(core, "subscribe alerts", a_admin)
    await said(core, "subscribe alerts", b_admin)
    await said(core, "team series add outages", b_admin)
    await said(core, "subscribe alerts outages", b_admin)
    url = "url:https://sheets.example.org/x.csv"
    await said(core, f"source add shared-sheet kind:csv {url}", a_admin)
    await said(core, f"source add b-sheet kind:csv {url} series:outages", b_admin)
    told: dict[str, list[str]] = {}
    async with core.database.write() as session:
        for source in (await session.scalars(select(Source))).all():
            reply = Reply(headline=f"Source {source.name} stopped working")
            cause = f"test-failing:{source.id}"
            await notices.tell(
                session, source, reply, cause=cause, now=core.clock(), settings=core.settings
            )
            rows = await session.scalars(
                select(OutboxMessage).where(OutboxMessage.key.startswith(cause + ":"))
            )
            told[source.name] = sorted(row.channel for row in rows)
    # The shared series' source: its owner team's channel, not B's (which reads the series).
    assert told == {"shared-sheet": ["C-a"], "b-sheet": ["C-b"]}


async def test_a_team_no_longer_an_owner_runs_nothing_into_the_shared_series(
    teams_core: Core, database: Database, database_url: str, clock: Clock
) -> None:
    url = "url:https://sheets.example.org/x.csv"
    await said(teams_core, f"source add a-sheet kind:csv {url}", member(A, admin=True))
    later = Core(
        database=database,
        settings=make_settings(database_url, owner_teams=[B], load_sample_data=False),
        clock=clock,
    )
    assert "no source 'a-sheet'" in await refused(
        later, "source run a-sheet", member(A, admin=True)
    )
    assert "no source 'a-sheet'" in await refused(
        later, "source remove a-sheet", member(A, admin=True)
    )
