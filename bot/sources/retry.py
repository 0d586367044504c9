"""Retry a source's requests within one run: backoff with jitter, Retry-After, a bound in time.

A 429, a 502/503/504 or a time-out is usually a blip; without a retry the source would wait for
its next slot (six hours stale with `every:6h`). A run therefore tries again after
BASE_SECONDS, doubling up to CAP_SECONDS, each wait drawn at random in its upper half (so
replicas that failed together do not come back together), or exactly as long as a 429's
Retry-After asks. It stops once the failed tries and the waits between them would pass
RETRY_WITHIN_SECONDS: a run spends at most that (and one more time-out) on failures, and a
Retry-After beyond it ends the run at once. A long run that pages without failing is not cut.

The clock, the sleep and the random draw are a `Waiter`'s, so tests wait for nothing.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from bot.commands.fetching import SourceError

RETRY_STATUSES = frozenset({429, 502, 503, 504})
BASE_SECONDS = 2.0
CAP_SECONDS = 60.0
# The most a run spends on failed tries and the waits after them, in all: a source run from chat
# is answered only after it.
RETRY_WITHIN_SECONDS = 120.0


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Waiter:
    """How a run waits: a monotonic clock, the wall clock (for dated Retry-After), a sleep."""

    monotonic: Callable[[], float] = time.monotonic
    now: Callable[[], datetime] = _now
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    draw: Callable[[], float] = random.random  # jitter, not a secret


class Transient(SourceError):
    """A failure worth trying again within the run; `after` is what Retry-After asked, if any."""

    def __init__(self, message: str, after: float | None = None) -> None:
        super().__init__(message)
        self.after = after


@dataclass
class Retries:
    """One run's tries: waits before the next one, or ends the run once the bound is reached."""

    waiter: Waiter
    within: float = RETRY_WITHIN_SECONDS
    tries: int = 1
    spent: float = 0.0

    async def again(self, failure: Transient, since: float) -> None:
        """Wait before trying again after a try that began at `since` (the waiter's monotonic
        clock) and failed; raise a SourceError saying so when the run may not wait."""
        self.spent += max(self.waiter.monotonic() - since, 0.0)
        if failure.after is not None:
            wait = failure.after
        else:
            ceiling = min(CAP_SECONDS, BASE_SECONDS * 2 ** (self.tries - 1))
            wait = ceiling * (0.5 + self.waiter.draw() / 2)
        if wait > self.within - self.spent:
            raise SourceError(self._given_up(failure, wait)) from None
        started = self.waiter.monotonic()
        await self.waiter.sleep(wait)
        # What the clock says passed, never less than asked: a sleep may wake late.
        self.spent += max(wait, self.waiter.monotonic() - started)
        self.tries += 1

    def _given_up(self, failure: Transient, wait: float) -> str:
        if self.tries == 1:
            return (
                f"{failure}; it asked to wait {wait:,.0f} s, longer than a run waits "
                f"({self.within:g} s), so the next run tries again"
            )
        return f"{failure}; tried {self.tries} times over {self.spent:,.0f} s"


def retry_after(value: Any, now: datetime) -> float | None:
    """Read a Retry-After header: seconds, or an HTTP date; None when it says neither."""
    text = str(value or "").strip()
    if not text:
        return None
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # HTTP dates are GMT
    return max((when - now).total_seconds(), 0.0)
