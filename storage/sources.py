"""Sources and their review queue: stored settings, run positions, slot claims, candidates.

A source whose runs fail has a row in source_failures (since when, how many runs in a row)
until one succeeds: the row is made and removed by single statements, so that of two
replicas recording runs at once exactly one sees the change from working to failing, or back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, ForeignKey, Integer, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from bot.domain.fields import IncidentFields
from storage.database import upsert_insert
from storage.models import (
    Base,
    Incident,
    ReviewCandidate,
    Series,
    Source,
    UtcDateTime,
    filter_key,
)
from storage.writes import WriteError, audit

PENDING, APPROVED, REJECTED, WITHDRAWN = "pending", "approved", "rejected", "withdrawn"
NEVER, OK, FAILED = "never", "ok", "failed"


class SourceFailure(Base):
    """A source whose runs fail: since its first failed run, and how many in a row.

    The row exists only while the source fails; a good run removes it.
    """

    __tablename__ = "source_failures"

    source_id: Mapped[int] = mapped_column(
        ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True
    )
    since: Mapped[datetime] = mapped_column(UtcDateTime())
    runs: Mapped[int] = mapped_column(Integer)


@dataclass(frozen=True)
class Streak:
    """Failed runs in a row: when the first one ran and how many there were."""

    since: datetime
    runs: int

    @property
    def began(self) -> bool:
        """Say whether this is the streak's first failed run (the source worked, or never ran)."""
        return self.runs == 1


async def add_source(
    session: AsyncSession,
    *,
    name: str,
    kind: str,
    url: str | None,
    series_id: int,
    reviewed: bool,
    every_minutes: int,
    query: dict[str, str],
    actor: str,
    now: datetime,
    team: str | None = None,
) -> Source:
    """Store a new source (added from `team`); a name already used is refused."""
    if await by_name(session, name) is not None:
        raise WriteError(
            f"there is already a source {name!r}; `source remove {name}` first to replace it"
        )
    source = Source(
        name=name,
        kind=kind,
        url=url,
        series_id=series_id,
        reviewed=reviewed,
        every_minutes=every_minutes,
        query=query,
        last_status=NEVER,
        created_by=actor,
        created_at=now,
        team=team,
    )
    session.add(source)
    await session.flush()
    audit(session, now, actor, "source add", series_id, None, {"source": name, "kind": kind}, team)
    return source


async def by_name(session: AsyncSession, name: str) -> Source | None:
    """Return the source of this name, if any."""
    return await session.scalar(select(Source).where(Source.name == name))


async def listing(session: AsyncSession) -> list[tuple[Source, str, int]]:
    """Return every source with its series' name and how many candidates wait, by name."""
    waiting = (
        select(ReviewCandidate.source_name, func.count().label("n"))
        .where(ReviewCandidate.status == PENDING)
        .group_by(ReviewCandidate.source_name)
        .subquery()
    )
    rows = await session.execute(
        select(Source, Series.name, func.coalesce(waiting.c.n, 0))
        .join(Series, Series.id == Source.series_id)
        .outerjoin(waiting, waiting.c.source_name == Source.name)
        .order_by(Source.name)
    )
    return [(source, series, int(n)) for source, series, n in rows.all()]


async def remove_source(
    session: AsyncSession, name: str, *, actor: str, now: datetime, team: str | None = None
) -> bool:
    """Remove a source; its waiting candidates are withdrawn, rejected ones still remembered."""
    source = await by_name(session, name)
    if source is None:
        return False
    await session.execute(
        update(ReviewCandidate)
        .where(ReviewCandidate.source_name == name, ReviewCandidate.status == PENDING)
        .values(status=WITHDRAWN, decided_by=actor, decided_at=now)
    )
    await session.execute(delete(Source).where(Source.id == source.id))
    audit(session, now, actor, "source remove", source.series_id, None, {"source": name}, team)
    return True


async def claim_slot(session: AsyncSession, source_id: int, slot: int) -> bool:
    """Claim a scheduled slot of a source; say whether this caller got it (once per slot).

    The row is updated only while its claimed slot is older: a second replica's update,
    waiting on the first one's row lock, then finds the slot taken. A slot is a number on
    the caller's clock (the business's, injected in tests), and a claim only moves it
    forward, so clocks that disagree never run one slot twice: the replica whose clock
    is ahead claims first and the others find its slot taken.
    """
    result = cast(
        CursorResult[Any],
        await session.execute(
            update(Source)
            .where(
                Source.id == source_id,
                or_(Source.claimed_slot.is_(None), Source.claimed_slot < slot),
            )
            .values(claimed_slot=slot)
        ),
    )
    return bool(result.rowcount)


async def release_slot(session: AsyncSession, source_id: int, slot: int) -> None:
    """Give back a claimed slot whose run was cut short, so that its next check runs it.

    Only while the slot is still the source's last claim: a later one stays taken.
    """
    await session.execute(
        update(Source)
        .where(Source.id == source_id, Source.claimed_slot == slot)
        .values(claimed_slot=slot - 1)
    )


async def record_failure(
    session: AsyncSession, source_id: int, *, now: datetime, message: str
) -> Streak | None:
    """Say why a run failed, keeping the last good run's position; return the failed runs
    in a row, this one counted (None if the source was removed meanwhile).

    One statement counts it (an insert, or one more on the row there): a replica recording
    another failure at once waits on the row and counts after it, so only one sees it begin.
    """
    result = cast(
        CursorResult[Any],
        await session.execute(
            update(Source)
            .where(Source.id == source_id)
            .values(last_run_at=now, last_status=FAILED, last_message=message)
        ),
    )
    if not result.rowcount:
        return None  # removed during its run; the update holds the row until the commit
    insert = upsert_insert(session, SourceFailure).values(source_id=source_id, since=now, runs=1)
    counted = insert.on_conflict_do_update(
        index_elements=[SourceFailure.source_id], set_={"runs": SourceFailure.runs + 1}
    ).returning(SourceFailure.since, SourceFailure.runs)
    since, runs = (await session.execute(counted)).one()
    return Streak(since=since, runs=runs)


async def failing(session: AsyncSession, source_id: int) -> Streak | None:
    """Return a source's failed runs in a row, if its last run failed."""
    row = (
        await session.execute(
            select(SourceFailure.since, SourceFailure.runs).where(
                SourceFailure.source_id == source_id
            )
        )
    ).first()
    return None if row is None else Streak(since=row[0], runs=row[1])


async def record_success(
    session: AsyncSession,
    source_id: int,
    *,
    now: datetime,
    message: str,
    etag: str | None,
    last_modified: str | None,
    position: dict[str, int] | None,
) -> Streak | None:
    """Keep where a good run got to, in the transaction that stored its incidents; return
    the failed runs this one ends (None if the run before it worked too).

    The streak is removed by one statement: of two replicas ending it at once, the second
    waits on the row and finds it gone, so only one is told it ended.
    """
    ended = (
        await session.execute(
            delete(SourceFailure)
            .where(SourceFailure.source_id == source_id)
            .returning(SourceFailure.since, SourceFailure.runs)
        )
    ).first()
    await session.execute(
        update(Source)
        .where(Source.id == source_id)
        .values(
            last_run_at=now,
            last_ok_at=now,
            last_status=OK,
            last_message=message,
            etag=etag,
            last_modified=last_modified,
            position=position,
        )
    )
    return None if ended is None else Streak(since=ended[0], runs=ended[1])


async def incident_by_natural_key(
    session: AsyncSession, series_id: int, fields: IncidentFields
) -> Incident | None:
    """Return the first stored incident (deleted ones too) with these fields' day, location,
    kind and source: what an import matches a row without an external id by."""
    query = (
        select(Incident)
        .where(
            Incident.series_id == series_id,
            Incident.occurred_on == fields.occurred_on,
            func.coalesce(Incident.location_key, "") == (filter_key(fields.location) or ""),
            func.coalesce(Incident.kind_key, "") == (filter_key(fields.kind) or ""),
            func.coalesce(Incident.source, "") == (fields.source or ""),
        )
        .order_by(Incident.id)
        .limit(1)
    )
    return await session.scalar(query)


async def incidents_by_external_id(
    session: AsyncSession, series_id: int, external_ids: Iterable[str]
) -> dict[str, Incident]:
    """Return the stored incidents (deleted ones too) of a series with these external ids."""
    wanted = sorted(set(external_ids))
    found: dict[str, Incident] = {}
    for start in range(0, len(wanted), 500):
        rows = await session.scalars(
            select(Incident).where(
                Incident.series_id == series_id,
                Incident.external_id.in_(wanted[start : start + 500]),
            )
        )
        found.update((row.external_id, row) for row in rows if row.external_id is not None)
    return found


async def candidates_by_key(
    session: AsyncSession, series_id: int, keys: Iterable[str]
) -> dict[str, ReviewCandidate]:
    """Return the candidates of a series (any status) with these keys."""
    wanted = sorted(set(keys))
    found: dict[str, ReviewCandidate] = {}
    for start in range(0, len(wanted), 500):
        rows = await session.scalars(
            select(ReviewCandidate).where(
                ReviewCandidate.series_id == series_id,
                ReviewCandidate.key.in_(wanted[start : start + 500]),
            )
        )
        found.update((row.key, row) for row in rows)
    return found


async def add_candidate(
    session: AsyncSession,
    *,
    series_id: int,
    source_name: str,
    key: str,
    fields: dict[str, str],
    now: datetime,
) -> ReviewCandidate:
    """Queue one incident for review."""
    candidate = ReviewCandidate(
        series_id=series_id,
        source_name=source_name,
        key=key,
        fields=fields,
        status=PENDING,
        queued_at=now,
    )
    session.add(candidate)
    await session.flush()
    return candidate


async def pending(session: AsyncSession, limit: int = 50) -> list[tuple[ReviewCandidate, str]]:
    """Return the waiting candidates with their series' name, oldest first."""
    rows = await session.execute(
        select(ReviewCandidate, Series.name)
        .join(Series, Series.id == ReviewCandidate.series_id)
        .where(ReviewCandidate.status == PENDING)
        .order_by(ReviewCandidate.id)
        .limit(limit)
    )
    return [(candidate, name) for candidate, name in rows.all()]


async def count_pending(session: AsyncSession) -> int:
    """Count the waiting candidates."""
    return int(
        await session.scalar(
            select(func.count())
            .select_from(ReviewCandidate)
            .where(ReviewCandidate.status == PENDING)
        )
        or 0
    )


async def decide(
    session: AsyncSession, candidate_id: int, *, status: str, actor: str, now: datetime
) -> bool:
    """Mark a waiting candidate approved or rejected; say whether this caller decided it.

    Only a candidate still pending changes: a second click, or another replica deciding at
    the same moment (it waits on the row lock, then finds it decided), changes nothing.
    """
    result = cast(
        CursorResult[Any],
        await session.execute(
            update(ReviewCandidate)
            .where(ReviewCandidate.id == candidate_id, ReviewCandidate.status == PENDING)
            .values(status=status, decided_by=actor, decided_at=now)
        ),
    )
    return bool(result.rowcount)


async def candidate(session: AsyncSession, candidate_id: int) -> tuple[ReviewCandidate, str] | None:
    """Return one candidate with its series' name, read afresh."""
    row = (
        await session.execute(
            select(ReviewCandidate, Series.name)
            .join(Series, Series.id == ReviewCandidate.series_id)
            .where(ReviewCandidate.id == candidate_id)
            .execution_options(populate_existing=True)
        )
    ).first()
    return None if row is None else (row[0], row[1])
