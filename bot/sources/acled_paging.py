"""Page through an ACLED query, again until two reads agree, so that no event is skipped.

ACLED pages by offset (`limit` and `page`) in an order it does not promise to keep: an event
updated or deleted while a reader is between two pages shifts the rows after it, and one of
them can slip past the reader unseen. So a *pass* (the query read page by page, until an empty
page or until `total_count` events, when ACLED sends it) is trusted alone only when it took
one request, one query answered at one moment. Otherwise the query is read again, and the read
is taken when two passes in a row hold the same events (event id → timestamp: ACLED gives an
event a new timestamp whenever it changes it). A pass holding an event twice, or fewer events
than the total_count ACLED sent, is plainly unsettled and never taken. After MAX_PASSES passes
with no two in a row agreeing, the run fails in one sentence; a failed run stores nothing and
the next one starts again from the last good position.

Cost: a query of one page (with ACLED's total_count, the common case of a run every few
hours) is one request; one of N pages is read twice, 2N requests, and more only while ACLED
is changing that very query.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.commands.fetching import SourceError
from bot.domain import acled

MAX_PAGES = 1_000
MAX_PASSES = 4
KEPT_CHANGING = "ACLED's data kept changing while it was read; the next run tries again"

# Read page N (from 1): its events and, when ACLED sent it, total_count.
PageReader = Callable[[int], Awaitable[tuple[list[dict[str, Any]], int | None]]]


@dataclass(frozen=True)
class Pass:
    """One full paged read of a query: its events, how many requests it took, total_count."""

    events: list[dict[str, Any]]
    requests: int
    total: int | None

    def snapshot(self) -> dict[str, str] | None:
        """Return event id → timestamp, or None when the pass is plainly unsettled."""
        seen: dict[str, str] = {}
        for number, event in enumerate(self.events):
            # An event without an id is reported by the run that checks the rows; here it
            # only must not look like a repeat of another.
            key = str(event.get(acled.ID_COLUMN) or f"#{number}")
            if key in seen:
                return None  # the same event on two pages: rows moved under the reader
            seen[key] = str(event.get("timestamp"))
        if self.total is not None and len(seen) < self.total:
            return None  # fewer events than ACLED counted: some slipped between pages
        return seen


async def one_pass(read_page: PageReader) -> Pass:
    """Read every page of a query once, until an empty page or total_count events."""
    found: list[dict[str, Any]] = []
    total: int | None = None
    for page in range(1, MAX_PAGES + 1):
        data, total = await read_page(page)
        found.extend(data)
        # A page shorter than the limit is not the last: ACLED (or a proxy) may cap a page
        # below what was asked. Only an empty page, or total_count when ACLED sends it, ends.
        if not data or (total is not None and len(found) >= total):
            return Pass(found, page, total)
    raise SourceError(
        f"ACLED sent more than {MAX_PAGES:,} pages; narrow the source's query (from:, country:)"
    )


async def settled_read(read_page: PageReader) -> list[dict[str, Any]]:
    """Read a query until one pass is a snapshot or two in a row agree; fail after MAX_PASSES."""
    previous: dict[str, str] | None = None
    for _ in range(MAX_PASSES):
        found = await one_pass(read_page)
        snapshot = found.snapshot()
        if snapshot is not None and (found.requests == 1 or snapshot == previous):
            return found.events
        previous = snapshot
    raise SourceError(KEPT_CHANGING)
