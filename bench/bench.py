"""Benchmark: import and answer times at millions of incidents, beside limits measured alike.

    .venv/bin/python -m bench.bench                      # 1,000,000 incidents, both databases
    .venv/bin/python -m bench.bench --rows 5000000
    .venv/bin/python -m bench.bench --rows 100000 --backend sqlite --repeats 20
    .venv/bin/python -m bench.bench --profile acled  # ACLED-shaped: 50,000 places, long tails

For each database, in its own process: the import through `pausewatch import`'s own code,
beside a raw insert of the same rows (executemany on SQLite, COPY on PostgreSQL); every
question verb with no filter and with one or two filters, timed cold (the first answer after
a write to the series, as after every new incident) and warm (asked again), beside the same
answer's database work done by hand in one SQL statement; `pausewatch ask since` as a whole
process; the resident memory of a bot that answered everything. The machine is shared:
read the ratios more than the milliseconds. The data sets (--profile) are bench/profiles.py's;
the raw insert and the sizes of the database and the raw table, bench/sizes.py's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench.profiles import PROFILES, SERIES, SMALL, Profile, filters_for, generate, summary
from bench.sizes import database_bytes, raw_insert, report_sizes, tables
from bot.app import started
from bot.commands.context import console_caller
from bot.commands.core import Caller, Core
from bot.commands.imports import import_file
from bot.settings import SeriesSettings, Settings

OUT = Path(__file__).resolve().parent / "out"
VERBS = ["since", "pause", "pauses", "last", "list from:2020-01-01 to:2020-01-31", "stats"]
PG_DEFAULT = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
ADMIN = Caller("bench", True)


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


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


async def clock(work: Callable[[], Awaitable[Any]], repeats: int) -> float:
    """Return the median time of `work` in milliseconds."""
    samples = []
    for _ in range(repeats):
        began = time.perf_counter()
        await work()
        samples.append(time.perf_counter() - began)
    return median_ms(samples)


# The limits: what the database itself takes for the rows an answer needs.


LIMIT_SQL = {
    # The last incident day: one index seek in the day table.
    "since": "SELECT max(occurred_on) FROM day_counts WHERE {one}",
    # The pauses: one window over the incident days.
    "pause": "SELECT max(gap) FROM (SELECT {day} - lag({day}) OVER (ORDER BY occurred_on) AS gap "
    "FROM day_counts WHERE {one}) g",
    "pauses": "SELECT occurred_on, gap FROM (SELECT occurred_on, {day} - lag({day}) OVER "
    "(ORDER BY occurred_on) AS gap FROM day_counts WHERE {one}) g ORDER BY gap DESC LIMIT 10",
    "last": "SELECT * FROM incidents WHERE series_id = 1 ORDER BY occurred_on DESC LIMIT 5",
    "list": "SELECT * FROM incidents WHERE series_id = 1 AND occurred_on BETWEEN '2020-01-01' "
    "AND '2020-01-31' ORDER BY occurred_on LIMIT 50",
    # Counts: one pass over the incident days.
    "stats": "SELECT count(*), sum(incidents) FROM day_counts WHERE {one}",
}


async def limit_ms(core: Core, verb: str, repeats: int) -> float:
    """Time the database work an unfiltered answer needs, written by hand in one statement."""
    postgres = core.database.engine.dialect.name == "postgresql"
    day = "(occurred_on - DATE '2000-01-01')" if postgres else "julianday(occurred_on)"
    one = "series_id = 1 AND dimension = '' AND value = '' AND incidents > 0"
    statement = text(LIMIT_SQL[verb.split()[0]].format(day=day, one=one))

    async def run() -> None:
        async with core.database.read() as session:
            (await session.execute(statement)).all()

    return await clock(run, repeats)


async def imported(
    core: Core, data: Path, profile: Profile, results: dict[str, Any]
) -> dict[str, Any]:
    """Import the file through `pausewatch import`'s own code, then insert it raw, timing both;
    the database's size after the import and the raw table's, with their indexes."""
    began = time.perf_counter()
    result = await import_file(
        core.context, data, file_format="csv", series=None, caller=console_caller(), quiet=True
    )
    seconds = time.perf_counter() - began
    results["import_rate"] = result.added / seconds
    results["import_seconds"] = seconds
    results["database_bytes"] = await database_bytes(core)
    results["tables"] = await tables(core)
    results["raw_rate"], results["raw_bytes"] = await raw_insert(core, data, profile.raw_indexes)
    return results


async def timed_questions(
    core: Core, filters: list[str], repeats: int, cold_repeats: int
) -> list[tuple[str, float, float, float]]:
    """Every verb with every filter, cold (after a write) and warm, beside its limit."""
    backfill = iter(range(10_000))

    async def write() -> None:
        # A backfill into 2004: a real write to the series, so nothing cached holds.
        day = date(2004, 1, 1) + timedelta(days=next(backfill) % 366)
        reply = await core.handle(f"add {day.isoformat()} location:elsewhere", ADMIN)
        assert not reply.is_error, reply.headline

    timed = []
    for verb in VERBS:
        limit = await limit_ms(core, verb, repeats)
        for question in (f"{verb} {f}".strip() for f in filters):
            reply = await core.handle(question, ADMIN)
            assert not reply.is_error, f"{question}: {reply.headline}"
            cold = []
            for _ in range(cold_repeats):
                await write()
                began = time.perf_counter()
                await core.handle(question, ADMIN)
                cold.append(time.perf_counter() - began)
            warm = await clock(partial(core.handle, question, ADMIN), repeats)
            timed.append((question, median_ms(cold), warm, limit))
    return timed


async def measure(url: str, data: Path, run: Run) -> dict[str, Any]:
    results: dict[str, Any] = {"filters": run.filters}
    async with started(settings_for(url)) as core:
        if not run.reuse:
            await imported(core, data, run.profile, results)
        if core.database.engine.dialect.name == "postgresql":
            async with core.database.engine.begin() as connection:
                await connection.exec_driver_sql("ANALYZE")
        results["queries"] = await timed_questions(core, run.filters, run.repeats, run.cold_repeats)
    results["ask_process"] = ask_process_seconds(url)
    results["bot_rss"] = bot_rss(url, run.filters)
    return results


def ask_process_seconds(url: str, repeats: int = 5) -> float:
    """Return the median wall time of `pausewatch ask since` as a whole process."""
    env = {**os.environ, "PAUSEWATCH_DATABASE_URL": url, "PAUSEWATCH_LOAD_SAMPLE_DATA": "false"}
    samples = []
    for _ in range(repeats):
        began = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bot", "ask", "since"], env=env, check=True, capture_output=True
        )
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def bot_rss(url: str, filters: list[str]) -> float:
    """Return the peak resident memory (MiB) of a bot that answered every question."""
    command = [sys.executable, "-m", "bench.bench", "--answer-only", url]
    out = subprocess.run(
        [*command, "--filters", json.dumps(filters)],
        check=True,
        capture_output=True,
        text=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


async def answer_everything(url: str, every: list[str]) -> None:
    async with started(settings_for(url)) as core:
        for verb in VERBS:
            for filters in every:
                await core.handle(f"{verb} {filters}".strip(), ADMIN)
    print(peak_rss_mib())


def peak_rss_mib() -> float:
    """Return this process's peak resident memory in MiB.

    From /proc (VmHWM, this program's own memory) where there is one: Linux keeps
    getrusage's ru_maxrss across exec, so a child would report its parent's peak.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def report(backend: str, rows: int, results: dict[str, Any], profile: Profile) -> None:
    """Print one database's figures, each beside its limit and goal."""
    goals = profile.goals
    print(f"\n{backend}, {rows:,} incidents, profile {summary(profile)}")
    if "import_rate" in results:
        rate, raw = results["import_rate"], results["raw_rate"]
        print(
            f"  import            {rate:>10,.0f} rows/s   raw insert {raw:>10,.0f} rows/s   "
            f"ratio {rate / raw:.2f} (goal ≥ {goals['import']:.2f}; "
            f"import {results['import_seconds']:.0f} s)"
        )
        report_sizes(results, rows, goals.get("size"))
    else:
        print("  import            not measured (--reuse: the database of an earlier run)")
    print(f"  ask since process {results['ask_process']:>10.2f} s        (goal ≤ {goals['ask']} s)")
    memory = f"{results['bot_rss']:>10.0f} MiB      (goal ≤ {goals['memory']:.0f} MiB)"
    print(f"  bot memory        {memory}")
    width = max(len(question) for question, *_ in results["queries"])
    print(f"  {'question':<{width}} {'cold':>8} {'warm':>8} {'limit':>8} {'cold/limit':>10}")
    worst_cold = worst_warm = 0.0
    for question, cold, warm, limit in results["queries"]:
        worst_cold, worst_warm = max(worst_cold, cold), max(worst_warm, warm)
        print(
            f"  {question:<{width}} {cold:>6.2f}ms {warm:>6.2f}ms {limit:>6.2f}ms "
            f"{cold / limit:>9.1f}×"
        )
    print(f"  slowest: cold {worst_cold:.2f} ms (goal ≤ 10), warm {worst_warm:.2f} ms (goal ≤ 2)")


@dataclass(frozen=True)
class Run:
    """What one benchmark run measures: its data set, its filters and how often it asks."""

    profile: Profile
    rows: int
    filters: list[str]
    repeats: int = 50
    cold_repeats: int = 7
    reuse: bool = False


def database_url(backend: str, profile: Profile, rows: int, pg_url: str, reuse: bool) -> str:
    """The run's database, one per profile and size (a 1M run and a 5M run may go on side by
    side): emptied first unless reused."""
    suffix = "" if profile is SMALL else f"_{profile.name}_{rows}"
    if backend == "sqlite":
        path = OUT / f"bench{suffix.replace('_', '-')}.db"
        if not reuse:
            for end in ("", "-wal", "-shm"):
                Path(f"{path}{end}").unlink(missing_ok=True)
        return f"sqlite+aiosqlite:///{path}"
    if reuse:
        return make_url(pg_url).set(database=f"pausewatch_bench{suffix}").render_as_string(False)
    return asyncio.run(fresh_postgresql(pg_url, f"pausewatch_bench{suffix}"))


def run_backend(backend: str, run: Run, pg_url: str) -> None:
    url = database_url(backend, run.profile, run.rows, pg_url, run.reuse)
    data = run.profile.data(OUT, run.rows)
    results = asyncio.run(measure(url, data, run))
    report(backend, run.rows, results, run.profile)
    prefix = "" if run.profile is SMALL else f"{run.profile.name}-"
    (OUT / f"results-{prefix}{backend}-{run.rows}.json").write_text(json.dumps(results, indent=1))


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--profile", choices=list(PROFILES), default="small", help="data set")
    parser.add_argument("--repeats", type=int, default=50, help="warm timings per question")
    parser.add_argument("--cold-repeats", type=int, default=7, help="cold timings per question")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--postgresql-url", default=PG_DEFAULT)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="answer from the database an earlier run of the same --rows left (no import)",
    )
    parser.add_argument("--answer-only", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--filters", default="[]", help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> None:
    args = arguments()
    if args.answer_only:
        asyncio.run(answer_everything(args.answer_only, json.loads(args.filters)))
        return
    profile = PROFILES[args.profile]
    OUT.mkdir(exist_ok=True)
    data = profile.data(OUT, args.rows)
    if not data.exists():
        began = time.perf_counter()
        generate(profile, data, args.rows)
        print(f"generated {args.rows:,} incidents in {time.perf_counter() - began:.1f} s: {data}")
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    if len(backends) == 1:
        filters = filters_for(profile, data)
        run = Run(profile, args.rows, filters, args.repeats, args.cold_repeats, args.reuse)
        run_backend(backends[0], run, args.postgresql_url)
        return
    for backend in backends:
        command = [sys.executable, "-m", "bench.bench", "--backend", backend]
        command += ["--rows", str(args.rows), "--repeats", str(args.repeats)]
        command += ["--cold-repeats", str(args.cold_repeats), "--profile", args.profile]
        command += ["--postgresql-url", args.postgresql_url]
        command += ["--reuse"] if args.reuse else []
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
