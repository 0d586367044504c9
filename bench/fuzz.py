"""Fuzz for longer: the tests' hostile commands and files, random seeds, counts printed.

    .venv/bin/python -m bench.fuzz                         # SQLite, 2,000 of each
    .venv/bin/python -m bench.fuzz --examples 10000 --database-url postgresql+asyncpg://...

The same strategies as tests/fuzz (there derandomized for CI), here with fresh random
examples each run. Prints, per kind of input, how many were answered, refused with a clear
message, crashed, or changed data although refused (goal: 0 crashed, 0 changed).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import traceback
from collections import Counter
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis.strategies import SearchStrategy

from bot.app import started
from bot.commands.context import console_caller
from bot.commands.core import Caller, Core
from bot.commands.imports import import_file
from bot.commands.verbs import ADMIN_VERBS
from bot.settings import Settings
from storage.import_formats import ImportFailed
from tests.bot.commands.test_core import snapshot
from tests.fuzz.strategies import assert_clear, commands, csv_files, json_files

ADMIN = Caller("fuzz-admin", True, "slack", "C1")


async def one_command(core: Core, text: str) -> str:
    before = await snapshot(core)
    reply = await core.handle(text, ADMIN)
    assert_clear(reply)
    verb = text.split(maxsplit=1)[0].lower() if text.split() else ""
    if reply.is_error and verb in ADMIN_VERBS and await snapshot(core) != before:
        return "changed"
    return "refused" if reply.is_error else "answered"


def one_file(suffix: str) -> Callable[[Core, bytes], Coroutine[Any, Any, str]]:
    async def run(core: Core, content: bytes) -> str:
        before = await snapshot(core)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"fuzz{suffix}"
            path.write_bytes(content)
            try:
                await import_file(core.context, path, file_format=None, series=None, caller=ADMIN)
            except ImportFailed:
                return "changed" if await snapshot(core) != before else "refused"
        return "answered"

    return run


def drive(
    runner: asyncio.Runner,
    core: Core,
    name: str,
    strategy: SearchStrategy[Any],
    check: Callable[[Core, Any], Coroutine[Any, Any, str]],
    examples: int,
) -> Counter[str]:
    counts: Counter[str] = Counter()

    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def run(value: Any) -> None:
        try:
            counts[runner.run(check(core, value))] += 1
        except Exception:  # counted and shown: the run goes on
            counts["crashed"] += 1
            if counts["crashed"] <= 3:
                print(f"{name} crashed on {value!r}:\n{traceback.format_exc()}")

    run()
    print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return counts


def main() -> None:
    """Fuzz commands, CSV and JSON imports; exit 1 on a crash or a refused change."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2_000)
    parser.add_argument("--database-url", help="default: a new SQLite file")
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="pausewatch-fuzz-"))
    url = options.database_url or f"sqlite+aiosqlite:///{folder / 'fuzz.db'}"
    settings_ = Settings(database_url=url, load_sample_data=False)
    total: Counter[str] = Counter()
    try:
        with asyncio.Runner() as runner:
            context = started(settings_)
            core = runner.run(context.__aenter__())
            try:
                runner.run(core.handle("add 2024-07-16 location:Ürdün", console_caller()))
                for name, strategy, check in (
                    ("commands", commands(), one_command),
                    ("csv imports", csv_files(), one_file(".csv")),
                    ("json imports", json_files(), one_file(".json")),
                ):
                    total += drive(runner, core, name, strategy, check, options.examples)
            finally:
                runner.run(context.__aexit__(None, None, None))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    raise SystemExit(1 if total["crashed"] or total["changed"] else 0)


if __name__ == "__main__":
    main()
