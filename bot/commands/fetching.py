"""The port sources are read through: what a fetcher is asked, what it brings, how it fails.

The fetching itself (HTTP, ACLED's API) is an adapter's (bot/sources); bot/commands/sources/
decides what a run does with what was brought.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


class SourceError(Exception):
    """A run that could not read its source; the message says why, for `source list`."""


@dataclass(frozen=True)
class SourceSpec:
    """What a fetcher needs to read a source, and where its last good run got to."""

    name: str
    kind: str
    url: str | None
    query: dict[str, str]
    etag: str | None
    last_modified: str | None
    position: dict[str, int]
    now: datetime


@dataclass(frozen=True)
class Fetched:
    """What a fetch brought: a file's content, or ACLED's events and deletions.

    `unchanged` is a conditional request answered 304: nothing to read. `left` names the
    events that changed so that the source's query no longer holds them (ACLED moved them to
    another country, re-typed them): here they go as a deletion would. The validators and
    the position are kept only if the run that uses them succeeds.
    """

    unchanged: bool = False
    content: bytes | None = None
    events: tuple[dict[str, Any], ...] = ()
    deleted: tuple[str, ...] = ()
    left: tuple[str, ...] = ()
    etag: str | None = None
    last_modified: str | None = None
    position: dict[str, int] = field(default_factory=dict)


class Fetcher(Protocol):
    """Reads a source over the network (bot/sources/http.py)."""

    async def fetch(self, spec: SourceSpec) -> Fetched:
        """Read what is new at the source; raise SourceError saying what went wrong."""
