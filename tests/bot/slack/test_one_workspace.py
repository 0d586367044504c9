"""With one workspace, every Slack request is that workspace's team, whatever workspace it names.

In a Slack Connect channel a guest from another organisation asks with their own workspace's
id; if that id made the team, an admin of their own organisation would be an admin here. The
platform learns its workspace from auth.test at start (SlackPlatform.connect).
"""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web
from sqlalchemy import select

from bot.commands.core import Core
from bot.commands.teams import not_a_team_admin
from bot.slack.app import SlackPlatform
from bot.slack.http import bound_port, serve
from bot.slack.settings import SlackSettings
from storage.models import Subscription
from tests.bot.slack.fake_slack import FakeSlack
from tests.bot.slack.signed import FORM, SECRET, eventually, signed_post
from tests.conftest import Clock, make_settings

HOME, GUEST = "T-HOME", "T-GUEST"


def command(fake: FakeSlack, text: str, *, user: str, team: str, trigger: str) -> str:
    """Write a slash command's body as Slack sends it, from a person of `team`."""
    return urlencode(
        {
            "command": "/incidents",
            "text": text,
            "user_id": user,
            "channel_id": "C-SHARED",
            "team_id": team,
            "response_url": fake.response_url(trigger),
            "trigger_id": trigger,
        }
    )


async def test_a_slack_connect_guest_admin_of_their_own_workspace_is_no_admin_here(
    database, database_url: str, clock: Clock, fake_slack: FakeSlack
) -> None:
    core = Core(database=database, settings=make_settings(database_url), clock=clock)
    await core.prepare()
    fake_slack.fail("auth.test", 200, {"ok": True, "team_id": HOME, "user_id": "U-BOT"})
    fake_slack.users.update(
        {
            "U-GUEST": {"team_id": GUEST, "is_admin": True, "is_owner": True},
            "U-HOST": {"team_id": HOME, "is_admin": True},
        }
    )
    slack = SlackSettings(
        slack_bot_token="xoxb-test",  # type: ignore[arg-type]
        slack_signing_secret=SECRET,  # type: ignore[arg-type]
        slack_api_url=fake_slack.api_url,
    )
    platform = SlackPlatform(core, slack)
    await platform.connect()
    web_app = web.Application()
    platform.add_routes(web_app)
    runner = await serve(web_app, "127.0.0.1", 0)
    try:
        url = f"http://127.0.0.1:{bound_port(runner)}/slack/events"
        guest = command(fake_slack, "subscribe alerts", user="U-GUEST", team=GUEST, trigger="T1")
        assert (await signed_post(url, guest, FORM))[0] == 200
        await eventually(lambda: len(fake_slack.responses) >= 1)
        refused = str(fake_slack.responses[0])
        assert not_a_team_admin("subscribe").headline in refused
        host = command(fake_slack, "subscribe alerts", user="U-HOST", team=HOME, trigger="T2")
        assert (await signed_post(url, host, FORM))[0] == 200
        await eventually(lambda: len(fake_slack.responses) >= 2)
        assert "Subscribed" in str(fake_slack.responses[1])
        async with core.database.read() as session:
            [made] = (await session.scalars(select(Subscription))).all()
        assert (made.team, made.created_by) == (f"slack:{HOME}", "U-HOST")
    finally:
        await runner.cleanup()
