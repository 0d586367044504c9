"""Soak: the bot answers a stream of questions and adds while another process imports a big file.

    .venv/bin/python -m bench.soak                        # SQLite, 300,000 rows
    .venv/bin/python -m bench.soak --rows 100000 --database-url postgresql+asyncpg://...

The import runs as `pausewatch import` in its own process; this process runs the command
core (as every adapter does) and asks and adds in a loop until the import ends or
--seconds pass. Prints answered / failed / lost: failed is any error reply, lost an add that
was answered "Recorded" but is not stored (goal: 0 failed, 0 lost).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from bot.app import started
from bot.commands.core import Caller
from bot.commands.render_text import render_text
from bot.settings import Settings
from storage.models import Incident

QUESTIONS = [
    "since",
    "pause",
    "pauses",
    "last 5",
    "stats",
    "since country:Iraq",
    "since location:Ürdün",
]


def write_file(path: Path, rows: int) -> None:
    """Write an import file of `rows` incidents over twenty years, each with its own id."""
    with path.open("w", encoding="utf-8") as out:
        out.write("date,country,location,kind,external_id\n")
        for n in range(rows):
            year, day = 2000 + n % 20, 1 + n % 28
            out.write(f"{year}-{1 + n % 12:02d}-{day:02d},Iraq,Base {n % 40},drone,soak-{n}\n")


async def soak(url: str, rows: int, seconds: float, folder: Path) -> int:
    settings = Settings(database_url=url, load_sample_data=False)
    file = folder / "soak.csv"
    write_file(file, rows)
    answered = failed = 0
    recorded: list[str] = []
    async with started(settings) as core:
        env = {**os.environ, "PAUSEWATCH_DATABASE_URL": url, "PAUSEWATCH_LOAD_SAMPLE_DATA": "0"}
        importer = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "import", str(file), "--quiet", env=env, cwd=folder
        )
        began = time.monotonic()
        asker = Caller("soak-reader", False, "slack", "C1")
        admin = Caller("soak-admin", True, "slack", "C1")
        n = 0
        while importer.returncode is None and time.monotonic() - began < seconds:
            n += 1
            for text, caller in (
                (QUESTIONS[n % len(QUESTIONS)], asker),
                (f"add 2024-07-16 location:Soak-{n} kind:drone", admin),
            ):
                reply = await core.handle_once(text, caller, request_key=f"soak:{n}:{text}")
                if reply.reply.is_error:
                    failed += 1
                    print(f"failed: {text!r}: {render_text(reply.reply)}", file=sys.stderr)
                else:
                    answered += 1
                    if text.startswith("add"):
                        recorded.append(f"Soak-{n}")
            await asyncio.sleep(0.01)
        code = await importer.wait()
        async with core.database.read() as session:
            stored = set(
                await session.scalars(
                    select(Incident.location).where(Incident.location.like("Soak-%"))
                )
            )
    lost = sum(1 for name in recorded if name not in stored)
    print(
        f"import exit {code} after {time.monotonic() - began:.1f} s; "
        f"answered {answered}, failed {failed}, lost {lost} ({len(recorded)} adds recorded)"
    )
    return 0 if failed == 0 and lost == 0 and code == 0 else 1


def main() -> None:
    """Run the soak and exit 1 if anything failed or was lost."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--database-url", help="default: a new SQLite file")
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="pausewatch-soak-"))
    url = options.database_url or f"sqlite+aiosqlite:///{folder / 'soak.db'}"
    try:
        code = asyncio.run(soak(url, options.rows, options.seconds, folder))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    raise SystemExit(code)


if __name__ == "__main__":
    main()
