"""A question as data, to be kept between the turns of a conversation, and as a command's words.

Pure. A follow-up changes one part of the question before it, which is kept in the database
(storage/conversations.py) as the JSON this module makes; `command_text` writes a question as
the explicit command that asks it, to say back how plain words were read.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.commands.command import Command
from bot.commands.plain_words import quoted
from bot.domain.filters import Filters
from bot.domain.periods import Period

# Only questions are kept: what their answer depends on.
QUESTION_PARTS = ("verb", "series", "limit", "by")


def asked_data(command: Command) -> dict[str, Any]:
    """Return the parts of a question that its answer depends on, as JSON-ready data."""
    data: dict[str, Any] = {part: getattr(command, part) for part in QUESTION_PARTS}
    data["filters"] = dict(command.filters.items())
    data["as_of"] = command.as_of.isoformat() if command.as_of else None
    data["start"] = command.start.isoformat() if command.start else None
    data["end"] = command.end.isoformat() if command.end else None
    period = command.period
    data["period"] = (
        None
        if period is None
        else [period.first.isoformat(), period.last.isoformat(), period.label, period.dated]
    )
    return data


def asked_from(data: dict[str, Any]) -> Command | None:
    """Rebuild a question from asked_data(); None for data that is not one (an older shape)."""
    try:
        period = data.get("period")
        return Command(
            verb=str(data["verb"]),
            series=data.get("series"),
            filters=Filters(**{str(k): str(v) for k, v in (data.get("filters") or {}).items()}),
            as_of=_day(data.get("as_of")),
            limit=data.get("limit"),
            start=_day(data.get("start")),
            end=_day(data.get("end")),
            by=data.get("by"),
            period=None
            if not period
            else Period(date.fromisoformat(period[0]), date.fromisoformat(period[1]), *period[2:]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _day(value: object) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else None


def command_text(command: Command) -> str:
    """Write a question as the explicit command that asks it: `stats attacks country:Iraq`."""
    words = [command.verb]
    if command.series:
        words.append(command.series)
    if command.period is not None:
        words.append(_period_words(command.period))
    elif command.verb == "list" and command.start is not None:
        words.append(f"from:{command.start.isoformat()}")
        if command.end is not None:
            words.append(f"to:{command.end.isoformat()}")
    if command.by:
        words.append(f"by:{command.by}")
    words.extend(f"{key}:{quoted(value)}" for key, value in command.filters.items())
    if command.limit is not None:
        words.append(str(command.limit) if command.verb == "last" else f"limit:{command.limit}")
    if command.as_of is not None:
        words.append(f"as-of {command.as_of.isoformat()}")
    return " ".join(words)


def _period_words(period: Period) -> str:
    # The days themselves: "last week" would be another week as of another day.
    return f"between {period.first.isoformat()} and {period.last.isoformat()}"
