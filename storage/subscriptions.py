"""Subscriptions: which channels get a series' alerts or digest, kept in the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.filters import Filters
from storage.models import Series, Subscription
from storage.writes import WriteError

# The length of Subscription.filters_key.
MAX_FILTERS_KEY = 400


def filters_key(filters: Filters) -> str:
    """Write filters one way, so that equal filters compare equal ("country:iraq")."""
    return " ".join(f"{key}:{value}" for key, value in sorted(filters.normalised_items()))


def filters_of(subscription: Subscription) -> Filters:
    """Return a subscription's filters."""
    return Filters(**subscription.filters)


@dataclass(frozen=True)
class Target:
    """What a channel subscribes to: one kind of message about a series, with filters."""

    platform: str
    channel: str
    kind: str
    series_id: int
    filters: Filters
    team: str | None = None  # whose channel it is (None: the install's own)
    # A digest's own schedule as written ("every day 07:30"); None: the bot's digest_cron.
    schedule: str | None = None
    # The other series a digest's chart marks (`with:us-strikes`); None: none.
    context_series: str | None = None


async def find(session: AsyncSession, target: Target) -> Subscription | None:
    """Return the subscription of a channel to exactly this target, if any."""
    return await session.scalar(
        select(Subscription).where(
            Subscription.platform == target.platform,
            Subscription.channel == target.channel,
            Subscription.kind == target.kind,
            Subscription.series_id == target.series_id,
            Subscription.filters_key == filters_key(target.filters),
        )
    )


async def subscribe(session: AsyncSession, target: Target, *, actor: str, now: datetime) -> bool:
    """Subscribe a channel; return False if it already was."""
    key = filters_key(target.filters)
    if len(key) > MAX_FILTERS_KEY:
        raise WriteError(
            f"Those filters are too long to subscribe to: at most {MAX_FILTERS_KEY} characters "
            "in all, e.g. `subscribe alerts country:Iraq kind:drone`."
        )
    if await find(session, target) is not None:
        return False
    session.add(
        Subscription(
            platform=target.platform,
            channel=target.channel,
            kind=target.kind,
            series_id=target.series_id,
            filters=dict(target.filters.items()),
            filters_key=key,
            team=target.team,
            schedule=target.schedule,
            context_series=target.context_series,
            created_by=actor,
            created_at=now,
        )
    )
    await session.flush()
    return True


async def reschedule(
    session: AsyncSession, subscription: Subscription, schedule: str | None, now: datetime
) -> str | None:
    """Give a digest subscription a new schedule (None: the bot's) from `now` on: no run due
    before it is made up. Return the one it had."""
    before = subscription.schedule
    subscription.schedule, subscription.scheduled_at = schedule, now
    await session.flush()
    return before


async def unsubscribe(session: AsyncSession, target: Target) -> bool:
    """Remove a channel's subscription; return False if there was none."""
    existing = await find(session, target)
    if existing is None:
        return False
    await session.delete(existing)
    await session.flush()
    return True


async def of_channel(
    session: AsyncSession, platform: str, channel: str
) -> list[tuple[Subscription, str]]:
    """Return a channel's subscriptions with their series names."""
    rows = await session.execute(
        select(Subscription, Series.name)
        .join(Series, Series.id == Subscription.series_id)
        .where(Subscription.platform == platform, Subscription.channel == channel)
        .order_by(Subscription.kind, Series.name, Subscription.filters_key)
    )
    return [(subscription, name) for subscription, name in rows.all()]


# Built once, bound at each call: every write asks it.
_OF_SERIES = (
    select(Subscription)
    .where(Subscription.series_id == bindparam("series_id"), Subscription.kind == bindparam("kind"))
    .order_by(Subscription.id)
)


async def of_series(session: AsyncSession, series_id: int, kind: str) -> list[Subscription]:
    """Return every subscription of one kind to a series."""
    return list(await session.scalars(_OF_SERIES, {"series_id": series_id, "kind": kind}))


async def all_of_kind(session: AsyncSession, kind: str) -> list[tuple[Subscription, str]]:
    """Return every subscription of one kind, with series names."""
    rows = await session.execute(
        select(Subscription, Series.name)
        .join(Series, Series.id == Subscription.series_id)
        .where(Subscription.kind == kind)
        .order_by(Subscription.id)
    )
    return [(subscription, name) for subscription, name in rows.all()]


async def team_of_channel(session: AsyncSession, platform: str, channel: str) -> str | None:
    """Return the team a channel's subscriptions were made in (None: none, or the install's)."""
    return await session.scalar(
        select(Subscription.team)
        .where(Subscription.platform == platform, Subscription.channel == channel)
        .order_by(Subscription.team.is_(None), Subscription.id)
        .limit(1)
    )
