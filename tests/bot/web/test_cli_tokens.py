"""The CLI of the HTTP side: `pausewatch token create [--read]|list|revoke`, the settings, JSON logs."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from bot.app import JsonLogFormatter
from bot.settings import SettingsError, load_settings
from tests.bot.test_cli import pausewatch


def test_tokens_are_made_listed_and_revoked(database_url: str) -> None:
    made = pausewatch("token", "create", "newsroom-wall", url=database_url)
    assert made.returncode == 0, made.stderr
    secret = made.stdout.strip()
    assert len(secret) >= 40 and " " not in secret
    assert "shown this once" in made.stderr and "token:newsroom-wall" in made.stderr
    again = pausewatch("token", "create", "newsroom-wall", url=database_url)
    assert again.returncode == 1 and "already a token called 'newsroom-wall'" in again.stderr
    bad = pausewatch("token", "create", "two words", url=database_url)
    assert bad.returncode == 1 and "is not a token name" in bad.stderr
    listed = pausewatch("token", "list", url=database_url)
    assert "newsroom-wall" in listed.stdout and "last used never" in listed.stdout
    assert secret not in listed.stdout
    revoked = pausewatch("token", "revoke", "newsroom-wall", url=database_url)
    assert revoked.returncode == 0 and "is revoked" in revoked.stdout
    assert "revoked" in pausewatch("token", "list", url=database_url).stdout
    gone = pausewatch("token", "revoke", "newsroom-wall", url=database_url)
    assert gone.returncode == 1 and "there is no live token" in gone.stderr


def test_a_token_that_may_only_read(database_url: str) -> None:
    made = pausewatch("token", "create", "wall", "--read", url=database_url)
    assert made.returncode == 0, made.stderr
    assert "It may only read" in made.stderr and "?token=TOKEN" in made.stderr
    writer = pausewatch("token", "create", "wire", url=database_url)
    assert "It may read and write" in writer.stderr and "token:wire" in writer.stderr
    listed = pausewatch("token", "list", url=database_url).stdout.splitlines()
    assert listed[0].startswith("wall  reads only  made ")
    assert listed[1].startswith("wire  reads and writes  made ")
    assert "--read" in pausewatch("token", "create", "--help", url=database_url).stdout


def test_serve_and_token_have_help(database_url: str) -> None:
    serve = pausewatch("serve", "--help", url=database_url)
    assert serve.returncode == 0 and "--port" in serve.stdout and "board" in serve.stdout
    assert "token" in pausewatch("--help", url=database_url).stdout


def test_the_web_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    assert settings.web_port is None
    # Every read over HTTP needs a token until the admin opens it.
    assert (settings.api_public, settings.board_public, settings.badge_public) == (False,) * 3
    assert settings.log_format == "text" and settings.write_rate_per_minute == 60
    monkeypatch.setenv("PAUSEWATCH_WEB_PORT", "")
    assert load_settings().web_port is None
    monkeypatch.setenv("PAUSEWATCH_WEB_PORT", "8080")
    monkeypatch.setenv("PAUSEWATCH_BOARD_PUBLIC", "false")
    monkeypatch.setenv("PAUSEWATCH_LOG_FORMAT", "json")
    settings = load_settings()
    assert (settings.web_port, settings.board_public, settings.log_format) == (8080, False, "json")
    monkeypatch.setenv("PAUSEWATCH_WEB_PORT", "70000")
    with pytest.raises(SettingsError, match=r"setting web_port \(PAUSEWATCH_WEB_PORT\)"):
        load_settings()
    monkeypatch.setenv("PAUSEWATCH_WEB_PORT", "8080")
    monkeypatch.setenv("PAUSEWATCH_LOG_FORMAT", "yaml")
    with pytest.raises(SettingsError, match=r"setting log_format \(PAUSEWATCH_LOG_FORMAT\)"):
        load_settings()


def test_json_logs_are_one_object_a_line() -> None:
    formatter = JsonLogFormatter()
    try:
        raise ValueError("bad\nthing")
    except ValueError:
        record = logging.LogRecord(
            "bot.web", logging.ERROR, __file__, 1, 'error %s: "%s"', ("ab12", "x"), sys.exc_info()
        )
    line = formatter.format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "error" and entry["logger"] == "bot.web"
    assert entry["message"] == 'error ab12: "x"'
    assert "ValueError: bad\nthing" in entry["traceback"]
