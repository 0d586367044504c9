"""A database URL's password is never printed or logged, however the URL is malformed."""

from __future__ import annotations

import logging

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.settings import redacted_url

SECRET = "s3cr3tPW"
HOST = "127.0.0.1:1"  # nothing listens there: connecting fails at once
SHAPES = [
    f"postgresql+asyncpg://u:{SECRET}@{HOST}/db",
    f"postgresql+asyncpg://u:{SECRET}@127.0.0.1:notaport/db",
    f"postgres://u:{SECRET}@{HOST}/db",
    f"postgresql://u:{SECRET}@{HOST}/db",
    f"mysql://u:{SECRET}@{HOST}/db",
    f"u:{SECRET}@{HOST}/db",
    f"postgresql+asyncpg//u:{SECRET}@{HOST}/db",
    f"postgresql+asyncpg:/u:{SECRET}@{HOST}/db",
    f"postgresql+asyncpg://u:{SECRET}@127.0.0.1:99999/db",
    f"postgresql+asyncpg://u:{SECRET}@[::1/db",
    f"postgresql+asyncpg://u:{SECRET}@@{HOST}/db",
    f"postgresql+asyncpg://u:{SECRET}:x@{HOST}/db",
    f" postgresql+asyncpg://u:{SECRET}@{HOST}/db",
    f"postgresql+asyncpg://:{SECRET}@{HOST}/db",
    f"sqlite+aiosqlite://u:{SECRET}@/x.db",
    f"postgresql+asyncpg://u:{SECRET}@{HOST}/db?sslmode=require",
    f"postgresql+asyncpg://u@{HOST}/db?password={SECRET}",
    f"://u:{SECRET}@{HOST}",
    f"postgresql+asyncpg://u%3A{SECRET}@{HOST}/db",
    f"postgresql+nodriver://u:{SECRET}@{HOST}/db",
    f"postgresql+asyncpg://u:{SECRET}@{HOST}/db\n",
    f"postgresql+asyncpg://u:{SECRET}@{HOST}/db#frag",
]


@pytest.mark.parametrize("url", SHAPES)
def test_no_message_or_log_line_shows_the_password(
    url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("PAUSEWATCH_DATABASE_URL", url)
    caplog.set_level(logging.DEBUG)
    for command in (["migrate"], ["ask", "since"], ["-v", "export"]):
        result = CliRunner().invoke(app, command)
        said = result.output + (result.stderr if result.stderr_bytes is not None else "")
        assert result.exit_code != 0, said
        assert "error" in said, said
        assert SECRET not in said, said
        assert "Traceback" not in said, said
    assert SECRET not in caplog.text


def test_redacted_url_keeps_what_helps() -> None:
    assert redacted_url(f"postgresql+asyncpg://u:{SECRET}@db.example:5432/pw") == (
        "postgresql+asyncpg://***@db.example:5432/pw"
    )
    assert redacted_url("sqlite+aiosqlite:///pausewatch.db") == "sqlite+aiosqlite:///pausewatch.db"
