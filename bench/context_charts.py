"""The charts with notes and another series marked, as the bot draws them, into docs/context/.

    .venv/bin/python -m bench.context_charts        # writes docs/context/chart-notes-*.png

Two charts of `chart attacks with:us-strikes as-of 2024-07-22`, each from a fresh SQLite
database in a temporary directory, through the console script (PAUSEWATCH_NOW fixes the day):
the sample data set with four notes from the reference article, and a generated year of
attacks (a busy autumn, the two long pauses of 2024), nine days of U.S. strikes and seven
notes, to see that the marks hide no bar and stay readable when many are close together.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs" / "context"
ASKED = "chart attacks with:us-strikes as-of 2024-07-22"
SAMPLE_NOTES = [
    '2024-02-02 "U.S. strikes on 85 targets in Iraq and Syria"',
    '2024-02-07 "Last U.S. strike round: none since"',
    '2024-04-15 "Iraqi PM meets U.S. officials in Washington"',
    '2024-07-16 "Ain al-Assad attacked after 86 days"',
]
GENERATED_NOTES = [
    '2023-10-17 "Escalation begins after 7 Oct"',
    '2023-11-08 "U.S. strikes a weapons store in Syria"',
    '2023-12-25 "Strikes after the Erbil attack"',
    '2024-01-28 "Tower 22: three U.S. soldiers killed"',
    '2024-02-02 "U.S. strikes on 85 targets in Iraq and Syria"',
    '2024-04-15 "Iraqi PM in Washington"',
    '2024-07-16 "Ain al-Assad attacked"',
]
STRIKE_DAYS = [
    "2023-10-27",
    "2023-11-08",
    "2023-11-12",
    "2023-11-21",
    "2023-12-03",
    "2023-12-25",
    "2024-01-23",
    "2024-02-02",
    "2024-02-07",
]


def generated_rows() -> str:
    """A year of attacks with the 2024 pauses, and the strikes, in the pausewatch CSV schema."""
    chance = random.Random(7)
    rows = ["series,date,location,kind"]
    day = date(2023, 10, 17)
    quiet = [(date(2024, 2, 5), date(2024, 4, 20)), (date(2024, 4, 23), date(2024, 7, 15))]
    while day <= date(2024, 7, 20):
        paused = any(first <= day <= last for first, last in quiet)
        if not paused and chance.random() < 0.45:
            rows += [f"attacks,{day},Base {n},drone" for n in range(chance.randint(1, 3))]
        day += timedelta(days=1)
    rows += [f"us-strikes,{strike},,airstrike" for strike in STRIKE_DAYS]
    return "\n".join(rows) + "\n"


def pausewatch(folder: Path, *args: str) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PAUSEWATCH_")}
    environment["PAUSEWATCH_NOW"] = "2024-07-22T09:00:00Z"
    subprocess.run([sys.executable, "-m", "bot", *args], cwd=folder, env=environment, check=True)


def draw(name: str, data: str | None, notes: list[str]) -> Path:
    """Make one chart in a fresh directory; return where it was kept."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        if data is None:
            pausewatch(folder, "import", "--sample")
        else:
            (folder / "data.csv").write_text(data, encoding="utf-8")
            pausewatch(folder, "import", "data.csv", "--quiet")
        for note in notes:
            pausewatch(folder, "ask", f"note add {note}")
        pausewatch(folder, "ask", ASKED)
        DOCS.mkdir(parents=True, exist_ok=True)
        kept = DOCS / f"chart-notes-with-us-strikes-{name}.png"
        shutil.copy(folder / "charts" / "attacks-2024-07-22.png", kept)
    return kept


def main() -> None:
    """Draw both charts into docs/context/."""
    for kept in (
        draw("sample", None, SAMPLE_NOTES),
        draw("generated", generated_rows(), GENERATED_NOTES),
    ):
        print(kept)


if __name__ == "__main__":
    main()
