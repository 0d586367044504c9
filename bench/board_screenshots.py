"""Screenshots of the wall board in headless Chromium, at 1920x1080 and 390x844, into docs/.

    .venv/bin/python -m bench.board_screenshots            # writes docs/board-*.png

The board is served from a fresh SQLite database holding the sample data set, on the
README's day (22 Jul 2024, 09:00 UTC), on a free loopback port; Chromium is Debian's
(`apt-get install chromium`). Like a wall screen, it opens the board with a read token in
its address (the board is not public by default).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bot.app import started
from bot.commands import tokens
from bot.commands.context import console_caller
from bot.commands.imports import import_file
from bot.settings import Settings
from bot.web.server import WebServer

DOCS = Path(__file__).resolve().parent.parent / "docs"
THE_DAY = datetime(2024, 7, 22, 9, 0, tzinfo=UTC)
SIZES = ((1920, 1080), (390, 844))
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def chromium() -> str:
    """Return Chromium's path, or stop with how to install it."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise SystemExit("no Chromium here: apt-get install -y chromium")


def screenshot(browser: str, url: str, size: tuple[int, int], out: Path, profile: Path) -> None:
    """Open `url` at `size` and write what the page shows to `out`."""
    subprocess.run(
        [
            browser,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={size[0]},{size[1]}",
            f"--screenshot={out}",
            url,
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


async def main(out: Path, path: str) -> None:
    """Serve the sample data and take each screenshot."""
    browser = chromium()
    with tempfile.TemporaryDirectory(prefix="pausewatch-board-") as folder:
        settings = Settings(database_url=f"sqlite+aiosqlite:///{folder}/board.db")
        async with started(settings, clock=lambda: THE_DAY) as core:
            await import_file(
                core.context,
                settings.sample_data,
                file_format="csv",
                series=None,
                caller=console_caller(),
                quiet=True,
            )
            secret = await tokens.create(core.context, "screenshots", scope=tokens.READ)
            address = f"{path}{'&' if '?' in path else '?'}token={secret}"
            server = WebServer(core, host="127.0.0.1", port=0)
            port = await server.start()
            try:
                for size in SIZES:
                    target = out / f"board-{size[0]}x{size[1]}.png"
                    await asyncio.to_thread(
                        screenshot,
                        browser,
                        f"http://127.0.0.1:{port}{address}",
                        size,
                        target,
                        Path(folder) / "profile",
                    )
                    print(f"wrote {target}")
            finally:
                await server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DOCS)
    parser.add_argument("--path", default="/board", help="the page to take, e.g. /board/attacks")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.out, arguments.path))
