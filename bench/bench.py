"""Benchmark: import and answer times at millions of incidents, beside limits measured alike.

    .venv/bin/python -m bench.bench                      # 1,000,000 incidents, both databases
    .venv/bin/python -m bench.bench --rows 5000000
    .venv/bin/python -m bench.bench --rows 100000 --backend sqlite --repeats 20

For each database, in its own process: the import through `pausewatch import`'s own code,
beside a raw insert of the same rows (executemany on SQLite, COPY on PostgreSQL); every
question verb with no filter and with one or two filters, timed cold (the first answer after
a write to the series, as after every new incident) and warm (asked again), beside the same
answer's database work done by hand in one SQL statement; `pausewatch ask since` as a whole
process; the resident memory of a bot that answered everything. The machine is shared:
read the ratios more than the milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.app import started
from bot.commands.context import console_caller
from bot.commands.core import Caller, Core
from bot.commands.imports import import_file
from bot.domain.filters import normalised
from bot.settings import SeriesSettings, Settings

OUT = Path(__file__).resolve().parent / "out"
START = date(2005, 1, 1)
YEARS = 20
SERIES = {"attacks": 0.6, "us-strikes": 0.3, "outages": 0.1}
COUNTRIES = ["Iraq", "Syria", "Jordan", "Yemen", "Lebanon", "Israel"]
KINDS = ["drone", "rocket", "missile", "mortar", "IED", "small arms"]
LOCATIONS = [f"Base {n}" for n in range(40)]
ACTORS = [f"Group {n}" for n in range(12)]
COLUMNS = [
    "series",
    "date",
    "country",
    "location",
    "actor",
    "kind",
    "killed",
    "source",
    "external_id",
]
FILTERS = [
    "",
    "country:Iraq",
    'location:"Base 7"',
    'actor:"Group 3"',
    "kind:drone",
    "country:Iraq kind:drone",
    'location:"Base 7" actor:"Group 3"',
]
VERBS = ["since", "pause", "pauses", "last", "list from:2020-01-01 to:2020-01-31", "stats"]
PG_DEFAULT = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
ADMIN = Caller("bench", True)


def generate(path: Path, rows: int, seed: int = 17) -> None:
    """Write `rows` incidents over twenty years, in date order as exports are."""
    rng = random.Random(seed)
    span = (date(START.year + YEARS, 1, 1) - START).days
    days = sorted(rng.randrange(span) for _ in range(rows))
    names, weights = list(SERIES), list(SERIES.values())
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for n, offset in enumerate(days):
            writer.writerow(
                [
                    rng.choices(names, weights)[0],
                    (START + timedelta(days=offset)).isoformat(),
                    rng.choice(COUNTRIES),
                    rng.choice(LOCATIONS),
                    rng.choice(ACTORS),
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


async def raw_insert_rate(core: Core, data: Path) -> float:
    """Insert the same rows, unchecked, with the driver alone: rows per second."""
    with data.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        now = datetime.now(UTC)
        rows = [
            (
                1,
                date.fromisoformat(r[1]),
                r[2],
                r[3],
                r[4],
                r[5],
                int(r[6]) if r[6] else None,
                r[7],
                r[8],
                "bench",
                now,
                *(normalised(v) if v else None for v in r[2:6]),
            )
            for r in reader
        ]
    names = (
        "series_id, occurred_on, country, location, actor, kind, killed, source, external_id, "
        "recorded_by, recorded_at, country_key, location_key, actor_key, kind_key"
    )
    async with core.database.engine.connect() as connection:
        raw = (await connection.get_raw_connection()).driver_connection
        if core.database.engine.dialect.name == "postgresql":
            await raw.execute("CREATE TEMPORARY TABLE raw_bench (LIKE incidents INCLUDING ALL)")
            began = time.perf_counter()
            await raw.copy_records_to_table("raw_bench", records=rows, columns=names.split(", "))
        else:
            # The same table, indexes included, as PostgreSQL's LIKE ... INCLUDING ALL; in the
            # same file (a temporary table's own small cache made it twenty times slower).
            await raw.execute("DROP TABLE IF EXISTS raw_bench")
            await raw.execute("CREATE TABLE raw_bench AS SELECT * FROM incidents LIMIT 0")
            cursor = await raw.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                "AND tbl_name = 'incidents' AND sql IS NOT NULL"
            )
            for name, sql in await cursor.fetchall():
                await raw.execute(
                    sql.replace(name, f"raw_{name}").replace(" ON incidents", " ON raw_bench")
                )
            await raw.execute("CREATE UNIQUE INDEX raw_ext ON raw_bench (series_id, external_id)")
            placeholders = ", ".join("?" * len(names.split(", ")))
            converted = [
                (r[0], r[1].isoformat(), *r[2:10], r[10].isoformat(), *r[11:]) for r in rows
            ]
            began = time.perf_counter()
            # One transaction, as the import's (the connection itself commits each statement).
            await raw.execute("BEGIN")
            await raw.executemany(
                f"INSERT INTO raw_bench ({names}) VALUES ({placeholders})", converted
            )
            await raw.execute("COMMIT")
        seconds = time.perf_counter() - began
        await connection.rollback()
        if core.database.engine.dialect.name != "postgresql":
            await raw.execute("DROP TABLE raw_bench")
    return len(rows) / seconds


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


async def measure(
    url: str, data: Path, repeats: int, cold_repeats: int, *, reuse: bool = False
) -> dict[str, Any]:
    results: dict[str, Any] = {"queries": []}
    async with started(settings_for(url)) as core:
        if not reuse:
            began = time.perf_counter()
            result = await import_file(
                core.context,
                data,
                file_format="csv",
                series=None,
                caller=console_caller(),
                quiet=True,
            )
            seconds = time.perf_counter() - began
            results["import_rate"] = result.added / seconds
            results["raw_rate"] = await raw_insert_rate(core, data)
        if core.database.engine.dialect.name == "postgresql":
            async with core.database.engine.begin() as connection:
                await connection.exec_driver_sql("ANALYZE")
        backfill = iter(range(10_000))

        async def write() -> None:
            # A backfill into 2004: a real write to the series, so nothing cached holds.
            day = date(2004, 1, 1) + timedelta(days=next(backfill) % 366)
            reply = await core.handle(f"add {day.isoformat()} location:elsewhere", ADMIN)
            assert not reply.is_error, reply.headline

        for verb in VERBS:
            limit = await limit_ms(core, verb, repeats)
            for filters in FILTERS:
                question = f"{verb} {filters}".strip()
                reply = await core.handle(question, ADMIN)
                assert not reply.is_error, f"{question}: {reply.headline}"
                cold = []
                for _ in range(cold_repeats):
                    await write()
                    began = time.perf_counter()
                    await core.handle(question, ADMIN)
                    cold.append(time.perf_counter() - began)
                warm = await clock(lambda q=question: core.handle(q, ADMIN), repeats)
                results["queries"].append((question, median_ms(cold), warm, limit))
    results["ask_process"] = ask_process_seconds(url)
    results["bot_rss"] = bot_rss(url)
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


def bot_rss(url: str) -> float:
    """Return the peak resident memory (MiB) of a bot that answered every question."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench", "--answer-only", url],
        check=True,
        capture_output=True,
        text=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


async def answer_everything(url: str) -> None:
    async with started(settings_for(url)) as core:
        for verb in VERBS:
            for filters in FILTERS:
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


def report(backend: str, rows: int, results: dict[str, Any]) -> None:
    """Print one database's figures, each beside its limit and goal."""
    print(f"\n{backend}, {rows:,} incidents")
    if "import_rate" in results:
        rate, raw = results["import_rate"], results["raw_rate"]
        print(
            f"  import            {rate:>10,.0f} rows/s   raw insert {raw:>10,.0f} rows/s   "
            f"ratio {rate / raw:.2f} (goal ≥ 0.50)"
        )
    else:
        print("  import            not measured (--reuse: the database of an earlier run)")
    print(f"  ask since process {results['ask_process']:>10.2f} s        (goal ≤ 0.5 s)")
    print(f"  bot memory        {results['bot_rss']:>10.0f} MiB      (goal ≤ 150 MiB)")
    print(f"  {'question':<44} {'cold':>8} {'warm':>8} {'limit':>8} {'cold/limit':>10}")
    worst_cold = worst_warm = 0.0
    for question, cold, warm, limit in results["queries"]:
        worst_cold, worst_warm = max(worst_cold, cold), max(worst_warm, warm)
        print(
            f"  {question:<44} {cold:>6.2f}ms {warm:>6.2f}ms {limit:>6.2f}ms {cold / limit:>9.1f}×"
        )
    print(f"  slowest: cold {worst_cold:.2f} ms (goal ≤ 10), warm {worst_warm:.2f} ms (goal ≤ 2)")


def run_backend(backend: str, rows: int, repeats: int, cold: int, pg_url: str, reuse: bool) -> None:
    data = OUT / f"incidents-{rows}.csv"
    if backend == "sqlite":
        path = OUT / "bench.db"
        if not reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite+aiosqlite:///{path}"
    elif reuse:
        url = make_url(pg_url).set(database="pausewatch_bench").render_as_string(False)
    else:
        url = asyncio.run(fresh_postgresql(pg_url, "pausewatch_bench"))
    results = asyncio.run(measure(url, data, repeats, cold, reuse=reuse))
    report(backend, rows, results)
    (OUT / f"results-{backend}-{rows}.json").write_text(json.dumps(results, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
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
    args = parser.parse_args()
    if args.answer_only:
        asyncio.run(answer_everything(args.answer_only))
        return
    OUT.mkdir(exist_ok=True)
    data = OUT / f"incidents-{args.rows}.csv"
    if not data.exists():
        began = time.perf_counter()
        generate(data, args.rows)
        print(f"generated {args.rows:,} incidents in {time.perf_counter() - began:.1f} s: {data}")
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        if len(backends) == 1:
            run_backend(
                backend,
                args.rows,
                args.repeats,
                args.cold_repeats,
                args.postgresql_url,
                args.reuse,
            )
            continue
        command = [sys.executable, "-m", "bench.bench", "--backend", backend]
        command += ["--rows", str(args.rows), "--repeats", str(args.repeats)]
        command += ["--cold-repeats", str(args.cold_repeats)]
        command += ["--postgresql-url", args.postgresql_url]
        command += ["--reuse"] if args.reuse else []
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
