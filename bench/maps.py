"""The maps of docs/charts/: the sample data's and a generated data set's over several countries.

    .venv/bin/python -m bench.maps            # writes docs/charts/map-*.png

Each is drawn as chat's `map` draws it, from a fresh SQLite database on the README's day
(22 Jul 2024) for the sample, and on 25 Nov 2026 for the generated set
(tests/bot/notify/map_data.py: places the gazetteer knows, places it does not, points given
outright, and incidents with no place).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

from bot.app import started
from bot.commands.context import console_caller
from bot.commands.core import Caller
from bot.commands.imports import import_file
from bot.settings import Settings
from tests.bot.notify.map_data import generated, write_rows

CHARTS = Path(__file__).resolve().parent.parent / "docs" / "charts"
READER = Caller(user="docs", is_admin=False, platform="console")


async def draw(
    out: Path, name: str, moment: datetime, data: Path, question: str, folder: Path
) -> None:
    """Import `data` into a fresh database and write the map `question` draws to `out/name`."""
    settings = Settings(database_url=f"sqlite+aiosqlite:///{folder}/{name}.db")
    async with started(settings, clock=lambda: moment) as core:
        await import_file(
            core.context,
            data,
            file_format="csv",
            series=None,
            caller=console_caller(),
            quiet=True,
        )
        reply = await core.handle(question, READER)
    [drawn] = reply.attachments
    (out / name).write_bytes(drawn.content)
    print(f"wrote {out / name}: {reply.headline}; " + " ".join(reply.details))


async def main(out: Path) -> None:
    """Draw both maps into `out`, which exists."""
    with tempfile.TemporaryDirectory(prefix="pausewatch-maps-") as folder:
        sample = Settings().sample_data
        await draw(
            out, "map-sample.png", datetime(2024, 7, 22, 9, tzinfo=UTC), sample, "map", Path(folder)
        )
        rows = generated(29, 400, date(2025, 12, 1), date(2026, 11, 20))
        data = write_rows(Path(folder) / "generated.csv", rows)
        await draw(
            out,
            "map-generated.png",
            datetime(2026, 11, 25, 9, tzinfo=UTC),
            data,
            "map",
            Path(folder),
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=CHARTS)
    folder = parser.parse_args().out
    folder.mkdir(parents=True, exist_ok=True)
    asyncio.run(main(folder))
