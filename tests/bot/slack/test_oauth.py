"""Many Slack workspaces: installed through Bolt's OAuth flow, each answered with its own token.

The bot serves HTTP mode with SLACK_CLIENT_ID and SLACK_CLIENT_SECRET; the loopback fake of
Slack's Web API hands out a bot token per team on oauth.v2.access and records the token of
every call. Installations and OAuth states are in the test database (SQLite, PostgreSQL).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import pytest
from aiohttp import web

from bot.commands.core import Core
from bot.domain.replies import Reply, reply_data
from bot.notify.delivery import Delivery
from bot.slack.app import SlackPlatform
from bot.slack.http import bound_port, serve
from bot.slack.settings import SlackSettings
from storage import outbox
from storage.database import Database
from tests.bot.slack.fake_slack import FakeSlack
from tests.bot.slack.signed import FORM, SECRET, eventually, signed_post
from tests.conftest import Clock, make_settings

CLIENT_ID = "1111.2222"
STATE_COOKIE = "slack-app-oauth-state"


@dataclass
class OAuthBot:
    """The bot serving many workspaces, and the fake Slack it talks to."""

    core: Core
    fake: FakeSlack
    base: str
    platform: SlackPlatform

    async def install(self, team: str) -> int:
        """Install the app in `team` as a person's browser does; return the redirect's status."""
        self.fake.oauth_codes[f"code-{team}"] = (team, f"xoxb-{team}")
        location, cookie = await self.start_install()
        state = parse_qs(urlsplit(location).query)["state"][0]
        status, _ = await self.redirect({"code": f"code-{team}", "state": state}, cookie)
        return status

    async def start_install(self) -> tuple[str, str]:
        """GET /slack/install; return where it sends the browser, and the state cookie."""
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{self.base}/slack/install", allow_redirects=False) as response,
        ):
            assert response.status == 302
            cookie = response.cookies[STATE_COOKIE].value
            return response.headers["Location"], cookie

    async def redirect(self, query: dict[str, str], cookie: str | None) -> tuple[int, str]:
        """GET /slack/oauth_redirect as Slack sends the browser back; return status and page."""
        headers = {"Cookie": f"{STATE_COOKIE}={cookie}"} if cookie is not None else {}
        async with (
            aiohttp.ClientSession() as session,
            session.get(
                f"{self.base}/slack/oauth_redirect?{urlencode(query)}", headers=headers
            ) as response,
        ):
            return response.status, await response.text()

    async def command(self, team: str, text: str, trigger: str) -> int:
        """Send a signed slash command from an admin of `team`; return the HTTP status once
        it is answered."""
        body = urlencode(
            {
                "command": "/incidents",
                "text": text,
                "user_id": "U-ADMIN",
                "channel_id": f"C-{team}",
                "team_id": team,
                "team_domain": team.lower(),
                "api_app_id": "A-PAUSEWATCH",
                "trigger_id": trigger,
                "response_url": self.fake.response_url(trigger),
            }
        )
        status, _ = await signed_post(f"{self.base}/slack/events", body, FORM)
        # The answer goes to the response URL once the command is carried out.
        await eventually(lambda: any(r["name"] == trigger for r in self.fake.responses))
        return status

    async def event(self, team: str, event: dict[str, object], event_id: str) -> int:
        """Send a signed Events API request from `team`; return the HTTP status."""
        envelope = {
            "token": "verification-token",
            "team_id": team,
            "api_app_id": "A-PAUSEWATCH",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": 1765000000,
        }
        status, _ = await signed_post(
            f"{self.base}/slack/events", json.dumps(envelope), "application/json"
        )
        return status


def _abandon(database: Database):  # type: ignore[no-untyped-def]
    async def abandon(team: str, reason: str) -> int:
        async with database.write() as session:
            return await outbox.abandon_team(session, platform="slack", team=team, reason=reason)

    return abandon


def _team_of(database: Database):  # type: ignore[no-untyped-def]
    async def team_of(message_id: int) -> str | None:
        async with database.read() as session:
            return await outbox.team_of(session, message_id)

    return team_of


@pytest.fixture
async def oauth_bot(
    database: Database, database_url: str, clock: Clock, fake_slack: FakeSlack
) -> AsyncIterator[OAuthBot]:
    """Serve the bot for many workspaces on a free loopback port, talking to the fake Slack."""
    core = Core(
        database=database, settings=make_settings(database_url, admins=["U-ADMIN"]), clock=clock
    )
    await core.prepare()
    slack = SlackSettings(
        slack_client_id=CLIENT_ID,
        slack_client_secret="client-secret",  # type: ignore[arg-type]
        slack_signing_secret=SECRET,  # type: ignore[arg-type]
        slack_api_url=fake_slack.api_url,
    )
    platform = SlackPlatform(core, slack, team_of=_team_of(database), abandon=_abandon(database))
    web_app = web.Application()
    platform.add_routes(web_app)
    runner = await serve(web_app, "127.0.0.1", 0)
    try:
        yield OAuthBot(core, fake_slack, f"http://127.0.0.1:{bound_port(runner)}", platform)
        # Commands and events are carried out after Slack is answered: let them finish.
        pool = database.engine.pool
        await eventually(lambda: pool.checkedout() == 0)  # type: ignore[attr-defined]
    finally:
        await runner.cleanup()


async def queue(core: Core, team: str | None, key: str) -> None:
    """Queue an alert for the team's channel, as the outbox rows of that team are."""
    async with core.database.write() as session:
        await outbox.enqueue(
            session,
            key=key,
            platform="slack",
            channel=f"C-{team}",
            kind="alert",
            payload={"reply": reply_data(Reply(f"alert {key}"))},
            now=core.clock(),
            team=team,
        )


async def deliver(bot: OAuthBot, clock: Clock) -> None:
    await Delivery(bot.core.database, [bot.platform.sender], clock=clock).run_once()


async def rows(core: Core) -> dict[str, tuple[str, str | None]]:
    async with core.database.read() as session:
        found = await outbox.unsent(session)
    return {row.key: (row.status, row.last_error) for row in found}


async def until_failed(core: Core, key: str) -> None:
    """Wait until a message is failed: an event's listener runs after Slack is answered."""
    for _ in range(200):
        if (await rows(core)).get(key, ("",))[0] == "failed":
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{key} was not failed")


async def test_install_sends_the_browser_to_slack_with_the_manifest_scopes_and_a_state(
    oauth_bot: OAuthBot,
) -> None:
    location, cookie = await oauth_bot.start_install()
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://slack.com/oauth/v2/authorize"
    query = parse_qs(parts.query)
    assert query["client_id"] == [CLIENT_ID]
    assert {"commands", "chat:write", "files:write"} <= set(query["scope"][0].split(","))
    assert query["state"] == [cookie]


async def test_two_workspaces_install_and_each_is_called_with_its_own_token(
    oauth_bot: OAuthBot, clock: Clock
) -> None:
    assert await oauth_bot.install("T1") == 200
    assert await oauth_bot.install("T2") == 200
    exchanges = oauth_bot.fake.called("oauth.v2.access")
    assert [e["code"] for e in exchanges] == ["code-T1", "code-T2"]

    # `subscribe` from an admin asks Slack whether the app is in the channel: with the
    # token of the team the command came from.
    assert await oauth_bot.command("T1", "subscribe alerts", "trig-1") == 200
    assert await oauth_bot.command("T2", "subscribe alerts", "trig-2") == 200
    await _eventually_called(oauth_bot.fake, "conversations.info", 2)
    infos = [c for c in oauth_bot.fake.calls if c.method == "conversations.info"]
    assert {(c.params["channel"], c.token) for c in infos} == {
        ("C-T1", "xoxb-T1"),
        ("C-T2", "xoxb-T2"),
    }

    # Each team's outbox rows are posted with that team's token.
    await queue(oauth_bot.core, "T1", "alert:1")
    await queue(oauth_bot.core, "T2", "alert:2")
    await deliver(oauth_bot, clock)
    posts = [c for c in oauth_bot.fake.calls if c.method == "chat.postMessage"]
    assert {(c.params["channel"], c.token) for c in posts} == {
        ("C-T1", "xoxb-T1"),
        ("C-T2", "xoxb-T2"),
    }


async def _eventually_called(fake: FakeSlack, method: str, count: int) -> None:
    await eventually(lambda: len(fake.called(method)) >= count)


async def test_a_missing_forged_or_reused_state_is_refused(oauth_bot: OAuthBot) -> None:
    oauth_bot.fake.oauth_codes["code-T1"] = ("T1", "xoxb-T1")
    # Bolt's answers: the browser's cookie does not match (400), the state was never issued
    # here or was used already (401).
    status, _ = await oauth_bot.redirect({"code": "code-T1"}, None)
    assert status == 400
    status, _ = await oauth_bot.redirect({"code": "code-T1", "state": "forged"}, "forged")
    assert status == 401
    location, cookie = await oauth_bot.start_install()
    state = parse_qs(urlsplit(location).query)["state"][0]
    # The state in the query but not in this browser's cookie: someone else's link.
    status, _ = await oauth_bot.redirect({"code": "code-T1", "state": state}, "other")
    assert status == 400
    assert oauth_bot.fake.called("oauth.v2.access") == []
    # This browser's own redirect installs; the same again (a replay) finds the state used.
    status, _ = await oauth_bot.redirect({"code": "code-T1", "state": state}, cookie)
    assert status == 200
    status, _ = await oauth_bot.redirect({"code": "code-T1", "state": state}, cookie)
    assert status == 401
    assert len(oauth_bot.fake.called("oauth.v2.access")) == 1


async def test_a_state_older_than_ten_minutes_on_the_bots_clock_is_refused(
    oauth_bot: OAuthBot, clock: Clock
) -> None:
    oauth_bot.fake.oauth_codes["code-T1"] = ("T1", "xoxb-T1")
    location, cookie = await oauth_bot.start_install()
    state = parse_qs(urlsplit(location).query)["state"][0]
    clock.now += timedelta(minutes=10, seconds=1)
    status, _ = await oauth_bot.redirect({"code": "code-T1", "state": state}, cookie)
    assert status == 401
    assert oauth_bot.fake.called("oauth.v2.access") == []


async def test_app_uninstalled_stops_that_teams_deliveries_only(
    oauth_bot: OAuthBot, clock: Clock
) -> None:
    await oauth_bot.install("T1")
    await oauth_bot.install("T2")
    await queue(oauth_bot.core, "T1", "alert:1")
    await queue(oauth_bot.core, "T2", "alert:2")
    assert await oauth_bot.event("T1", {"type": "app_uninstalled"}, "Ev-UNINSTALL") == 200
    await until_failed(oauth_bot.core, "alert:1")
    left = await rows(oauth_bot.core)
    assert left["alert:1"] == ("failed", "the Slack workspace T1 removed the app: not delivered")
    assert left["alert:2"][0] == "pending"
    # One queued for T1 after the uninstall is not sent either: T1 has no token now.
    await queue(oauth_bot.core, "T1", "alert:3")
    await deliver(oauth_bot, clock)
    posts = [c for c in oauth_bot.fake.calls if c.method == "chat.postMessage"]
    assert [(c.params["channel"], c.token) for c in posts] == [("C-T2", "xoxb-T2")]
    left = await rows(oauth_bot.core)
    assert left["alert:3"] == ("failed", "the Slack workspace T1 removed the app: not delivered")
    assert "alert:2" not in left  # sent
    # T2 still answers commands with its own token.
    assert await oauth_bot.command("T2", "subscribe alerts", "trig-3") == 200
    await _eventually_called(oauth_bot.fake, "conversations.info", 1)
    assert oauth_bot.fake.tokens("conversations.info") == ["xoxb-T2"]


async def test_tokens_revoked_for_the_bot_stops_that_teams_deliveries(
    oauth_bot: OAuthBot, clock: Clock
) -> None:
    await oauth_bot.install("T1")
    await oauth_bot.install("T2")
    await queue(oauth_bot.core, "T1", "alert:1")
    await queue(oauth_bot.core, "T2", "alert:2")
    revoked = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBT2"]}}
    assert await oauth_bot.event("T2", revoked, "Ev-REVOKED") == 200
    await until_failed(oauth_bot.core, "alert:2")
    await deliver(oauth_bot, clock)
    posts = [c for c in oauth_bot.fake.calls if c.method == "chat.postMessage"]
    assert [(c.params["channel"], c.token) for c in posts] == [("C-T1", "xoxb-T1")]
    left = await rows(oauth_bot.core)
    assert left == {"alert:2": ("failed", "the Slack workspace T2 removed the app: not delivered")}


async def test_a_row_without_a_team_is_not_posted_with_some_other_teams_token(
    oauth_bot: OAuthBot, clock: Clock
) -> None:
    await oauth_bot.install("T1")
    await queue(oauth_bot.core, None, "alert:none")
    await deliver(oauth_bot, clock)
    assert oauth_bot.fake.called("chat.postMessage") == []
    status, error = (await rows(oauth_bot.core))["alert:none"]
    assert status == "failed"
    assert error is not None and "names no Slack workspace" in error
