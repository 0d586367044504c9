"""Replies as data: the structured answer to a command, and its JSON form for the outbox.

Pure: commands build them (bot/commands/replies.py), the outbox stores their JSON, and each
platform's renderer draws them its own way.
"""

from __future__ import annotations

import base64
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from bot.domain.filters import Filters
from bot.domain.wording import Scope, day_text

# A channel named in a reply, between these marks: each renderer writes it its own way
# (#C123 in text, <#C123> on Slack). Text from users never holds them (see clean_text).
CHANNEL_OPEN, CHANNEL_CLOSE = "\ue000", "\ue001"


@dataclass(frozen=True)
class Table:
    """Rows under a title; every renderer lays them out its own way."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Attachment:
    """A file that goes with a reply: the chart."""

    filename: str
    content: bytes


@dataclass(frozen=True)
class Action:
    """A button under a reply (Approve / Reject): what it does, to what, and its label.

    Platforms that have buttons draw them; the reply's text says the command that does the
    same, for the others.
    """

    name: str  # "review approve" or "review reject"
    target: int  # the candidate's id
    label: str
    danger: bool = False

    @property
    def command(self) -> str:
        """Return the command the button stands for: `review approve 12`."""
        return f"{self.name} {self.target}"


@dataclass(frozen=True)
class Reply:
    """One answer: a headline with the number that answers the question, then context.

    `see_more` is what a renderer tells the reader when it cannot show every row: how to
    see the rest.
    """

    headline: str
    details: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    is_error: bool = False
    attachments: tuple[Attachment, ...] = ()
    see_more: str = ""
    # The incident a write recorded, edited or deleted (for the API's answer).
    incident_id: int | None = None
    # The note a `note add` or `note delete` wrote (for the API's answer).
    note_id: int | None = None
    actions: tuple[Action, ...] = ()
    # Readings to choose from when a question could mean several (numbered from 1): platforms
    # with buttons draw one each, and a reply of the number picks it anywhere.
    choices: tuple[str, ...] = ()

    @classmethod
    def error(cls, message: str, *details: str) -> Reply:
        """Return a reply that says what was wrong."""
        return cls(headline=message, details=details, is_error=True)


def channel_ref(channel: str) -> str:
    """Name a channel in a reply; renderers turn it into a link where they can."""
    return f"{CHANNEL_OPEN}{channel}{CHANNEL_CLOSE}"


@dataclass(frozen=True)
class Subject:
    """What a question is about: a series with its nouns, filters, and the day it is asked for."""

    series: str
    scope: Scope
    as_of: date
    today: date
    tracking_start: date | None

    @property
    def filters(self) -> Filters:
        """Return the filters the question counts by."""
        return self.scope.filters

    @property
    def as_of_note(self) -> tuple[str, ...]:
        """Say the day asked about when it is not today."""
        return () if self.as_of == self.today else (f"As of {day_text(self.as_of)}.",)


def reply_data(reply: Reply) -> dict[str, Any]:
    """Turn a reply into JSON-ready data (for the outbox)."""
    data = asdict(reply)
    data["attachments"] = [
        {"filename": a.filename, "base64": base64.b64encode(a.content).decode("ascii")}
        for a in reply.attachments
    ]
    return data


def reply_from_data(data: dict[str, Any]) -> Reply:
    """Rebuild a reply from reply_data()."""
    tables = tuple(
        Table(t["title"], tuple(t["columns"]), tuple(tuple(row) for row in t["rows"]))
        for t in data.get("tables", ())
    )
    return Reply(
        headline=data["headline"],
        details=tuple(data.get("details", ())),
        tables=tables,
        is_error=data.get("is_error", False),
        attachments=tuple(
            Attachment(a["filename"], base64.b64decode(a["base64"]))
            for a in data.get("attachments", ())
        ),
        see_more=data.get("see_more", ""),
        incident_id=data.get("incident_id"),
        note_id=data.get("note_id"),
        actions=tuple(
            Action(a["name"], int(a["target"]), a["label"], bool(a.get("danger", False)))
            for a in data.get("actions", ())
        ),
        choices=tuple(str(c) for c in data.get("choices", ())),
    )
