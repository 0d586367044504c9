"""The command line under bad input: bytes that are not UTF-8, a megabyte command."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from bot.cli import app
from tests.console_script import pausewatch


@pytest.fixture(autouse=True)
def _no_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAUSEWATCH_LOAD_SAMPLE_DATA", "false")
    monkeypatch.setenv("PAUSEWATCH_NOW", "2026-11-25T12:00:00Z")


def test_an_argument_that_is_not_utf8_is_refused_plainly() -> None:
    # Python hands undecodable argv bytes over as lone surrogates (here b"\xff").
    result = CliRunner().invoke(app, ["ask", "since \udcff"])
    assert result.exit_code == 1
    assert "not valid UTF-8" in result.output
    assert "Traceback" not in result.output


def console(stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    """Run the console bot as a process, its commands piped in (read from the pipe itself)."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "run"], input=stdin, capture_output=True, timeout=120
    )


def test_standard_input_that_is_not_utf8_does_not_stop_the_console() -> None:
    env = {name: os.environ[name] for name in ("PAUSEWATCH_LOAD_SAMPLE_DATA", "PAUSEWATCH_NOW")}
    result = pausewatch("run", env=env, stdin=b"since \xff\xfe\nsince as-of 2026-11-01\n")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Traceback" not in output
    assert "line 1 is not UTF-8 text and was skipped" in output
    assert output.count("No attacks recorded") == 1, output  # the next line is answered


def test_a_megabyte_command_is_refused_by_its_length() -> None:
    huge = "since " + "x" * 1_000_000
    asked = CliRunner().invoke(app, ["ask", huge])
    assert asked.exit_code == 1
    assert "That command is 1,000,006 characters long" in asked.output
    piped = console((huge + "\nsince\n").encode())
    output = piped.stdout.decode() + piped.stderr.decode()
    assert "That command is 1,000,006 characters long" in output
    assert "No attacks recorded" in output
