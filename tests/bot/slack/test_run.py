"""`pausewatch run` against the fake Slack: start-up errors in-process, HTTP mode as a process."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import Iterator

import aiohttp
import pytest

from tests.bot.slack.fake_slack import FakeSlack
from tests.bot.slack.signed import SECRET, send_command
from tests.conftest import NOW
from tests.console_script import BackgroundLoop, Ran, pausewatch


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(database_url: str, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PAUSEWATCH_", "SLACK_", "DISCORD_"))
    }
    env.update(
        {"PAUSEWATCH_DATABASE_URL": database_url, "PAUSEWATCH_NOW": NOW.isoformat(), **extra}
    )
    return env


async def run_bot(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


def in_process(database_url: str, **extra: str) -> Ran:
    """`pausewatch run` in this process: start-up errors need no process of their own."""
    env = {"PAUSEWATCH_DATABASE_URL": database_url, "PAUSEWATCH_NOW": NOW.isoformat(), **extra}
    return pausewatch("run", env=env)


@pytest.fixture
def slack_in_a_thread() -> Iterator[FakeSlack]:
    """The fake Slack on a loop of its own, so that a command can run in this thread."""
    fake = FakeSlack()
    with BackgroundLoop() as background:
        background.call(fake.start())
        yield fake
        background.call(fake.stop())


def test_bad_slack_settings_stop_start_up_with_a_clear_message(
    database_url: str, slack_in_a_thread: FakeSlack
) -> None:
    fake_slack = slack_in_a_thread
    cases = [
        ({"SLACK_BOT_TOKEN": "abc"}, "SLACK_BOT_TOKEN: a bot token starts with xoxb-"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "neither SLACK_APP_TOKEN (Socket Mode) nor"),
        (
            {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": "nope"},
            "SLACK_API_URL: 'nope' is not a URL",
        ),
    ]
    fake_slack.fail("auth.test", 200, {"ok": False, "error": "invalid_auth"})
    refused = {
        "SLACK_BOT_TOKEN": "xoxb-revoked",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake_slack.api_url,
    }
    cases.append((refused, "Slack refused SLACK_BOT_TOKEN (invalid_auth)"))
    for extra, message in cases:
        result = in_process(database_url, **extra)
        assert result.returncode == 2, result.stderr
        assert message in result.stderr
        assert "Traceback" not in result.stderr
    assert fake_slack.called("auth.test")  # the last one was refused by Slack itself


def test_slack_unreachable_at_start_up_is_one_clear_line(database_url: str) -> None:
    closed = f"http://127.0.0.1:{free_port()}/api/"  # nothing listens there: refused
    result = in_process(
        database_url, SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=closed
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"error: cannot reach Slack at {closed} (")
    assert "check the network, or SLACK_API_URL" in lines[0]


async def test_http_mode_answers_a_slash_command_and_stops_cleanly(
    database_url: str, fake_slack: FakeSlack
) -> None:
    port = free_port()
    env = environment(
        database_url,
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake_slack.api_url,
        PAUSEWATCH_HOST="127.0.0.1",
        PAUSEWATCH_PORT=str(port),
        PAUSEWATCH_ADMINS="U-ADMIN",
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
        url = f"http://127.0.0.1:{port}/slack/events"
        commands = ["add 2024-04-22", "since as-of 2024-07-15"]
        for number, text in enumerate(commands, start=1):
            assert (
                await send_command(url, fake_slack, text, user="U-ADMIN", trigger=f"T{number}")
                == 200
            )
            for _ in range(250):
                if len(fake_slack.responses) == number:
                    break
                await asyncio.sleep(0.02)
        added, answer = fake_slack.responses
        assert added["blocks"][0]["text"]["text"] == "Recorded attack #1 on 22 Apr 2024"
        assert answer["blocks"][0]["text"]["text"] == "84 days since the last attack"
        assert fake_slack.called("auth.test")
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, stderr.decode()
    assert f"pausewatch answers Slack at http://127.0.0.1:{port}/slack/events" in stderr.decode()
    # Bolt's "As you gave `client` as well, `token` will be unused" is not logged.
    assert "will be unused" not in stderr.decode()
    assert "Traceback" not in stderr.decode()


async def test_with_the_http_side_on_slack_and_the_api_share_one_port(
    database_url: str, fake_slack: FakeSlack
) -> None:
    slack_port, web_port = free_port(), free_port()
    env = environment(
        database_url,
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake_slack.api_url,
        PAUSEWATCH_HOST="127.0.0.1",
        PAUSEWATCH_PORT=str(slack_port),
        PAUSEWATCH_WEB_HOST="127.0.0.1",
        PAUSEWATCH_WEB_PORT=str(web_port),
    )
    process = await run_bot(env)
    try:
        for _ in range(300):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", web_port)
                writer.close()
                break
            except OSError:
                await asyncio.sleep(0.05)
        url = f"http://127.0.0.1:{web_port}/slack/events"
        assert await send_command(url, fake_slack, "help", user="U-1", trigger="T1") == 200
        for _ in range(250):
            if fake_slack.responses:
                break
            await asyncio.sleep(0.02)
        assert fake_slack.responses[0]["blocks"][0]["text"]["text"].startswith("pausewatch:")
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{web_port}/healthz") as health,
        ):
            assert health.status == 200
        with pytest.raises(OSError):  # nothing listens on Slack's own port any more
            await asyncio.open_connection("127.0.0.1", slack_port)
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, stderr.decode()
    assert "Traceback" not in stderr.decode()
