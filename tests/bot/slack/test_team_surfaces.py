"""Each Slack surface knows its workspace: Home tab, mentions, the add form, Enterprise Grid.

Two workspaces installed through the OAuth flow (TA the owner team, TB not; tests/bot/slack/
workspaces.py), each request signed and sent as Slack sends it, each Web API call and its token
recorded by the loopback fake. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from bot.commands.core import Caller
from bot.commands.teams import not_an_owner
from bot.sources.http import HttpFetcher
from tests.bot.slack.fake_slack import FakeSlack
from tests.bot.slack.signed import eventually, form
from tests.bot.slack.workspaces import NOT_ADMIN, OTHER, OWNER, Teams
from tests.bot.sources.fake_feeds import FakeSheet

GRID, ORGANISATION = "TG", "E0GRID"


@pytest.fixture
async def sheet() -> AsyncIterator[FakeSheet]:
    """A sheet on loopback that a source reads."""
    fake = FakeSheet()
    await fake.start()
    yield fake
    await fake.stop()


async def _with_outages(teams: Teams) -> None:
    """Install both workspaces; TB keeps a series of its own, `outages`, with one incident."""
    await teams.install(OWNER)
    await teams.install(OTHER)
    assert "Made the series outages" in await teams.command(OTHER, "UB1", "team series add outages")
    assert "Recorded" in await teams.command(OTHER, "UB1", "add 2026-03-01 outages")


def _home_opened(team: str, user: str, event_id: str) -> dict[str, Any]:
    return {
        "team_id": team,
        "event": {"type": "app_home_opened", "user": user, "tab": "home", "channel": "D1"},
        "event_id": event_id,
    }


async def _published(fake: FakeSlack, count: int) -> list[tuple[str, str | None, list[str]]]:
    """Wait for `count` views.publish calls; return each one's user, token and headers."""
    await eventually(lambda: len(fake.called("views.publish")) >= count)
    found = []
    for call in fake.calls:
        if call.method == "views.publish":
            view = call.params["view"]
            view = json.loads(view) if isinstance(view, str) else view
            headers = [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]
            found.append((call.params["user_id"], call.token, headers))
    return found


async def test_the_home_tab_shows_each_workspace_its_series_with_its_own_token(
    teams: Teams,
) -> None:
    await _with_outages(teams)
    await teams.event(_home_opened(OWNER, "UA2", "Ev1"))
    await teams.event(_home_opened(OTHER, "UB2", "Ev2"))
    first = await _published(teams.fake, 2)
    by_user = {user: (token, headers) for user, token, headers in first}
    assert by_user["UA2"][0] == "xoxb-TA"
    assert "outages" not in by_user["UA2"][1] and "attacks" in by_user["UA2"][1]
    assert by_user["UB2"][0] == "xoxb-TB"
    assert "outages" in by_user["UB2"][1] and "attacks" in by_user["UB2"][1]

    # A refresh after a write (from anywhere: here no request's token is in use) publishes
    # each workspace's tab with that workspace's token.
    await teams.platform.home.refresh()
    again = (await _published(teams.fake, 4))[2:]
    assert sorted((user, token) for user, token, _ in again) == [
        ("UA2", "xoxb-TA"),
        ("UB2", "xoxb-TB"),
    ]
    # TB removes the app: its viewers are not published to again.
    await teams.event({"team_id": OTHER, "event": {"type": "app_uninstalled"}, "event_id": "Ev3"})
    await _until_uninstalled(teams, OTHER)
    await teams.platform.home.refresh()
    last = (await _published(teams.fake, 5))[4:]
    assert [(user, token) for user, token, _ in last] == [("UA2", "xoxb-TA")]
    assert {workspace for workspace, _ in teams.platform.home.viewers} == {OWNER}


async def _until_uninstalled(teams: Teams, workspace: str) -> None:
    """Wait until the uninstall's listener (run after Slack is answered) removed the token."""
    tokens = teams.platform.home.tokens
    assert tokens is not None
    for _ in range(200):
        if await tokens(workspace) is None:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{workspace} is still installed")


async def test_a_mention_is_answered_for_the_workspace_it_was_made_in(teams: Teams) -> None:
    await _with_outages(teams)
    for team, user, event_id in ((OWNER, "UA2", "Ev1"), (OTHER, "UB2", "Ev2")):
        await teams.event(
            {
                "team_id": team,
                "event": {
                    "type": "app_mention",
                    "user": user,
                    "text": f"<@UB{team}> since outages",
                    "ts": f"1765000000.00000{event_id[-1]}",
                    "channel": f"C-{team}",
                    "event_ts": f"1765000000.00000{event_id[-1]}",
                },
                "event_id": event_id,
            }
        )
    await eventually(lambda: len(teams.fake.called("chat.postMessage")) >= 2)
    answers = {
        (c.params["channel"], c.token): c.params["text"]
        for c in teams.fake.calls
        if c.method == "chat.postMessage"
    }
    assert "not a series" in answers[("C-TA", "xoxb-TA")]
    assert "since the last" in answers[("C-TB", "xoxb-TB")]


def _suggestion(team: str, user: str, typed: str) -> dict[str, Any]:
    """The add form's series menu asking for its options (block_suggestion), as Slack sends it."""
    return {
        "type": "block_suggestion",
        "user": {"id": user, "username": user.lower(), "team_id": team},
        "container": {"type": "view", "view_id": "V1"},
        "api_app_id": "A-PAUSEWATCH",
        "token": "verification-token",
        "action_id": "series",
        "block_id": "series",
        "value": typed,
        "team": {"id": team, "domain": team.lower()},
        "enterprise": None,
        "is_enterprise_install": False,
    }


def _submission(team: str, user: str, series: str, view_id: str) -> dict[str, Any]:
    """The add form submitted (view_submission), answered in the form itself."""
    return {
        "type": "view_submission",
        "team": {"id": team, "domain": team.lower()},
        "user": {"id": user, "team_id": team},
        "api_app_id": "A-PAUSEWATCH",
        "trigger_id": f"trig-{view_id}",
        "view": {
            "id": view_id,
            "type": "modal",
            "callback_id": "pausewatch_add",
            "private_metadata": json.dumps({"channel": f"C-{team}", "response_url": None}),
            "hash": "h1",
            "state": {"values": form(date="2024-05-01", series=series)},
        },
        "response_urls": [],
        "is_enterprise_install": False,
    }


async def test_the_add_form_offers_and_writes_the_series_of_its_workspace(teams: Teams) -> None:
    await _with_outages(teams)
    options = json.loads(await teams.interaction(_suggestion(OWNER, "UA1", "")))["options"]
    assert "outages" not in [o["value"] for o in options]
    options = json.loads(await teams.interaction(_suggestion(OTHER, "UB1", "out")))["options"]
    assert [o["value"] for o in options] == ["outages"]

    # TB's admin may not add to the shared series from the form, and may add to TB's own.
    refused = json.loads(await teams.interaction(_submission(OTHER, "UB1", "attacks", "V1")))
    assert not_an_owner("attacks", teams.core.settings) in json.dumps(refused["view"])
    taken = json.loads(await teams.interaction(_submission(OTHER, "UB1", "outages", "V2")))
    assert "Recorded" in json.dumps(taken["view"])
    # A member who is no admin of TB may not add at all.
    member = json.loads(await teams.interaction(_submission(OTHER, "UB2", "outages", "V3")))
    assert "admins" in json.dumps(member["view"])


async def test_users_info_is_asked_again_after_five_minutes_and_a_failure_makes_no_admin(
    teams: Teams,
) -> None:
    await teams.install(OTHER)
    teams.fake.fail("users.info", 200, {"ok": False, "error": "missing_scope"})
    assert NOT_ADMIN in await teams.command(OTHER, "UB1", "subscribe alerts")
    # A failure is not asked again for a while; then Slack says UB1 owns the workspace.
    teams.clock.now += timedelta(seconds=31)
    assert "Subscribed" in await teams.command(OTHER, "UB1", "subscribe alerts")
    asked = len(teams.fake.called("users.info"))
    assert asked == 2
    # The answer is kept five minutes: the workspace demotes UB1, who stays an admin a while.
    teams.fake.users["UB1"] = {"team_id": OTHER, "is_owner": False}
    teams.clock.now += timedelta(minutes=4)
    assert "Subscribed" in await teams.command(OTHER, "UB1", "subscribe alerts", channel="C-2")
    assert len(teams.fake.called("users.info")) == asked
    teams.clock.now += timedelta(minutes=1, seconds=1)
    assert NOT_ADMIN in await teams.command(OTHER, "UB1", "subscribe alerts", channel="C-3")
    assert len(teams.fake.called("users.info")) == asked + 1


async def test_an_admin_of_another_workspace_is_no_admin_here(teams: Teams) -> None:
    await teams.install(OWNER)
    await teams.install(OTHER)
    # UA1 is TA's admin; asking from TB (a shared channel), users.info still says TA.
    assert NOT_ADMIN in await teams.command(OTHER, "UA1", "subscribe alerts")


async def test_an_enterprise_grid_workspace_is_installed_found_and_delivered_to(
    teams: Teams,
) -> None:
    teams.fake.enterprises[GRID] = ORGANISATION
    teams.fake.users["UG1"] = {
        "team_id": GRID,
        "is_admin": True,
        "enterprise_user": {"enterprise_id": ORGANISATION, "teams": [GRID]},
    }
    await teams.install(OWNER)
    await teams.install(GRID)
    # A slash command from the grid's workspace, with its organisation as Slack names it.
    grid = {
        "enterprise_id": ORGANISATION,
        "enterprise_name": "Grid",
        "is_enterprise_install": "false",
    }
    assert "Subscribed" in await teams.command(GRID, "UG1", "subscribe alerts", **grid)
    assert teams.fake.tokens("conversations.info") == ["xoxb-TG"]
    # An event as Slack sends it from a grid: the organisation and the authorizations.
    envelope = {
        "team_id": GRID,
        "enterprise_id": ORGANISATION,
        "context_team_id": GRID,
        "context_enterprise_id": ORGANISATION,
        "event": {"type": "app_home_opened", "user": "UG1", "tab": "home", "channel": "D9"},
        "event_id": "EvG",
        "event_time": 1765000000,
        "authorizations": [
            {
                "enterprise_id": ORGANISATION,
                "team_id": GRID,
                "user_id": "UBTG",
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }
    await teams.event(envelope)
    [(user, token, _)] = await _published(teams.fake, 1)
    assert (user, token) == ("UG1", "xoxb-TG")
    # The owner's incidents alert the grid workspace's channel with its token.
    assert "Recorded" in await teams.command(OWNER, "UA1", "add 2024-02-04")
    assert "Recorded" in await teams.command(OWNER, "UA1", "add 2024-04-22")
    await teams.deliver()
    assert teams.posts() == [("C-TG", "xoxb-TG")]
    # And its uninstall (the organisation named) stops it.
    await teams.event({**envelope, "event": {"type": "app_uninstalled"}, "event_id": "EvU"})
    await _until_uninstalled(teams, GRID)


def _click(team: str, user: str, action: str, response_url: str) -> dict[str, Any]:
    """A review button clicked (block_actions), as Slack sends it."""
    return {
        "type": "block_actions",
        "team": {"id": team, "domain": team.lower()},
        "user": {"id": user, "username": user.lower(), "team_id": team},
        "api_app_id": "A-PAUSEWATCH",
        "trigger_id": f"trig-{user}-{action}",
        "container": {"type": "message", "channel_id": f"C-{team}", "message_ts": "1.000001"},
        "channel": {"id": f"C-{team}", "name": "review"},
        "message": {"type": "message", "ts": "1.000001", "text": "Review #1"},
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "block_id": "pausewatch_actions",
                "action_id": action,
                "value": "1",
                "action_ts": "2.000001",
            }
        ],
        "is_enterprise_install": False,
    }


async def test_a_review_of_the_shared_series_is_decided_by_an_owner_teams_admin(
    teams: Teams, sheet: FakeSheet
) -> None:
    await teams.install(OWNER)
    await teams.install(OTHER)
    core = teams.core
    # The install's own source (no team) brings one candidate for the shared series.
    core.settings = core.settings.model_copy(update={"source_allow_hosts": ["127.0.0.1"]})
    core.fetcher = HttpFetcher(core.settings)
    operator = Caller("ops", True)
    sheet.publish("date,location,external_id\n2024-07-16,Ain al-Assad,S1\n", '"v1"')
    added = await core.handle(f"source add sheet kind:csv url:{sheet.url} reviewed", operator)
    assert not added.is_error, added.headline
    assert "1 queued for review" in (await core.handle("source run sheet", operator)).headline

    async def press(team: str, user: str, name: str) -> dict[str, Any]:
        await teams.interaction(_click(team, user, "review_approve", teams.fake.response_url(name)))
        await eventually(lambda: any(r["name"] == name for r in teams.fake.responses))
        return next(r for r in teams.fake.responses if r["name"] == name)

    # TB's admin (users.info) is not an owner; TA's is, and approves it.
    refused = await press(OTHER, "UB1", "r1")
    assert refused["replace_original"] is False
    assert not_an_owner("attacks", core.settings) in refused["text"]
    approved = await press(OWNER, "UA1", "r2")
    assert approved["replace_original"] is True
    assert "Review #1 approved by UA1" in approved["text"]
