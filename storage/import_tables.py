"""The tables of imports stored in chunks: each import's state and the incident ids each chunk took.

An import of many rows commits chunk by chunk (storage.import_runs); until it is done, these
rows say which incidents are its own, so that a failure, or a process that died mid-way,
can take them back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Exists, ForeignKey, Index, Integer, String, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UtcDateTime

STORING = "storing"
TAKING_BACK = "taking back"  # after a failure, chunk by chunk: picked up again if it stops
DONE = "done"
TAKEN_BACK = "taken back"
RUNNING = (STORING, TAKING_BACK)  # its rows are half stored


class ImportRun(Base):
    """One import stored in chunks: who, which file, and how far it got."""

    __tablename__ = "imports"
    __table_args__ = (Index("ix_imports_state", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(16))  # STORING, TAKING_BACK, DONE, TAKEN_BACK
    # The ids of the series its rows are in: each chunk locks them all while it writes.
    series: Mapped[list[int]] = mapped_column(JSON)
    actor: Mapped[str] = mapped_column(String(100))
    file_name: Mapped[str] = mapped_column(String(300))
    request_key: Mapped[str | None] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # Written by each chunk: an import in STORING whose heartbeat is older than the lease
    # was left by a process that stopped, and is taken back.
    heartbeat_at: Mapped[datetime] = mapped_column(UtcDateTime())
    checked_rows: Mapped[int] = mapped_column(Integer)  # rows it stores, duplicates included
    # Series id → its alert subscriptions' last incident days before the import (as noted by
    # bot.notify.alerts.watched_data): taken back after its process stopped, the import's
    # alerts, and those writes between its chunks held back, are queued against these.
    watched: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class ImportChunk(Base):
    """The incident ids one committed chunk of an import took, first to last.

    Every id in the range that is in one of the import's series is the chunk's: the chunk
    held those series' lock while it inserted, so no other writer added to them meanwhile.
    """

    __tablename__ = "import_chunks"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("imports.id"), index=True)
    first_id: Mapped[int] = mapped_column(Integer)
    last_id: Mapped[int] = mapped_column(Integer)


def any_running() -> Exists:
    """Return a condition that holds while any import is storing or taking back."""
    return exists().where(ImportRun.state.in_(RUNNING))


# Built once: every write asks it (making a statement costs more than SQLite's answer).
_RUNNING_SERIES = select(ImportRun.series).where(ImportRun.state.in_(RUNNING))


async def importing_series(session: AsyncSession) -> set[int]:
    """Return the ids of the series an import is storing or taking back, chunk by chunk."""
    running = await session.scalars(_RUNNING_SERIES)
    return {series_id for series in running for series_id in series}


async def is_importing(session: AsyncSession, series_id: int) -> bool:
    """Say whether an import is storing into the series or taking its rows back: what is
    read of it then counts the rows stored so far."""
    return series_id in await importing_series(session)


async def storing_import_of(session: AsyncSession, series_id: int, incident_id: int) -> bool:
    """Say whether an incident is a row of an import still storing into its series (or being
    taken back): it is gone again if that import is taken back."""
    ranges = await session.execute(
        select(ImportRun.series, ImportChunk.first_id, ImportChunk.last_id)
        .join(ImportChunk, ImportChunk.import_id == ImportRun.id)
        .where(
            ImportRun.state.in_(RUNNING),
            ImportChunk.first_id <= incident_id,
            ImportChunk.last_id >= incident_id,
        )
    )
    return any(series_id in series for series, _, _ in ranges)
