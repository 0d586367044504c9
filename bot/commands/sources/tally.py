"""What this process's runs of each source did, counted for /metrics: runs, failures, rows.

Counts are kept in memory, as Prometheus counters are: each process counts its own runs
and starts again from zero, which rate() and increase() expect. They are kept per database
engine because the pipeline is given a Context, which holds no metrics recorder: two cores
on two databases in one test process count apart, and one process has one engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from weakref import WeakKeyDictionary

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.commands.sources.reports import RunReport
from storage.database import Database


@dataclass
class Counts:
    """One source's runs in this process, and the rows they changed."""

    runs: int = 0
    failures: int = 0
    added: int = 0
    updated: int = 0
    deleted: int = 0


_COUNTS: WeakKeyDictionary[AsyncEngine, dict[str, Counts]] = WeakKeyDictionary()


def record(database: Database, report: RunReport) -> None:
    """Count one finished run (a failed one too) of `report.name`."""
    counts = _COUNTS.setdefault(database.engine, {}).setdefault(report.name, Counts())
    counts.runs += 1
    if not report.ok:
        counts.failures += 1
    counts.added += report.added
    counts.updated += report.updated
    counts.deleted += report.deleted


def counts(database: Database) -> dict[str, Counts]:
    """Return a copy of every source's counts in this process, by name."""
    found = _COUNTS.get(database.engine, {})
    return {name: Counts(**vars(c)) for name, c in found.items()}
