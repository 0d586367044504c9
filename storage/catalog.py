"""The catalog of series: each one's id, name and revision, and the lock a writer takes on one."""

from __future__ import annotations

from typing import NamedTuple, Protocol

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.import_tables import any_running, importing_series
from storage.models import Series


class SeriesLike(Protocol):
    """A series as questions need it: a stored row, or a SeriesRef read with the catalog."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def revision(self) -> int: ...


class SeriesRef(NamedTuple):
    """A series' id, name and revision, read in one statement with all the others."""

    id: int
    name: str
    revision: int
    team: str | None = None  # the team that owns it; None: shared
    importing: bool = False  # an import into it is being stored, chunk by chunk


# Built once, bound at each call: every command or write makes these, and making a statement
# costs more than SQLite takes to answer it.
_CATALOG = select(Series.id, Series.name, Series.revision, Series.team, any_running())


async def catalog(session: AsyncSession) -> dict[str, SeriesRef]:
    """Return every series by name, with its revision (raised by every write to it), and
    whether an import into it is being stored."""
    rows = (await session.execute(_CATALOG)).all()
    # Which series, asked only while some import runs (seldom): one read otherwise.
    importing = await importing_series(session) if rows and rows[0][-1] else set()
    return {
        name: SeriesRef(sid, name, revision, team, sid in importing)
        for sid, name, revision, team, _ in rows
    }


_BY_NAME = select(Series).where(Series.name == bindparam("name"))


async def series_by_name(session: AsyncSession, name: str) -> Series | None:
    """Return the series called `name`, if stored."""
    return await session.scalar(_BY_NAME, {"name": name})


# On PostgreSQL the revision is read with the row locked (lock_series).
_REVISION = select(Series.revision).where(Series.id == bindparam("series_id"))
_REVISION_LOCKED = _REVISION.with_for_update()


async def lock_series(session: AsyncSession, series_id: int) -> int:
    """Make other writers of the series wait until this transaction ends; return its revision.

    On PostgreSQL this locks the series row; on SQLite every write transaction already
    holds the database's write lock (BEGIN IMMEDIATE). The revision is the one read once the
    lock is held: no other write to the series can come between it and this transaction's.
    """
    postgresql = session.get_bind().dialect.name == "postgresql"
    query = _REVISION_LOCKED if postgresql else _REVISION
    return int(await session.scalar(query, {"series_id": series_id}) or 0)


async def data_revision(session: AsyncSession) -> tuple[tuple[int, int], ...]:
    """Return every series' revision: it changes whenever any incident is written."""
    rows = await session.execute(select(Series.id, Series.revision).order_by(Series.id))
    return tuple((sid, revision) for sid, revision in rows.all())


async def series_names(session: AsyncSession, team: str | None = None) -> list[str]:
    """Return the names of the stored series a team sees (the shared ones and its own); with
    no team, of every series."""
    query = select(Series.name).order_by(Series.name)
    if team is not None:
        query = query.where((Series.team.is_(None)) | (Series.team == team))
    return list(await session.scalars(query))
