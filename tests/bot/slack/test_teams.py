"""Teams on Slack: two workspaces installed through the OAuth flow, each with its admins and series.

Workspace TA is the owner team (`owner_teams`), TB is not; nobody is an operator (`admins` is
empty), so each admin is one because users.info (the loopback fake, asked with the workspace's
own token) says so, or because their team's admins named them. Every request is signed and
sent to the bot as Slack sends it; every Web API call and its token is recorded by the fake.
On SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import pytest
from aiohttp import web

from bot.cli.running import _slack_platform
from bot.commands.core import Core
from bot.commands.teams import not_a_team_admin, not_an_owner
from bot.notify.delivery import Delivery
from bot.slack.app import SlackPlatform
from bot.slack.http import bound_port, serve
from bot.slack.settings import SlackSettings
from storage import outbox
from storage.database import Database
from tests.bot.slack.fake_slack import FakeSlack
from tests.bot.slack.signed import FORM, SECRET, eventually, signed_post
from tests.conftest import Clock, make_settings

STATE_COOKIE = "slack-app-oauth-state"
OWNER, OTHER = "TA", "TB"
# users.info: the admins of each workspace, and a member of TB who is not one.
PEOPLE = {
    "UA1": {"team_id": OWNER, "is_admin": True},
    "UB1": {"team_id": OTHER, "is_owner": True},
    "UB2": {"team_id": OTHER},
}

NOT_ADMIN = not_a_team_admin("subscribe").headline


@dataclass
class Teams:
    """The bot serving many workspaces, the fake Slack, and how a test talks to both."""

    core: Core
    fake: FakeSlack
    base: str
    platform: SlackPlatform
    clock: Clock
    _triggers: itertools.count = field(default_factory=lambda: itertools.count(1))

    async def install(self, team: str) -> None:
        """Install the app in `team` as a person's browser does, through the OAuth flow."""
        self.fake.oauth_codes[f"code-{team}"] = (team, f"xoxb-{team}")
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{self.base}/slack/install", allow_redirects=False) as start:
                assert start.status == 302
                cookie = start.cookies[STATE_COOKIE].value
                state = parse_qs(urlsplit(start.headers["Location"]).query)["state"][0]
            query = urlencode({"code": f"code-{team}", "state": state})
            async with session.get(
                f"{self.base}/slack/oauth_redirect?{query}",
                headers={"Cookie": f"{STATE_COOKIE}={cookie}"},
            ) as back:
                assert back.status == 200

    async def command(
        self, team: str, user: str, text: str, *, channel: str | None = None, **extra: str
    ) -> str:
        """Send a signed slash command from `user` in `team`; return its answer's text."""
        trigger = f"trig-{next(self._triggers)}"
        fields = {
            "command": "/incidents",
            "text": text,
            "user_id": user,
            "channel_id": channel or f"C-{team}",
            "team_id": team,
            "team_domain": team.lower(),
            "api_app_id": "A-PAUSEWATCH",
            "trigger_id": trigger,
            "response_url": self.fake.response_url(trigger),
            **extra,
        }
        status, _ = await signed_post(f"{self.base}/slack/events", urlencode(fields), FORM)
        assert status == 200
        await eventually(lambda: any(r["name"] == trigger for r in self.fake.responses))
        answer = next(r for r in self.fake.responses if r["name"] == trigger)
        return _text(answer)

    async def event(self, envelope: dict[str, Any]) -> None:
        """Send a signed Events API request; Slack is answered 200."""
        body = {"type": "event_callback", "api_app_id": "A-PAUSEWATCH", **envelope}
        status, _ = await signed_post(
            f"{self.base}/slack/events", json.dumps(body), "application/json"
        )
        assert status == 200

    async def deliver(self) -> None:
        await Delivery(self.core.database, [self.platform.sender], clock=self.clock).run_once()

    def posts(self) -> list[tuple[str, str | None]]:
        """Return (channel, token) of every message posted, in order."""
        return [
            (c.params["channel"], c.token)
            for c in self.fake.calls
            if c.method == "chat.postMessage"
        ]


def _text(answer: dict[str, Any]) -> str:
    """Return an answer's fallback text and the text of its blocks, as one string."""
    parts = [str(answer.get("text") or "")]
    for block in answer.get("blocks") or []:
        text = block.get("text")
        if isinstance(text, dict):
            parts.append(str(text.get("text", "")))
        for element in block.get("elements") or []:
            if isinstance(element, dict) and "text" in element:
                parts.append(str(element["text"]))
    return "\n".join(parts)


@pytest.fixture
async def teams(
    database: Database, database_url: str, clock: Clock, fake_slack: FakeSlack
) -> AsyncIterator[Teams]:
    """Serve many workspaces as `pausewatch run` wires them (bot/cli/running.py), TA the owner."""
    settings = make_settings(database_url, owner_teams=[f"slack:{OWNER}"])
    core = Core(database=database, settings=settings, clock=clock)
    await core.prepare()
    slack = SlackSettings(
        slack_client_id="1111.2222",
        slack_client_secret="client-secret",  # type: ignore[arg-type]
        slack_signing_secret=SECRET,  # type: ignore[arg-type]
        slack_api_url=fake_slack.api_url,
    )
    fake_slack.users.update(PEOPLE)
    platform = _slack_platform(core, slack)
    web_app = web.Application()
    platform.add_routes(web_app)
    runner = await serve(web_app, "127.0.0.1", 0)
    try:
        base = f"http://127.0.0.1:{bound_port(runner)}"
        yield Teams(core, fake_slack, base, platform, clock)
        pool = database.engine.pool
        await eventually(lambda: pool.checkedout() == 0)  # type: ignore[attr-defined]
    finally:
        await runner.cleanup()


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
