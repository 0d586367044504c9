"""`pausewatch source ...` and `pausewatch review ...`: the same commands from the terminal."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.bot.test_cli import pausewatch

SHEET = (
    "series,date,country,location,kind,external_id\n"
    "attacks,2024-07-16,Iraq,Ain al-Assad,drone,S1\n"
    "attacks,2024-07-18,Syria,Tanf,rocket,S2\n"
)


class _Sheet(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.headers.get("If-None-Match") == '"v1"':
            self.send_response(304)
            self.end_headers()
            return
        body = SHEET.encode()
        self.send_response(200)
        self.send_header("ETag", '"v1"')
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def sheet_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Sheet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sheet.csv"
    finally:
        server.shutdown()


def test_sources_and_reviews_from_the_terminal(tmp_path: Path, sheet_url: str) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    # The fake sheet is on loopback, which a source reads only when the setting allows it.
    env = {"PAUSEWATCH_LOAD_SAMPLE_DATA": "false", "PAUSEWATCH_SOURCE_ALLOW_HOSTS": "127.0.0.1"}
    added = pausewatch(
        "source",
        "add",
        "sheet",
        "--kind",
        "csv",
        "--url",
        sheet_url,
        "--series",
        "attacks",
        "--reviewed",
        "--every",
        "30m",
        url=url,
        env=env,
    )
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith(f"Source sheet added: csv {sheet_url} → attacks, every 30m")
    ran = pausewatch("source", "run", "sheet", url=url, env=env)
    assert ran.stdout.startswith("Source sheet: read 2, 2 queued for review"), ran.stderr
    again = pausewatch("source", "run", "sheet", url=url, env=env)
    assert "unchanged since the last run" in again.stdout
    listed = pausewatch("review", "list", url=url, env=env)
    assert listed.stdout.startswith("2 incidents waiting for review")
    approved = pausewatch("review", "approve", "1", url=url, env=env)
    assert approved.stdout.startswith("Review #1 approved by console:")
    assert "recorded as incident #1" in approved.stdout
    rejected = pausewatch("review", "reject", "2", url=url, env=env)
    assert rejected.stdout.startswith("Review #2 rejected")
    listing = pausewatch("source", "list", url=url, env=env)
    assert "last run: ok" in listing.stdout and "unchanged" in listing.stdout
    wrong = pausewatch("source", "run", "nope", url=url, env=env)
    assert wrong.returncode == 1
    assert "there is no source 'nope'; `source list` lists them" in wrong.stderr
    bad = pausewatch("source", "add", "x", "--kind", "csv", "--every", "often", url=url, env=env)
    assert bad.returncode == 1 and "is not an interval" in bad.stderr
    removed = pausewatch("source", "remove", "sheet", url=url, env=env)
    assert removed.stdout.startswith("Source sheet removed")
