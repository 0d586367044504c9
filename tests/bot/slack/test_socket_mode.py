"""Socket Mode: the bot connects out to (a fake of) Slack and answers over the socket."""

from __future__ import annotations

import asyncio

from bot.commands.core import Core
from bot.platforms import run_platforms
from bot.slack.app import SlackPlatform
from bot.slack.settings import SlackSettings
from tests.bot.slack.fake_slack import FakeSlack
from tests.conftest import Clock, make_settings


async def wait_for(condition, seconds: float = 10) -> None:
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("timed out")


async def test_a_slash_command_over_socket_mode_is_acknowledged_and_answered(
    database, database_url: str, clock: Clock, fake_slack: FakeSlack
) -> None:
    core = Core(
        database=database, settings=make_settings(database_url, admins=["U-ADMIN"]), clock=clock
    )
    await core.prepare()
    slack = SlackSettings(
        slack_bot_token="xoxb-test",
        slack_app_token="xapp-test",
        slack_api_url=fake_slack.api_url,
    )
    stop = asyncio.Event()
    running = asyncio.create_task(run_platforms(core, [SlackPlatform(core, slack)], stop))
    try:
        await wait_for(lambda: fake_slack.sockets)
        await fake_slack.push(
            {
                "envelope_id": "E-1",
                "type": "slash_commands",
                "accepts_response_payload": True,
                "payload": {
                    "command": "/incidents",
                    "text": "add 2024-07-16 country:Iraq",
                    "user_id": "U-ADMIN",
                    "channel_id": "C-OPS",
                    "team_id": "T-TEAM",
                    "trigger_id": "T-SOCKET",
                    "response_url": fake_slack.response_url("socket"),
                },
            }
        )
        await wait_for(lambda: fake_slack.responses)
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=10)
    assert [a["envelope_id"] for a in fake_slack.acknowledged] == ["E-1"]
    [answer] = fake_slack.responses
    assert answer["blocks"][0]["text"]["text"] == "Recorded attack #1 on 16 Jul 2024"
    assert fake_slack.called("apps.connections.open")
