"""Benchmark: import rate and query times at 1,000,000 incidents, on SQLite and PostgreSQL.

    .venv/bin/python -m bench.bench                 # both databases, 1,000,000 incidents
    .venv/bin/python -m bench.bench --rows 100000 --backend sqlite

Prints import rows per second, the median and 99th-percentile time of each query command,
and the peak memory (max RSS) of the process that ran them. Each backend runs in its own
process so that its peak memory is its own.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import random
import resource
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import asyncpg
from bot.domain.history import RevisionCache
from sqlalchemy.engine import make_url

from bot.app import console_caller, import_file, started
from bot.commands.core import Core
from bot.settings import SeriesSettings, Settings

OUT = Path(__file__).resolve().parent / "out"
START = date(2005, 1, 1)
YEARS = 20
SERIES = {"attacks": 0.6, "us-strikes": 0.3, "outages": 0.1}
COUNTRIES = ["Iraq", "Syria", "Jordan", "Yemen", "Lebanon", "Israel"]
KINDS = ["drone", "rocket", "missile", "mortar", "IED", "small arms"]
LOCATIONS = [f"Base {n}" for n in range(40)]
QUERIES = [
    "since",
    "since country:Iraq",
    "pause",
    "pause kind:drone",
    "pauses",
    "pauses country:Syria",
    "last",
    "last 20 kind:rocket",
    "list from:2020-01-01 to:2020-01-31",
    "stats",
    "stats by:country",
    "stats by:month country:Jordan",
    "since outages",
    "pauses outages",
]
PG_DEFAULT = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def generate(path: Path, rows: int, seed: int = 17) -> None:
    """Write `rows` incidents over twenty years, in date order as exports are."""
    rng = random.Random(seed)
    span = (date(START.year + YEARS, 1, 1) - START).days
    days = sorted(rng.randrange(span) for _ in range(rows))
    names = list(SERIES)
    weights = list(SERIES.values())
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["series", "date", "country", "location", "kind", "killed", "source", "external_id"]
        )
        for n, offset in enumerate(days):
            writer.writerow(
                [
                    rng.choices(names, weights)[0],
                    (START + timedelta(days=offset)).isoformat(),
                    rng.choice(COUNTRIES),
                    rng.choice(LOCATIONS),
                    rng.choice(KINDS),
                    rng.choice(["", "0", "0", "1", "2"]),
                    "bench",
                    f"B{n}",
                ]
            )


def settings_for(url: str) -> Settings:
    """Return settings naming the benchmark's series, with nothing read from files."""
    return Settings(
        database_url=url,
        load_sample_data=False,
        series={name: SeriesSettings(noun=name.rstrip("s")) for name in SERIES},
    )


async def fresh_postgresql(base: str, name: str) -> str:
    dsn = make_url(base).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return make_url(base).set(database=name).render_as_string(hide_password=False)


async def timed(core: Core, text: str) -> float:
    """Return how long the core takes to answer `text`, in milliseconds."""
    began = time.perf_counter()
    await core.handle(text, console_caller())
    return (time.perf_counter() - began) * 1000


async def measure(url: str, data: Path, repeats: int, cold_repeats: int) -> None:
    async with started(settings_for(url)) as core:
        began = time.perf_counter()
        result = await import_file(
            core, data, file_format="csv", series=None, caller=console_caller()
        )
        seconds = time.perf_counter() - began
        rate = result.added / seconds
        print(f"  import: {result.added:,} rows in {seconds:.1f} s = {rate:,.0f} rows/s")
        # Let PostgreSQL's planner see the new table before timing queries.
        if core.database.engine.dialect.name == "postgresql":
            async with core.database.engine.begin() as connection:
                await connection.exec_driver_sql("ANALYZE")
        caller = console_caller()
        print(f"  {'query':<40} {'cold median':>12} {'warm median':>12} {'warm p99':>9}")
        for text in QUERIES:
            reply = await core.handle(text, caller)
            assert not reply.is_error, f"{text}: {reply.headline}"
            cold = []
            for _ in range(cold_repeats):
                core.questions.cache = RevisionCache()  # as after a write: nothing reusable
                cold.append(await timed(core, text))
            warm = sorted([await timed(core, text) for _ in range(repeats)])
            p99 = warm[min(len(warm) - 1, round(0.99 * (len(warm) - 1)))]
            print(
                f"  {text:<40} {statistics.median(cold):>10.2f}ms "
                f"{statistics.median(warm):>10.2f}ms {p99:>7.2f}ms"
            )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory (max RSS): {peak:,.0f} MiB")


def run_backend(backend: str, data: Path, repeats: int, cold_repeats: int, pg_url: str) -> None:
    if backend == "sqlite":
        path = OUT / "bench.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite+aiosqlite:///{path}"
    else:
        url = asyncio.run(fresh_postgresql(pg_url, "pausewatch_bench"))
    print(f"{backend}:")
    asyncio.run(measure(url, data, repeats, cold_repeats))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=200, help="warm timings per query")
    parser.add_argument("--cold-repeats", type=int, default=10, help="cold timings per query")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--postgresql-url", default=PG_DEFAULT)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    data = OUT / f"incidents-{args.rows}.csv"
    if not data.exists():
        began = time.perf_counter()
        generate(data, args.rows)
        print(f"generated {args.rows:,} incidents in {time.perf_counter() - began:.1f} s: {data}")
    if args.backend != "both":
        run_backend(args.backend, data, args.repeats, args.cold_repeats, args.postgresql_url)
        return
    for backend in ("sqlite", "postgresql"):
        command = [sys.executable, "-m", "bench.bench", "--backend", backend]
        command += ["--rows", str(args.rows), "--repeats", str(args.repeats)]
        command += ["--cold-repeats", str(args.cold_repeats)]
        command += ["--postgresql-url", args.postgresql_url]
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
