"""Many Slack workspaces for tests: the bot as `pausewatch run` wires it, installed and asked by
signed requests, as Slack sends them, against the loopback fake of the Web API."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp

from bot.commands.core import Core
from bot.commands.teams import not_a_team_admin
from bot.notify.delivery import Delivery
from bot.slack.app import SlackPlatform
from tests.bot.slack.fake_slack import FakeSlack
from tests.bot.slack.signed import FORM, eventually, signed_post
from tests.conftest import NOW, Clock

STATE_COOKIE = "slack-app-oauth-state"
OWNER, OTHER = "TA", "TB"
# users.info: the admins of each workspace, and a member of TB who is not one.
PEOPLE: dict[str, dict[str, Any]] = {
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
        status, _ = await signed_post(
            f"{self.base}/slack/events", urlencode(fields), FORM, age=self.age()
        )
        assert status == 200
        await eventually(lambda: any(r["name"] == trigger for r in self.fake.responses))
        answer = next(r for r in self.fake.responses if r["name"] == trigger)
        return _text(answer)

    async def event(self, envelope: dict[str, Any]) -> None:
        """Send a signed Events API request; Slack is answered 200."""
        body = {"type": "event_callback", "api_app_id": "A-PAUSEWATCH", **envelope}
        await self.post(json.dumps(body), "application/json")

    async def post(self, body: str, content_type: str) -> str:
        """Send a signed request at the test clock's moment; Slack is answered 200 with this."""
        status, text = await signed_post(
            f"{self.base}/slack/events", body, content_type, age=self.age()
        )
        assert status == 200
        return text

    async def interaction(self, payload: dict[str, Any]) -> str:
        """Send a signed interaction (a button, a form, a menu's options) as Slack does."""
        return await self.post(urlencode({"payload": json.dumps(payload)}), FORM)

    def age(self) -> int:
        """Sign at the bot's moment, however far the test moved its clock."""
        return int((NOW - self.clock.now).total_seconds())

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
