"""The delivery loop: posts queued messages through the platform adapters, each exactly once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.domain.clock import Clock, utc_now
from bot.domain.replies import Reply, reply_from_data
from storage import outbox
from storage.database import Database
from storage.models import OutboxMessage

log = logging.getLogger(__name__)
FIRST_WAIT_SECONDS = 2.0
LONGEST_WAIT = timedelta(minutes=15)
MESSAGE_PART = "message"
# Once the process is told to stop, a send under way gets this long to finish; then it is
# given back to the outbox (unclaimed), so that no replica waits out its lease.
STOP_GRACE_SECONDS = 3.0


class DeliveryError(Exception):
    """A send that failed: `retry_after` is when the platform said to come back (seconds);
    `permanent` means trying again cannot help (a deleted channel, a revoked token)."""

    def __init__(
        self, message: str, *, retry_after: float | None = None, permanent: bool = False
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent


@dataclass(frozen=True)
class Outgoing:
    """A queued message as a sender sees it: where it goes, what it says, what is done.

    `done` holds the parts already delivered by an earlier attempt: "message" for the
    text, "file:NAME" for each attachment.
    """

    id: int
    key: str
    platform: str
    channel: str
    kind: str
    attempts: int
    queued_at: datetime
    reply: Reply
    done: frozenset[str] = frozenset()


Progress = Callable[[str], Awaitable[None]]


def file_part(filename: str) -> str:
    """Name the part of a message that is one attached file."""
    return f"file:{filename}"


class Recorder(Protocol):
    """What the loop records its attempts in (the core's metrics, bot/commands/metrics.py)."""

    def delivered(self, platform: str, kind: str, result: str, at: float) -> None:
        """Count one delivery attempt: "sent", "retry" or "failed"."""


class Sender(Protocol):
    """What a platform adapter offers the delivery loop."""

    platform: str

    async def send(self, message: Outgoing, progress: Progress) -> None:
        """Post the parts of a message not yet done, calling `progress(part)` after each.

        Raise DeliveryError when a part was not posted.
        """


def next_wait(attempts: int, retry_after: float | None) -> timedelta:
    """Return how long to wait before the next attempt: what the platform asked, else doubling."""
    if retry_after is not None:
        return timedelta(seconds=max(retry_after, 0.0))
    return min(timedelta(seconds=FIRST_WAIT_SECONDS * 2 ** max(attempts - 1, 0)), LONGEST_WAIT)


def outgoing(message: OutboxMessage) -> Outgoing:
    """Return a claimed outbox row as the plain message a sender gets."""
    return Outgoing(
        id=message.id,
        key=message.key,
        platform=message.platform,
        channel=message.channel,
        kind=message.kind,
        attempts=message.attempts,
        queued_at=message.created_at,
        reply=reply_from_data(message.payload["reply"]),
        done=frozenset(message.parts_done or ()),
    )


class Delivery:
    """Claim due messages from the outbox, send them, and record what happened."""

    def __init__(
        self,
        database: Database,
        senders: Sequence[Sender],
        *,
        clock: Clock = utc_now,
        max_attempts: int = 8,
        send_timeout: float = 30.0,
        batch: int = 20,
        metrics: Recorder | None = None,
    ) -> None:
        self.database = database
        self.senders = {sender.platform: sender for sender in senders}
        self.clock = clock
        self.max_attempts = max_attempts
        self.send_timeout = send_timeout
        # A claim outlives the longest send, so only a sender that died loses its messages.
        # It is measured on the database's clock, not self.clock: replicas on hosts whose
        # clocks disagree still agree on when it ends (storage/outbox.py).
        self.lease = timedelta(seconds=send_timeout * 2 + 30)
        self.batch = batch
        self.metrics = metrics
        self._wake = asyncio.Event()
        self._stop: asyncio.Event | None = None
        self._round = asyncio.Lock()

    def wake(self) -> None:
        """Look at the outbox now rather than at the next poll."""
        self._wake.set()

    async def run_once(self) -> int:
        """Send the messages due now; return how many were tried.

        One round at a time: a drain waits for the loop's round under way, so what that round
        claimed has been sent when the drain returns (the console prints an alert under the
        reply of the command that queued it).
        """
        async with self._round:
            return await self._run_round()

    async def _run_round(self) -> int:
        async with self.database.write() as session:
            claimed = await outbox.claim(
                session,
                platforms=list(self.senders),
                now=self.clock(),
                lease=self.lease,
                limit=self.batch,
            )
        for number, message in enumerate(claimed):
            if self._stop is not None and self._stop.is_set():
                # Stopping: what was claimed but not tried goes back at once, for any replica.
                async with self.database.write() as session:
                    await outbox.release(session, [m.id for m in claimed[number:]])
                break
            await self._send(message)
        return len(claimed)

    async def _progress(self, message_id: int, part: str) -> None:
        async with self.database.write() as session:
            await outbox.mark_part(session, message_id, part)

    async def _send(self, message: OutboxMessage) -> None:
        sender = self.senders[message.platform]
        error: DeliveryError | None = None

        async def progress(part: str) -> None:
            await self._progress(message.id, part)

        try:
            await self._attempt(sender.send(outgoing(message), progress))
        except DeliveryError as failure:
            error = failure
        except TimeoutError:
            error = DeliveryError(f"no answer within {self.send_timeout:g} s")
        except Exception as failure:
            # An adapter bug or a network error: keep the message and try again later.
            log.exception("sending outbox message %s failed", message.id)
            error = DeliveryError(f"{type(failure).__name__}: {failure}")
        async with self.database.write() as session:
            if error is None:
                await outbox.mark_sent(session, message.id, self.clock())
                result = "sent"
            elif error.permanent or message.attempts >= self.max_attempts:
                log.warning("outbox message %s failed for good: %s", message.id, error)
                await outbox.mark_failed(session, message.id, error=str(error))
                result = "failed"
            else:
                at = self.clock() + next_wait(message.attempts, error.retry_after)
                log.info("outbox message %s will be retried at %s: %s", message.id, at, error)
                await outbox.retry_later(session, message.id, at=at, error=str(error))
                result = "retry"
        if self.metrics is not None:
            self.metrics.delivered(message.platform, message.kind, result, self.clock().timestamp())

    async def _attempt(self, sending: Awaitable[None]) -> None:
        """Wait for one send, up to the time-out; once stopping, up to the stop grace only."""
        task = asyncio.ensure_future(sending)
        stop = self._stop
        waits: set[asyncio.Future[Any]] = {task}
        stopping = asyncio.ensure_future(stop.wait()) if stop is not None else None
        if stopping is not None:
            waits.add(stopping)
        try:
            done, _ = await asyncio.wait(
                waits, timeout=self.send_timeout, return_when=asyncio.FIRST_COMPLETED
            )
            if task not in done and stopping is not None and stopping in done:
                done, _ = await asyncio.wait({task}, timeout=STOP_GRACE_SECONDS)
                if task not in done:
                    task.cancel()
                    await asyncio.wait({task})
                    raise DeliveryError("the bot stopped before it was sent", retry_after=0)
            if task not in done:
                task.cancel()
                await asyncio.wait({task})
                raise TimeoutError
            task.result()
        finally:
            if stopping is not None:
                stopping.cancel()

    async def drain(self) -> None:
        """Send everything that is due now (used before a console session ends)."""
        while await self.run_once():
            pass

    async def run(self, stop: asyncio.Event, poll_seconds: float = 5.0) -> None:
        """Deliver until `stop` is set; a failure of one round never ends the loop.

        When `stop` is set, the send under way finishes (or is given back after a short
        grace) and the messages claimed with it are given back: nothing stays claimed.
        """
        self._stop = stop
        try:
            await self._run(stop, poll_seconds)
        finally:
            self._stop = None  # a drain after the loop ended delivers as usual

    async def _run(self, stop: asyncio.Event, poll_seconds: float) -> None:
        while not stop.is_set():
            # Cleared before the round, not after it: a write that queues a message while the
            # round looks at the outbox wakes the wait below, instead of waiting for the poll.
            self._wake.clear()
            try:
                if await self.run_once():
                    continue
            except Exception:
                log.exception("the delivery loop failed a round; it goes on")
            waits = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
            await asyncio.wait(waits, timeout=poll_seconds, return_when=asyncio.FIRST_COMPLETED)
            for waiting in waits:
                waiting.cancel()
