"""Teams on Slack: two workspaces installed through the OAuth flow, each with its admins and series.

Workspace TA is the owner team (`owner_teams`), TB is not; nobody is an operator (`admins` is
empty), so each admin is one because users.info (the loopback fake, asked with the workspace's
own token) says so, or because their team's admins named them. Every request is signed and
sent to the bot as Slack sends it; every Web API call and its token is recorded by the fake.
On SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio

from bot.commands.teams import not_an_owner
from storage import outbox
from storage.database import Database
from tests.bot.slack.workspaces import NOT_ADMIN, OTHER, OWNER, Teams


async def test_each_workspace_has_its_admins_channels_and_series_and_the_owner_writes_the_shared(
    teams: Teams, database: Database
) -> None:
    await teams.install(OWNER)
    await teams.install(OTHER)

    # Each workspace's admin (users.info, asked with that workspace's token) subscribes.
    assert "Subscribed" in await teams.command(OWNER, "UA1", "subscribe alerts")
    assert "Subscribed" in await teams.command(OTHER, "UB1", "subscribe alerts")
    asked = {(c.params["user"], c.token) for c in teams.fake.calls if c.method == "users.info"}
    assert asked == {("UA1", "xoxb-TA"), ("UB1", "xoxb-TB")}
    # A member who is no admin of TB is refused.
    refused = await teams.command(OTHER, "UB2", "subscribe alerts", channel="C-TB2")
    assert NOT_ADMIN in refused

    # An owner-team admin writes the shared series; the alert reaches both workspaces'
    # channels, each posted with its own workspace's token.
    assert "Recorded attack #1" in await teams.command(OWNER, "UA1", "add 2024-02-04")
    assert "Recorded attack #2" in await teams.command(OWNER, "UA1", "add 2024-04-22")
    await teams.deliver()
    posted = teams.posts()
    assert ("C-TA", "xoxb-TA") in posted and ("C-TB", "xoxb-TB") in posted
    assert set(posted) == {("C-TA", "xoxb-TA"), ("C-TB", "xoxb-TB")}

    # TB's admin may not write the shared series: not an owner.
    answer = await teams.command(OTHER, "UB1", "add 2024-05-01")
    assert not_an_owner("attacks", teams.core.settings) in answer
    # ... but keeps a series of TB's own, which TA does not see.
    assert "Made the series outages" in await teams.command(OTHER, "UB1", "team series add outages")
    assert "Recorded" in await teams.command(OTHER, "UB1", "add 2026-03-01 outages")
    assert "not a series" in await teams.command(OWNER, "UA1", "since outages")
    assert "since the last" in await teams.command(OTHER, "UB2", "since outages")

    # TB's admin names UB2 an admin of TB (a mention, as Slack writes one): UB2 now
    # subscribes in TB, and is no admin in TA.
    named = await teams.command(OTHER, "UB1", "team admin add <@UB2|bee>")
    assert "UB2" in named
    assert "Subscribed" in await teams.command(OTHER, "UB2", "subscribe alerts", channel="C-TB2")
    assert NOT_ADMIN in await teams.command(OWNER, "UB2", "subscribe alerts", channel="C-TA2")

    # TB removes the app: its pending alerts fail, TA still gets its next one.
    before = len(teams.posts())
    assert "Recorded attack" in await teams.command(OWNER, "UA1", "add 2024-07-16")
    await teams.event({"team_id": OTHER, "event": {"type": "app_uninstalled"}, "event_id": "Ev9"})
    await _until_no_pending_for(database, OTHER)
    await teams.deliver()
    assert teams.posts()[before:] == [("C-TA", "xoxb-TA")]
    async with database.read() as session:
        left = await outbox.unsent(session)
    failed = {(row.channel, row.status) for row in left}
    assert failed == {("C-TB", "failed"), ("C-TB2", "failed")}


async def _until_no_pending_for(database: Database, team: str) -> None:
    """Wait until the uninstall's listener (run after Slack is answered) failed the team's rows."""

    async def pending() -> bool:
        async with database.read() as session:
            rows = await outbox.unsent(session)
        return any(row.team == team and row.status == "pending" for row in rows)

    for _ in range(200):
        if not await pending():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{team}'s messages stayed pending")
