"""`pausewatch run` for many Slack workspaces: refused until owner_teams names who writes the shared series."""

from __future__ import annotations

import asyncio
import signal

import aiohttp

from bot.cli.running import OWNERS_NEEDED
from tests.bot.slack.fake_slack import FakeSlack
from tests.bot.slack.signed import SECRET
from tests.bot.slack.test_run import environment, free_port, in_process, run_bot

OAUTH = {
    "SLACK_CLIENT_ID": "1111.2222",
    "SLACK_CLIENT_SECRET": "client-secret",
    "SLACK_SIGNING_SECRET": SECRET,
}


def test_many_workspaces_without_owner_teams_stop_start_up_saying_what_to_write(
    database_url: str,
) -> None:
    result = in_process(database_url, **OAUTH)
    assert result.returncode == 2, result.stderr
    assert OWNERS_NEEDED in " ".join(result.stderr.split())
    assert "PAUSEWATCH_OWNER_TEAMS=slack:T0123ABCD" in result.stderr
    assert "Traceback" not in result.stderr


async def test_many_workspaces_with_an_owner_team_serve_the_install_link(
    database_url: str, fake_slack: FakeSlack
) -> None:
    port = free_port()
    env = environment(
        database_url,
        **OAUTH,
        SLACK_API_URL=fake_slack.api_url,
        PAUSEWATCH_OWNER_TEAMS="slack:TA",
        PAUSEWATCH_HOST="127.0.0.1",
        PAUSEWATCH_PORT=str(port),
    )
    process = await run_bot(env)
    try:
        for _ in range(300):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                break
            except OSError:
                await asyncio.sleep(0.05)
        async with (
            aiohttp.ClientSession() as session,
            session.get(
                f"http://127.0.0.1:{port}/slack/install", allow_redirects=False
            ) as response,
        ):
            assert response.status == 302
            assert response.headers["Location"].startswith("https://slack.com/oauth/v2/authorize")
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, stderr.decode()
    assert "Traceback" not in stderr.decode()
