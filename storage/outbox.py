"""The outbox: messages queued in the transaction that caused them, claimed and sent later.

Two clocks meet here. When a message is due (`next_attempt_at`: queued, or a retry's
backoff) is the business's time, the clock the caller passes (injected in tests). How
long a sender holds a claim (`claimed_until`) is mutual exclusion between replicas, so
it is written and compared only on the database's clock, the one clock they share: a
replica whose own clock runs hours ahead cannot take a message another is sending.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.database import upsert_insert
from storage.models import OutboxMessage, Subscription

PENDING, SENT, FAILED = "pending", "sent", "failed"
# A message held for a channel's quiet hours: no sender claims it. When they end, the held
# messages of the channel become RELEASED and one message listing them is queued instead
# (storage/held.py).
HELD, RELEASED = "held", "released"


@dataclass(frozen=True)
class Queued:
    """A message to queue: its key (its cause: the same key is queued once), where it goes
    and what it says. `team` is the Slack workspace it goes to when the app serves many
    (None with one); `held` keeps it for the channel's quiet hours (storage/held.py
    releases it)."""

    key: str
    platform: str
    channel: str
    kind: str
    payload: dict[str, Any]
    team: str | None = None
    held: bool = False

    @classmethod
    def to_subscriber(
        cls,
        subscription: Subscription,
        *,
        key: str,
        kind: str,
        payload: dict[str, Any],
        held: bool = False,
    ) -> Queued:
        """Return a message for a subscription's channel, to its Slack workspace."""
        return cls(
            key=key,
            platform=subscription.platform,
            channel=subscription.channel,
            kind=kind,
            payload=payload,
            team=slack_team(subscription.team),
            held=held,
        )


# Rows per statement: ten parameters a row, well under SQLite's 32,766.
ENQUEUED_PER_STATEMENT = 500


async def enqueue_all(session: AsyncSession, messages: Sequence[Queued], now: datetime) -> int:
    """Queue messages, each unless one with its key (the same cause) was queued; return how
    many were queued. One statement for all (a write that alerts many channels)."""
    queued = 0
    for start in range(0, len(messages), ENQUEUED_PER_STATEMENT):
        rows = [
            {
                "key": message.key,
                "platform": message.platform,
                "channel": message.channel,
                "kind": message.kind,
                "payload": message.payload,
                "status": HELD if message.held else PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
                "team": message.team,
            }
            for message in messages[start : start + ENQUEUED_PER_STATEMENT]
        ]
        # The rows bound to one statement (SQLAlchemy sends them as one INSERT of many
        # rows): compiled once, not again for each write as an INSERT with its values was.
        # The ids it returns are the rows queued, not those whose key was there.
        statement = (
            upsert_insert(session, OutboxMessage)
            .on_conflict_do_nothing(index_elements=[OutboxMessage.key])
            .returning(OutboxMessage.id)
        )
        queued += len((await session.execute(statement, rows)).all())
    return queued


async def enqueue(
    session: AsyncSession,
    *,
    key: str,
    platform: str,
    channel: str,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    team: str | None = None,
    held: bool = False,
) -> bool:
    """Queue a message unless one with the same key (the same cause) was queued; say which
    (see Queued)."""
    message = Queued(key, platform, channel, kind, payload, team, held)
    return bool(await enqueue_all(session, [message], now))


async def enqueue_for(
    session: AsyncSession,
    subscription: Subscription,
    *,
    key: str,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    held: bool = False,
) -> bool:
    """Queue a message for a subscription's channel (see enqueue), to its Slack workspace."""
    message = Queued.to_subscriber(subscription, key=key, kind=kind, payload=payload, held=held)
    return bool(await enqueue_all(session, [message], now))


def slack_team(team: str | None) -> str | None:
    """Return the Slack workspace id of a team ("slack:T0123" → "T0123"); None for others."""
    if team is None or not team.startswith("slack:"):
        return None
    return team.removeprefix("slack:")


async def is_queued(session: AsyncSession, key: str) -> bool:
    """Say whether a message with this key (this cause) was ever queued."""
    found = await session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key))
    return found is not None


async def queued_keys(session: AsyncSession, keys: list[str]) -> set[str]:
    """Return those of `keys` under which a message was ever queued."""
    if not keys:
        return set()
    query = select(OutboxMessage.key).where(OutboxMessage.key.in_(keys))
    return set(await session.scalars(query))


async def database_now(session: AsyncSession) -> datetime:
    """Return the time on the database's clock, the one every replica reads alike."""
    if session.get_bind().dialect.name == "postgresql":
        # clock_timestamp(), not now(): now() stays at the start of the transaction.
        moment: datetime = await session.scalar(text("SELECT clock_timestamp()"))
        return moment.astimezone(UTC)
    # SQLite is embedded: its clock is the host's, the same for every process that can
    # open the file; 'now' is in UTC, to the millisecond.
    stamp: str = await session.scalar(text("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')"))
    return datetime.fromisoformat(stamp).replace(tzinfo=UTC)


async def claim(
    session: AsyncSession, *, platforms: list[str], now: datetime, lease: timedelta, limit: int
) -> list[OutboxMessage]:
    """Take up to `limit` messages due at `now` for these platforms, each held for `lease`.

    The lease runs on the database's clock, whatever `now` says: a message held by a sender
    that died is due again when its lease runs out there, and a replica whose own clock is
    ahead cannot take a message before. On PostgreSQL, rows another replica is claiming are
    skipped rather than waited for.
    """
    held = await database_now(session)
    due = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status == PENDING,
            OutboxMessage.platform.in_(platforms),
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until <= held),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = list(await session.scalars(due))
    if not ids:
        return []
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))
        .values(claimed_until=held + lease, attempts=OutboxMessage.attempts + 1)
    )
    query = select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)
    return list(await session.scalars(query.execution_options(populate_existing=True)))


async def mark_sent(session: AsyncSession, message_id: int, now: datetime) -> None:
    """Record that a message was posted."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(status=SENT, sent_at=now, claimed_until=None, last_error=None)
    )


async def mark_part(session: AsyncSession, message_id: int, part: str) -> None:
    """Record that one part of a message (its text, a file) was delivered."""
    message = await session.get(OutboxMessage, message_id, populate_existing=True)
    if message is not None:
        done = list(message.parts_done or [])
        if part not in done:
            message.parts_done = [*done, part]
            await session.flush()


async def retry_later(session: AsyncSession, message_id: int, *, at: datetime, error: str) -> None:
    """Put a message back, to be tried again at `at`."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(next_attempt_at=at, claimed_until=None, last_error=error)
    )


async def mark_failed(session: AsyncSession, message_id: int, *, error: str) -> None:
    """Keep a message that cannot be sent, for a person to look at."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(status=FAILED, claimed_until=None, last_error=error)
    )


async def team_of(session: AsyncSession, message_id: int) -> str | None:
    """Return the Slack team a message goes to (None when it names none)."""
    return await session.scalar(select(OutboxMessage.team).where(OutboxMessage.id == message_id))


async def abandon_team(session: AsyncSession, *, platform: str, team: str, reason: str) -> int:
    """Fail every pending (or held) message to a team (it removed the app); return how many."""
    result = cast(
        CursorResult[Any],
        await session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.platform == platform,
                OutboxMessage.team == team,
                OutboxMessage.status.in_([PENDING, HELD]),
            )
            .values(status=FAILED, claimed_until=None, last_error=reason)
        ),
    )
    return result.rowcount


async def unsent(session: AsyncSession) -> list[OutboxMessage]:
    """Return the pending, held (for quiet hours) and failed messages, oldest first."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status.in_([PENDING, HELD, FAILED]))
        .order_by(OutboxMessage.id)
    )
    return list(await session.scalars(query))


async def retry_now(session: AsyncSession, message_id: int, now: datetime) -> OutboxMessage | None:
    """Make an unsent message due at once with fresh attempts; None if there is no such message."""
    message = await session.get(OutboxMessage, message_id)
    if message is None or message.status == SENT:
        return None
    message.status = PENDING
    message.attempts = 0
    message.next_attempt_at = now
    message.claimed_until = None
    await session.flush()
    return message


async def release(session: AsyncSession, message_ids: list[int]) -> None:
    """Give back claimed messages that were not tried, due at once for any sender.

    A stopping process calls it, so that no replica waits out the lease of a message that
    was never sent; the attempt it counted is taken back.
    """
    if not message_ids:
        return
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(message_ids), OutboxMessage.status == PENDING)
        .values(claimed_until=None, attempts=OutboxMessage.attempts - 1)
    )


@dataclass(frozen=True)
class Summary:
    """How the outbox stands: messages waiting, failed, and when the oldest waiting was queued."""

    pending: int
    failed: int
    oldest_pending: datetime | None


async def summary(session: AsyncSession) -> Summary:
    """Count the pending and failed messages and find the oldest pending one."""
    rows = (
        await session.execute(
            select(OutboxMessage.status, func.count(), func.min(OutboxMessage.created_at))
            .where(OutboxMessage.status.in_([PENDING, FAILED]))
            .group_by(OutboxMessage.status)
        )
    ).all()
    found = {status: (count, oldest) for status, count, oldest in rows}
    oldest = found.get(PENDING, (0, None))[1]
    return Summary(
        pending=found.get(PENDING, (0, None))[0],
        failed=found.get(FAILED, (0, None))[0],
        oldest_pending=oldest,
    )


# A posted message's id on its platform (Slack's ts, Discord's message id), kept among its
# parts as "posted:ID" by the sender, so that a later message can edit it.
POSTED = "posted:"


def posted_id(message: OutboxMessage) -> str | None:
    """Return the platform's id of a posted message, if its sender kept it."""
    for part in message.parts_done or ():
        if part.startswith(POSTED):
            return part.removeprefix(POSTED)
    return None


async def by_key(session: AsyncSession, key: str) -> OutboxMessage | None:
    """Return the message queued for this cause, read afresh."""
    query = select(OutboxMessage).where(OutboxMessage.key == key)
    return await session.scalar(query.execution_options(populate_existing=True))


async def keyed(session: AsyncSession, *, kind: str, suffix: str) -> list[OutboxMessage]:
    """Return the messages of a kind whose keys end with `suffix`, oldest first."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.kind == kind, OutboxMessage.key.endswith(suffix, autoescape=True))
        .order_by(OutboxMessage.id)
    )
    return list(await session.scalars(query.execution_options(populate_existing=True)))


async def keys_under(session: AsyncSession, prefix: str) -> list[str]:
    """Return the keys of the messages whose keys start with `prefix`."""
    query = select(OutboxMessage.key).where(OutboxMessage.key.startswith(prefix, autoescape=True))
    return list(await session.scalars(query))


async def is_held(session: AsyncSession, message: OutboxMessage) -> bool:
    """Say whether a sender holds the message now (it may be posting it as we speak)."""
    if message.claimed_until is None:
        return False
    return message.claimed_until > await database_now(session)


async def replace_unsent(session: AsyncSession, message_id: int, payload: dict[str, Any]) -> bool:
    """Give a message not yet sent new content; say whether it was still unsent."""
    result = cast(
        CursorResult[Any],
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == PENDING)
            .values(payload=payload)
        ),
    )
    return bool(result.rowcount)


async def drop_unsent(session: AsyncSession, prefix: str) -> int:
    """Forget the unsent messages whose keys start with `prefix` (a newer one replaces them)."""
    result = cast(
        CursorResult[Any],
        await session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.key.startswith(prefix, autoescape=True),
                OutboxMessage.status.in_([PENDING, FAILED]),
            )
        ),
    )
    return int(result.rowcount or 0)
