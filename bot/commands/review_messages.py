"""A candidate's review messages: one per reviewing channel, edited when it changes or is decided.

Each edit is an outbox message of its own (kind "review-edit"), so it is sent once and
retried as any message is. Its sender edits the message the review was posted as, which it
finds by the review's outbox key (`Originals`): the platform's id of the posted message is
kept with the outbox row when it is posted (storage/outbox.py, POSTED).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.fields import IncidentFields
from bot.domain.replies import Reply, reply_data
from storage import outbox, subscriptions
from storage.database import Database
from storage.models import Subscription

REVIEW, REVIEW_EDIT = "review", "review-edit"
# What a sender records among a review message's parts with the platform's id of it.
POSTED = outbox.POSTED


def message_key(platform: str, channel: str, candidate_id: int) -> str:
    """Key the review message a channel gets for a candidate (once per channel)."""
    return f"{REVIEW}:{platform}:{channel}:{candidate_id}"


def original_key(edit_key: str) -> str:
    """Return the key of the review message an edit changes."""
    body = edit_key.removeprefix(f"{REVIEW_EDIT}:").rsplit(":", 1)[0]
    return f"{REVIEW}:{body}"


async def post(
    session: AsyncSession,
    channels: Iterable[Subscription],
    candidate_id: int,
    reply: Reply,
    versions: Iterable[IncidentFields],
    now: datetime,
) -> None:
    """Queue a candidate's message for each channel whose review filters one of `versions`
    matches, once per channel (two of its subscriptions may match)."""
    shown = tuple(versions)
    for channel in channels:
        filters = subscriptions.filters_of(channel)
        if not any(filters.matches(fields) for fields in shown):
            continue  # a channel reviews what it subscribed to: `reviews country:Iraq`
        await outbox.enqueue_for(
            session,
            channel,
            key=message_key(channel.platform, channel.channel, candidate_id),
            kind=REVIEW,
            payload={"reply": reply_data(reply)},
            now=now,
        )


async def edit_posted(session: AsyncSession, candidate_id: int, reply: Reply, now: datetime) -> int:
    """Show `reply` in every channel's copy of a candidate's message; return how many.

    A copy not sent yet is given the new content instead, unless a sender holds it (it may
    be posting the old one): then it is edited too, once posted. An older edit not sent yet
    is dropped, so that it cannot land after this one.
    """
    payload = {"reply": reply_data(reply)}
    edited = 0
    for copy in await outbox.keyed(session, kind=REVIEW, suffix=f":{candidate_id}"):
        if copy.status == outbox.FAILED:
            continue  # never posted: nothing to edit
        if copy.status == outbox.PENDING:
            held = await outbox.is_held(session, copy)
            await outbox.replace_unsent(session, copy.id, payload)
            if not held:
                continue
        prefix = f"{REVIEW_EDIT}:{copy.key.removeprefix(f'{REVIEW}:')}:"
        done = [int(k.rsplit(":", 1)[1]) for k in await outbox.keys_under(session, prefix)]
        await outbox.drop_unsent(session, prefix)
        await outbox.enqueue(
            session,
            key=f"{prefix}{max(done, default=0) + 1}",
            platform=copy.platform,
            channel=copy.channel,
            kind=REVIEW_EDIT,
            payload=payload,
            now=now,
            team=copy.team,  # edited with the token of the workspace it was posted in
        )
        edited += 1
    return edited


@dataclass(frozen=True)
class Original:
    """The review message an edit changes: its platform id once posted, else whether it
    may still be (then the edit waits) or never will (then there is nothing to edit)."""

    posted_id: str | None
    waiting: bool = False


Originals = Callable[[str], Awaitable[Original]]


def originals_of(database: Database) -> Originals:
    """Return how a sender finds the review message an edit changes, by its outbox key."""

    async def original(key: str) -> Original:
        async with database.read() as session:
            message = await outbox.by_key(session, key)
        if message is None or message.status == outbox.FAILED:
            return Original(None)
        found = outbox.posted_id(message)
        return Original(found, waiting=found is None and message.status == outbox.PENDING)

    return original
