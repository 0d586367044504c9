"""Health of one bot process for /readyz and /metrics: the database, its schema, the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from bot.commands.core import Core
from storage import outbox
from storage.database import current_revision, head_revision


@dataclass(frozen=True)
class DatabaseHealth:
    """Whether the database answers, and whether its schema is the newest one shipped."""

    answers: bool
    current: str | None = None
    head: str | None = None
    problem: str = ""

    @property
    def migrated(self) -> bool:
        """Say whether every migration shipped with the package has been applied."""
        return self.answers and self.current == self.head


@cache
def _head() -> str | None:
    return head_revision()


async def database(core: Core) -> DatabaseHealth:
    """Ask the database for its schema revision; any failure means it does not answer."""
    try:
        current = await current_revision(core.database)
    except Exception as error:  # any failure to answer is the answer here
        text = str(getattr(error, "orig", None) or error).strip().splitlines()
        return DatabaseHealth(answers=False, problem=text[0] if text else type(error).__name__)
    return DatabaseHealth(answers=True, current=current, head=_head())


async def refresh_outbox_metrics(core: Core) -> None:
    """Read the outbox's counts into the core's gauges (called before /metrics is served)."""
    async with core.database.read() as session:
        summary = await outbox.summary(session)
    oldest = summary.oldest_pending
    age = (core.clock() - oldest).total_seconds() if oldest is not None else 0.0
    core.metrics.outbox(pending=summary.pending, failed=summary.failed, oldest_age=max(age, 0.0))
