"""Each team's own settings (its time zone, its named admins and admin roles), one row a team."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UtcDateTime
from storage.models import Series


class TeamSetting(Base):
    """One team's settings; a team without a row has the bot's zone and no named admins."""

    __tablename__ = "team_settings"

    team: Mapped[str] = mapped_column(String(64), primary_key=True)
    time_zone: Mapped[str | None] = mapped_column(String(64))
    # Users (Slack member ids, Discord user ids) this team's admins made admins too.
    admin_users: Mapped[list[str]] = mapped_column(JSON)
    # Discord: roles (by id) of the team's server whose members are its admins.
    admin_roles: Mapped[list[str]] = mapped_column(JSON)
    set_by: Mapped[str] = mapped_column(String(100))
    set_at: Mapped[datetime] = mapped_column(UtcDateTime())


@dataclass(frozen=True)
class TeamFacts:
    """What the database holds of one team."""

    team: str
    time_zone: str | None = None
    admin_users: tuple[str, ...] = ()
    admin_roles: tuple[str, ...] = ()


async def facts_of(session: AsyncSession, team: str) -> TeamFacts:
    """Return a team's settings (empty ones for a team without a row)."""
    row = await session.get(TeamSetting, team)
    if row is None:
        return TeamFacts(team)
    return TeamFacts(team, row.time_zone, tuple(row.admin_users), tuple(row.admin_roles))


async def time_zone_of(session: AsyncSession, team: str | None) -> str | None:
    """Return the name of a team's own time zone, or None."""
    if team is None:
        return None
    return await session.scalar(select(TeamSetting.time_zone).where(TeamSetting.team == team))


async def _row(session: AsyncSession, team: str, actor: str, now: datetime) -> TeamSetting:
    """Return the team's row, locked for this transaction; made first if it has none.

    Two admins setting up a team at once both insert; the database keeps one row and the
    other insert does nothing, so neither write fails.
    """
    values: dict[str, object] = {
        "team": team,
        "time_zone": None,
        "admin_users": [],
        "admin_roles": [],
        "set_by": actor,
        "set_at": now,
    }
    # Each dialect's own INSERT ... ON CONFLICT, loaded here: a question never needs it.
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        statement: Any = postgresql_insert(TeamSetting).values(**values).on_conflict_do_nothing()
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = sqlite_insert(TeamSetting).values(**values).on_conflict_do_nothing()
    await session.execute(statement)
    row = await session.scalar(
        select(TeamSetting).where(TeamSetting.team == team).with_for_update()
    )
    assert row is not None
    await session.refresh(row)
    return row


async def set_time_zone(
    session: AsyncSession, team: str, zone: str | None, *, actor: str, now: datetime
) -> str | None:
    """Set (or with None remove) a team's time zone; return the one it had before."""
    row = await _row(session, team, actor, now)
    before = row.time_zone
    row.time_zone, row.set_by, row.set_at = zone, actor, now
    await session.flush()
    return before


async def change_admins(
    session: AsyncSession,
    team: str,
    *,
    users: tuple[str, ...] = (),
    roles: tuple[str, ...] = (),
    add: bool,
    actor: str,
    now: datetime,
) -> TeamFacts:
    """Add (or remove) named admin users and roles of a team; return its settings after."""
    row = await _row(session, team, actor, now)
    if add:
        row.admin_users = sorted({*row.admin_users, *users})
        row.admin_roles = sorted({*row.admin_roles, *roles})
    else:
        row.admin_users = [user for user in row.admin_users if user not in users]
        row.admin_roles = [role for role in row.admin_roles if role not in roles]
    row.set_by, row.set_at = actor, now
    await session.flush()
    return TeamFacts(team, row.time_zone, tuple(row.admin_users), tuple(row.admin_roles))


async def own_series(session: AsyncSession, team: str) -> list[str]:
    """Return the names of the series a team owns."""
    found = await session.scalars(
        select(Series.name).where(Series.team == team).order_by(Series.name)
    )
    return list(found)
