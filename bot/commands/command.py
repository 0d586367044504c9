"""The typed Command every adapter hands the core, and the two ways a command fails."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.domain.fields import IncidentFields
from bot.domain.filters import Filters
from bot.domain.periods import Period
from bot.domain.schedules import DigestSchedule, QuietHours


class GrammarError(ValueError):
    """Text that is not a command; the message says what was wrong and how to write it.

    `reason` is what was wrong without the text syntax's usage line, for a platform that
    shows its own syntax (Discord's options).
    """

    def __init__(self, message: str, verb: str | None = None, reason: str | None = None) -> None:
        super().__init__(message)
        self.verb = verb
        self.reason = reason or message


class CommandError(ValueError):
    """A command that parsed but cannot be carried out; the message says why and what to do."""


@dataclass(frozen=True)
class SourceRequest:
    """`source add`'s arguments, read once: the source's name, what it reads, how often."""

    name: str
    kind: str  # as written, in lower case: add checks it is csv, json or acled
    url: str | None = None
    series: str | None = None
    reviewed: bool = False
    every_minutes: int = 60
    query: tuple[tuple[str, str], ...] = ()  # ACLED's (key, value), in the order given


@dataclass(frozen=True)
class NoteRequest:
    """`note add|delete`'s arguments, read once: the day and text of a new note, or an id."""

    day: date | None = None
    text: str | None = None
    note_id: int | None = None


@dataclass(frozen=True)
class Command:
    """One command with its arguments converted once; which are set depends on the verb."""

    verb: str
    series: str | None = None
    filters: Filters = field(default_factory=Filters)
    as_of: date | None = None
    limit: int | None = None  # last N, limit:N
    start: date | None = None  # list from:
    end: date | None = None  # list to:
    by: str | None = None  # stats by:
    period: Period | None = None  # stats, list: in March 2024, last week (start/end set too)
    incident_id: int | None = None  # edit ID, delete ID
    incident: IncidentFields | None = None  # add
    changes: tuple[tuple[str, Any], ...] = ()  # edit: (column, value)
    reason: str | None = None  # delete reason:
    topic: str | None = None  # subscribe alerts|digest, help COMMAND, source add, review list
    words: tuple[str, ...] = ()  # source run|remove and review: the words after the subcommand
    source: SourceRequest | None = None  # source add
    read_as: tuple[str, ...] = ()  # how natural words were read, said back to the user
    schedule: DigestSchedule | None = None  # subscribe digest ... every monday 08:00
    quiet: QuietHours | None = None  # quiet 22:00-07:00 (None with `quiet` or `quiet off`)
    note: NoteRequest | None = None  # note add DATE "TEXT", note delete ID
    context_series: str | None = None  # chart and subscribe digest: with:us-strikes

    @property
    def only_asks(self) -> bool:
        """Say whether a channel's setting is only asked about (`timezone`, `quiet` with
        nothing after) or read (`note list`): it changes nothing, so anyone may."""
        if self.verb == "note":
            return self.topic == "list"
        return self.verb in ("timezone", "quiet") and self.topic is None
