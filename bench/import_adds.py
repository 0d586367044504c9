"""Benchmark: adds made every 100 ms while a large import is stored, and how long each waits.

    .venv/bin/python -m bench.import_adds                         # SQLite, 1M ACLED-shaped rows
    .venv/bin/python -m bench.import_adds --rows 200000 --backend postgresql
    .venv/bin/python -m bench.import_adds --rows 200000 --one-transaction   # as before issue 28
    .venv/bin/python -m bench.import_adds --rows 200000 --in-process        # as the API imports

The import runs as `pausewatch import` runs it, in a process of its own (with --in-process, in
the bot's process, as an import sent to the API), into a fresh database: its rows checked, then
stored chunk by chunk (storage.import_runs). Meanwhile an admin adds an incident every 100 ms,
each on a new day, as a command the bot answers. Printed: each add's time to its answer
(median, 99th percentile, worst; goal ≤ 1 s), over the adds made while the import stored its
rows and over all, any refused, and the import's own time.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench.alerts import percentile
from bench.bench import OUT, PG_DEFAULT, fresh_postgresql, settings_for
from bench.profiles import ACLED, generate
from bot.app import started
from bot.commands.context import console_caller
from bot.commands.core import Caller, Core
from bot.commands.imports import import_file
from storage.import_runs import BY_DEFAULT, Chunking

ADMIN = Caller("bench-admin", True)
EVERY = 0.1  # seconds between two adds
FIRST_DAY = date(2030, 1, 1)  # after the data's last day: each add is a new day
# The bot's clock, after every add's day: an add every 100 ms for an hour is 100 years of days.
NOW = datetime(2400, 1, 1, 12, tzinfo=UTC)
GOAL_S = 1.0


async def adding(
    core: Core, done: asyncio.Event, stored: asyncio.Event
) -> list[tuple[float, bool]]:
    """Add an incident every EVERY seconds until `done`; return each add's seconds, and
    whether the import was storing its rows (not checking them) when it was made."""
    samples: list[tuple[float, bool]] = []
    refused = 0
    day = FIRST_DAY
    while not done.is_set():
        storing = stored.is_set()
        began = time.perf_counter()
        reply = await core.handle(f"add {day.isoformat()} country:Bench kind:timing", ADMIN)
        took = time.perf_counter() - began
        if reply.is_error:  # not an add: not timed as one
            refused += 1
            print(f"refused after {took:.1f} s: {reply.headline}")
        else:
            samples.append((took, storing))
        day += timedelta(days=1)
        await asyncio.sleep(max(0.0, EVERY - took))
    return samples


async def measure(url: str, data: Path, chunking: Chunking, in_process: bool) -> None:
    async with started(settings_for(url), lambda: NOW, metrics=False) as core:
        # The first add loads what adds use (the bot has long been running when an import comes).
        await core.handle(f"add {(FIRST_DAY - timedelta(days=1)).isoformat()}", ADMIN)
        done, stored = asyncio.Event(), asyncio.Event()
        adds = asyncio.create_task(adding(core, done, stored))
        began = time.perf_counter()
        if in_process:
            added = await import_here(core, data, chunking, stored)
        else:
            added = await import_elsewhere(url, data, chunking, stored)
        seconds = time.perf_counter() - began
        done.set()
        samples = await adds
        if (log := log_mib(url)) is not None:
            print(f"SQLite's write-ahead log grew to {log:,.0f} MiB")
    during = [took for took, storing in samples if storing]
    print(f"import: {added:,} rows added in {seconds:.1f} s ({added / seconds:,.0f}/s)")
    checking = [took for took, storing in samples if not storing]
    all_adds = [took for took, _ in samples]
    for label, chosen in (
        ("while storing", during),
        ("while checking", checking),
        ("all", all_adds),
    ):
        if not chosen:
            print(f"adds {label}: none")
            continue
        print(
            f"adds {label}: {len(chosen)}, median {percentile(chosen, 0.5):.0f} ms, "
            f"p99 {percentile(chosen, 0.99):.0f} ms, max {max(chosen) * 1000:.0f} ms "
            f"(goal ≤ {GOAL_S * 1000:.0f} ms)"
        )


def log_mib(url: str) -> float | None:
    """Return the size of SQLite's write-ahead log, which is never made shorter while the bot
    runs: the largest it grew to."""
    log = Path(f"{url.removeprefix('sqlite+aiosqlite:///')}-wal")
    return log.stat().st_size / 2**20 if log.exists() else None


async def import_here(core: Core, data: Path, chunking: Chunking, stored: asyncio.Event) -> int:
    """Import in the bot's own process and event loop, as the API's import does."""
    return await _imported(core, data, chunking, stored.set)


async def _imported(
    core: Core, data: Path, chunking: Chunking, on_checked: Callable[[], None]
) -> int:
    """Import `data` through the bot's own code; call `on_checked` once every row is checked
    (the store begins); return the rows added."""
    rows = sum(1 for _ in data.open(encoding="utf-8")) - 1
    checked = 0

    def on_row(n: int) -> None:
        nonlocal checked
        checked += n
        if checked == rows:
            on_checked()

    result = await import_file(
        core.context,
        data,
        file_format="csv",
        series=None,
        caller=console_caller(),
        on_row=on_row,
        chunking=chunking,
    )
    return result.added


async def import_elsewhere(url: str, data: Path, chunking: Chunking, stored: asyncio.Event) -> int:
    """Import in a process of its own, as `pausewatch import` does."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.import_adds",
        "--import-only",
        url,
        str(data),
        "--chunk-rows",
        str(chunking.rows),
        "--hold",
        str(chunking.hold_s or 0),
        "--from-rows",
        str(chunking.from_rows),
        stdout=asyncio.subprocess.PIPE,
    )
    assert child.stdout is not None
    added = 0
    async for line in child.stdout:
        said = line.decode().split()
        if said == ["checked"]:
            stored.set()
        elif said[:1] == ["added"]:
            added = int(said[1])
    assert await child.wait() == 0
    return added


async def import_only(url: str, data: Path, chunking: Chunking) -> None:
    """The child's side of import_elsewhere: say when every row is checked, and the rows added."""
    async with started(settings_for(url), lambda: NOW, metrics=False) as core:
        added = await _imported(core, data, chunking, lambda: print("checked", flush=True))
    print("added", added, flush=True)


def _chunks_text(chunking: Chunking) -> str:
    if chunking.hold_s is None:
        return f"chunks of {chunking.rows:,} rows"
    return f"chunks of {chunking.rows:,} rows, then as many as hold the lock {chunking.hold_s} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--postgresql-url", default=PG_DEFAULT)
    parser.add_argument(
        "--chunk-rows", type=int, default=BY_DEFAULT.rows, help="the first chunk's rows"
    )
    parser.add_argument(
        "--hold",
        type=float,
        default=BY_DEFAULT.hold_s,
        help="seconds a chunk should hold the lock (0: every chunk of --chunk-rows rows)",
    )
    parser.add_argument(
        "--one-transaction", action="store_true", help="store in one transaction, as before"
    )
    parser.add_argument(
        "--in-process", action="store_true", help="import in the bot's process (as the API does)"
    )
    parser.add_argument("--import-only", nargs=2, metavar=("URL", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--from-rows", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.import_only:
        chunking = Chunking(
            from_rows=args.from_rows, rows=args.chunk_rows, hold_s=args.hold or None
        )
        asyncio.run(import_only(args.import_only[0], Path(args.import_only[1]), chunking))
        return
    OUT.mkdir(exist_ok=True)
    data = ACLED.data(OUT, args.rows)
    if not data.exists():
        generate(ACLED, data, args.rows)
    chunking = Chunking(
        from_rows=args.rows + 1 if args.one_transaction else 1,
        rows=args.chunk_rows,
        hold_s=args.hold or None,
    )
    if args.backend == "sqlite":
        path = OUT / f"import-adds-{args.rows}.db"
        for end in ("", "-wal", "-shm"):
            Path(f"{path}{end}").unlink(missing_ok=True)
        url = f"sqlite+aiosqlite:///{path}"
    else:
        url = asyncio.run(fresh_postgresql(args.postgresql_url, "pausewatch_bench_import_adds"))
    print(
        f"{args.backend}, {args.rows:,} ACLED-shaped rows, "
        + ("one transaction" if args.one_transaction else _chunks_text(chunking))
        + (", imported in the bot's process" if args.in_process else ", imported in another")
    )
    asyncio.run(measure(url, data, chunking, args.in_process))


if __name__ == "__main__":
    main()
