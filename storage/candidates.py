"""Candidates a reviewed source brings for incidents already stored: corrections and removals.

A candidate's kind is in its key, so the review queue's table holds every kind unchanged:
a new row is keyed `id:EXTERNAL_ID` (or `natural:DIGEST`), a correction
`update:EXTERNAL_ID@DIGEST` (the digest of the corrected values: the same correction brought
again is found, a rejected one stays rejected, another one is a new candidate), a deletion at
the source `delete:EXTERNAL_ID`, and an event that left the source's query `left:EXTERNAL_ID`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence

from sqlalchemy import ColumnElement, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ReviewCandidate, Series

ADD, UPDATE, DELETE, LEFT = "add", "update", "delete", "left"
CHANGES = (UPDATE, DELETE, LEFT)
REMOVALS = (DELETE, LEFT)
PENDING = "pending"


def update_key(external_id: str, fields: dict[str, str]) -> str:
    """Key a correction by its event and the values it brings."""
    digest = hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:32]
    return f"{UPDATE}:{external_id}@{digest}"


def removal_key(kind: str, external_id: str) -> str:
    """Key a deletion at the source, or an event that left its query."""
    assert kind in REMOVALS
    return f"{kind}:{external_id}"


def kind_of(key: str) -> str:
    """Say which kind of candidate a key names: add, update, delete or left."""
    head = key.split(":", 1)[0]
    return head if head in CHANGES else ADD


def external_id_of(key: str) -> str:
    """Return the event a change candidate's key names."""
    body = key.split(":", 1)[1]
    return body.rsplit("@", 1)[0] if kind_of(key) == UPDATE else body


async def waiting_changes(
    session: AsyncSession, series_id: int, external_ids: Iterable[str] | None = None
) -> dict[str, list[ReviewCandidate]]:
    """Return the change candidates of a series still waiting, by the event they change.

    With `external_ids`, only those events' candidates.
    """
    query = select(ReviewCandidate).where(
        ReviewCandidate.series_id == series_id,
        ReviewCandidate.status == PENDING,
        or_(*(ReviewCandidate.key.startswith(f"{kind}:") for kind in CHANGES)),
    )
    wanted = None if external_ids is None else set(external_ids)
    found: dict[str, list[ReviewCandidate]] = {}
    for candidate in await session.scalars(query.order_by(ReviewCandidate.id)):
        external_id = external_id_of(candidate.key)
        if wanted is None or external_id in wanted:
            found.setdefault(external_id, []).append(candidate)
    return found


def _waiting_of(
    source: str | None, teams: Sequence[str | None] | None
) -> list[ColumnElement[bool]]:
    where = [ReviewCandidate.status == PENDING]
    if source is not None:
        where.append(ReviewCandidate.source_name == source)
    if teams is not None:
        named = [team for team in teams if team is not None]
        where.append(
            or_(Series.team.in_(named), Series.team.is_(None) if None in teams else false())
        )
    return where


async def waiting_page(
    session: AsyncSession,
    *,
    source: str | None = None,
    limit: int,
    offset: int = 0,
    teams: Sequence[str | None] | None = None,
) -> list[tuple[ReviewCandidate, str]]:
    """Return a page of the waiting candidates (of one source; of the series of `teams`, None
    the shared ones, when given) with their series' name, oldest first: `offset` skips that
    many, `limit` says how many at most."""
    rows = await session.execute(
        select(ReviewCandidate, Series.name)
        .join(Series, Series.id == ReviewCandidate.series_id)
        .where(*_waiting_of(source, teams))
        .order_by(ReviewCandidate.id)
        .limit(limit)
        .offset(offset)
    )
    return [(candidate, name) for candidate, name in rows.all()]


async def count_waiting(
    session: AsyncSession,
    *,
    source: str | None = None,
    teams: Sequence[str | None] | None = None,
) -> int:
    """Count the waiting candidates (of one source; of the series of `teams`, when given)."""
    counted = await session.scalar(
        select(func.count())
        .select_from(ReviewCandidate)
        .join(Series, Series.id == ReviewCandidate.series_id)
        .where(*_waiting_of(source, teams))
    )
    return int(counted or 0)
