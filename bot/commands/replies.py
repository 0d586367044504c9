"""Replies: the structured answer to a command, and the pure functions that build them."""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from bot.commands.grammar import EXAMPLES, FILTER_HELP, SUMMARY, USAGE, VERBS
from bot.domain.fields import FIELD_HELP, FIELD_NAMES
from bot.domain.filters import Filters
from bot.domain.pauses import Pause, Standing
from bot.domain.wording import (
    a_n,
    article,
    casualties_text,
    counted,
    day_text,
    days_text,
    incident_text,
    place_text,
    quoted,
    span_text,
    standing_text,
    what_text,
)
from storage.models import Incident


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
class Reply:
    """One answer: a headline with the number that answers the question, then context."""

    headline: str
    details: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    is_error: bool = False
    attachments: tuple[Attachment, ...] = ()

    @classmethod
    def error(cls, message: str, *details: str) -> Reply:
        """Return a reply that says what was wrong."""
        return cls(headline=message, details=details, is_error=True)


@dataclass(frozen=True)
class Subject:
    """What a question is about: a series with its nouns, filters, and the day it is asked for."""

    series: str
    noun: str
    nouns: str
    filters: Filters
    as_of: date
    today: date
    tracking_start: date | None

    @property
    def scope(self) -> str:
        """Describe the series and filters, e.g. "attacks (country:Iraq)"."""
        if not self.filters:
            return self.nouns
        return f"{self.nouns} ({' '.join(f'{k}:{quoted(v)}' for k, v in self.filters.items())})"

    @property
    def as_of_note(self) -> tuple[str, ...]:
        """Say the day asked about when it is not today."""
        return () if self.as_of == self.today else (f"As of {day_text(self.as_of)}.",)


def admin_refusal(verb: str) -> Reply:
    """Refuse a write to someone who is not an admin, and say how to become one."""
    return Reply.error(
        f"Only admins may `{verb}`; you can ask questions such as `since`.",
        "An admin can add you to PAUSEWATCH_ADMINS.",
    )


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
    )


def since_reply(
    subject: Subject, days: int | None, last_day_incidents: Sequence[Incident]
) -> Reply:
    """Answer `since`: days since the last incident."""
    if days is None:
        return Reply(
            headline=f"No {subject.scope} recorded up to {day_text(subject.as_of)}",
            details=subject.as_of_note,
        )
    last = last_day_incidents[0].occurred_on if last_day_incidents else None
    if days == 0:
        headline = (
            f"0 days since the last {subject.noun}: there was one on {day_text(subject.as_of)}"
        )
    else:
        headline = f"{days_text(days)} since the last {subject.noun}"
    details = [*subject.as_of_note]
    if subject.filters:
        details.append(f"Counting only {subject.scope}.")
    if last is not None:
        details.append(f"The last {subject.noun} was on {day_text(last)}:")
        details.extend(f"• {incident_text(i)}" for i in last_day_incidents[:5])
        if len(last_day_incidents) > 5:
            details.append(f"• and {len(last_day_incidents) - 5} more that day")
    return Reply(headline=headline, details=tuple(details))


def pause_reply(
    subject: Subject,
    running: Pause | None,
    running_standing: Standing | None,
    ended_today: Standing | None,
    record: Pause | None,
    counting_note: str,
) -> Reply:
    """Answer `pause`: the current pause against the record."""
    if running is None:
        return Reply(
            headline=f"No {subject.scope} recorded up to {day_text(subject.as_of)}",
            details=subject.as_of_note,
        )
    details = [*subject.as_of_note]
    if running.start == running.end:
        headline = (
            f"No pause: there was {article(subject.noun)} {subject.noun} on {day_text(running.end)}"
        )
        if ended_today is not None:
            details.append(
                f"It ended {a_n(ended_today.pause.length)} pause "
                f"({span_text(ended_today.pause)}). " + standing_text(ended_today, verb="was")
            )
    else:
        assert running_standing is not None
        headline = (
            f"The current pause is {days_text(running.length)}, "
            f"since the last {subject.noun} on {day_text(running.start)}"
        )
        details.append(standing_text(running_standing, verb="is"))
        if record is not None and running.length < record.length:
            short = record.length - running.length
            details.append(
                f"The record is {days_text(record.length)} ({span_text(record)}): "
                f"{days_text(short)} to go."
            )
    if subject.filters:
        details.append(f"Counting only {subject.scope}.")
    details.append(counting_note)
    return Reply(headline=headline, details=tuple(details))


def pauses_reply(
    subject: Subject,
    top: Sequence[Pause],
    total_pauses: int,
    running: Pause | None,
    running_rank: int | None,
    counting_note: str,
) -> Reply:
    """Answer `pauses`: the longest closed pauses, and where the running one would rank."""
    if not top:
        return Reply(
            headline=f"No pauses yet: fewer than two days with {subject.scope}",
            details=(*subject.as_of_note, counting_note),
        )
    rows = tuple(
        (str(rank), days_text(p.length), day_text(p.start), day_text(p.end))
        for rank, p in enumerate(top, start=1)
    )
    details = [*subject.as_of_note]
    if running is not None and running.start < running.end and running_rank is not None:
        details.append(
            f"The current pause, {days_text(running.length)} since {day_text(running.start)}, "
            f"is still running; it would rank #{running_rank}."
        )
    details.append(f"{counted(total_pauses, 'pause', 'pauses')} in all. {counting_note}")
    return Reply(
        headline=f"The longest pauses between {subject.scope}",
        details=tuple(details),
        tables=(Table("Pauses", ("#", "length", "from", "to"), rows),),
    )


INCIDENT_COLUMNS = ("id", "day", "where", "what", "casualties", "source")


def incident_row(incident: Incident) -> tuple[str, ...]:
    """Lay an incident out as a table row."""
    return (
        str(incident.id),
        incident.occurred_on.isoformat(),
        place_text(incident),
        what_text(incident),
        casualties_text(incident),
        incident.source or "",
    )


def incidents_reply(
    subject: Subject, headline: str, incidents: Sequence[Incident], more: int
) -> Reply:
    """Answer `last` and `list`: incidents as a table."""
    details = [*subject.as_of_note]
    if not incidents:
        return Reply(headline=headline, details=(*details, f"No {subject.scope} in that range."))
    if more > 0:
        details.append(f"…and {more:,} more; narrow the range or raise limit:.")
    return Reply(
        headline=headline,
        details=tuple(details),
        tables=(
            Table(
                subject.nouns.capitalize(), INCIDENT_COLUMNS, tuple(map(incident_row, incidents))
            ),
        ),
    )


def stats_reply(
    subject: Subject,
    total: int,
    incident_days: int,
    last_7: int,
    last_30: int,
    breakdowns: Sequence[Table],
) -> Reply:
    """Answer `stats`: the total since tracking began, recent counts and breakdowns."""
    since = (
        f" since {day_text(subject.tracking_start)}" if subject.tracking_start is not None else ""
    )
    headline = f"At least {counted(total, subject.noun, subject.nouns)}{since}"
    details = [
        *subject.as_of_note,
        f"On {days_text(incident_days)}; {last_7} in the last 7 days, {last_30} in the last 30.",
    ]
    if subject.filters:
        details.append(f"Counting only {subject.scope}.")
    return Reply(headline=headline, details=tuple(details), tables=tuple(breakdowns))


def period_table(daily: Sequence[tuple[date, int]], period: str, rows: int) -> Table:
    """Count incidents per week, month or year; the most recent `rows` periods."""
    totals: Counter[str] = Counter()
    for day, n in daily:
        if period == "week":
            monday = day - timedelta(days=day.weekday())
            key = f"week of {monday.isoformat()}"
        elif period == "month":
            key = f"{day:%Y-%m}"
        else:
            key = f"{day.year}"
        totals[key] += n
    recent = sorted(totals.items())[-rows:]
    return Table(f"By {period}", (period, "count"), tuple((k, f"{n:,}") for k, n in recent))


def help_reply(topic: str | None) -> Reply:
    """Explain every command, or one in detail."""
    if topic is None:
        return Reply(
            headline="pausewatch: ask how long it has been since the last incident",
            details=(
                *(f"• {USAGE[verb]}: {SUMMARY[verb]}" for verb in VERBS),
                FILTER_HELP + "; add as-of YYYY-MM-DD to ask about a past day.",
                "`help COMMAND` shows one command with examples.",
            ),
        )
    details = [f"Usage: {USAGE[topic]}", SUMMARY[topic].capitalize() + "."]
    details += [f"e.g. {example}" for example in EXAMPLES[topic]]
    if topic in ("add", "edit"):
        details.append("Fields:")
        details += [
            f"• {name}: {FIELD_HELP[name]}" for name in FIELD_NAMES if name != "external_id"
        ]
    return Reply(headline=f"help: {topic}", details=tuple(details))


def _scope(series: str, filters: Filters) -> str:
    return series + "".join(f" {key}:{quoted(value)}" for key, value in filters.items())


def subscription_reply(
    verb: str, kind: str, series: str, filters: Filters, channel: str, changed: bool
) -> Reply:
    """Confirm a subscribe or unsubscribe, or say that nothing changed."""
    what = "alerts when a pause ends" if kind == "alerts" else "the weekly digest"
    scope = _scope(series, filters)
    if verb == "subscribe":
        if not changed:
            return Reply(headline=f"{channel} already gets {what} for {scope}")
        return Reply(
            headline=f"Subscribed {channel} to {what} for {scope}",
            details=(f"`unsubscribe {kind} {scope}` stops them.",),
        )
    if not changed:
        return Reply.error(
            f"{channel} was not subscribed to {kind} for {scope}; `subscriptions` lists what it is."
        )
    return Reply(headline=f"Unsubscribed {channel} from {what} for {scope}")


def subscriptions_reply(channel: str, found: Sequence[tuple[str, str, Filters]]) -> Reply:
    """List a channel's subscriptions."""
    if not found:
        return Reply(
            headline=f"{channel} has no subscriptions",
            details=("`subscribe alerts` or `subscribe digest` starts one (admins).",),
        )
    return Reply(
        headline=f"{channel} is subscribed to",
        details=tuple(f"• {kind}: {_scope(series, filters)}" for kind, series, filters in found),
    )
