"""Each source's health for /metrics and /readyz, by the injected clock.

This process's counts of its runs, and how long since its last success.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.commands.context import Context
from bot.commands.metrics import SourceSample
from bot.commands.sources import tally
from storage import sources as stored_sources

# A source is degraded when it has not succeeded for this many of its intervals: one failed
# run is a blip that the next one may mend, three in a row are worth an operator's look.
STALE_INTERVALS = 3


@dataclass(frozen=True)
class SourceHealth:
    """One source's last success, its last error and how stale it is."""

    name: str
    every_minutes: int
    last_success: datetime | None
    # The last success, or when the source was added if it never succeeded.
    since: datetime
    last_error: str | None
    seconds_since_success: float

    @property
    def degraded(self) -> bool:
        """Say whether its last success is older than STALE_INTERVALS of its intervals."""
        return self.seconds_since_success > STALE_INTERVALS * self.every_minutes * 60


async def read(context: Context) -> list[SourceHealth]:
    """Return every stored source's health at `context.clock()`, by name."""
    now = context.clock()
    async with context.database.read() as session:
        rows = await stored_sources.listing(session)
    found = []
    for source, _, _ in rows:
        since = source.last_ok_at or source.created_at
        failed = source.last_status == stored_sources.FAILED
        found.append(
            SourceHealth(
                name=source.name,
                every_minutes=source.every_minutes,
                last_success=source.last_ok_at,
                since=since,
                last_error=source.last_message if failed else None,
                seconds_since_success=max((now - since).total_seconds(), 0.0),
            )
        )
    return found


def samples(context: Context, found: list[SourceHealth]) -> list[SourceSample]:
    """Return what /metrics shows of each source: the stored staleness with this process's
    counts (zero for a source this process has not run)."""
    counted = tally.counts(context.database)
    shown = []
    for health in found:
        counts = counted.get(health.name, tally.Counts())
        shown.append(
            SourceSample(
                name=health.name,
                runs=counts.runs,
                failures=counts.failures,
                added=counts.added,
                updated=counts.updated,
                deleted=counts.deleted,
                seconds_since_success=health.seconds_since_success,
            )
        )
    return shown
