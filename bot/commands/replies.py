"""Replies: the pure functions that build the answer to each command (bot/domain/replies.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from bot.commands.verbs import FILTER_HELP, VERBS
from bot.domain.fields import FIELD_HELP, FIELD_NAMES
from bot.domain.filters import Filters
from bot.domain.incidents import Incident
from bot.domain.pauses import Pause
from bot.domain.periods import Period
from bot.domain.replies import Reply, Subject, Table
from bot.domain.standing import SeriesStanding
from bot.domain.wording import (
    article,
    casualties_text,
    counted,
    counting_text,
    day_text,
    days_text,
    ended_text,
    incident_text,
    place_text,
    quoted,
    record_text,
    running_text,
    sentence_case,
    span_text,
    what_text,
)

INCIDENTS_ON_A_DAY_SHOWN = 5


def admin_refusal(verb: str) -> Reply:
    """Refuse a write to someone who is not an admin, and say how to become one."""
    return Reply.error(
        f"Only admins may `{verb}`; you can ask questions such as `since`.",
        "An admin can add you to PAUSEWATCH_ADMINS.",
    )


def since_reply(
    subject: Subject, standing: SeriesStanding, shown: Sequence[Incident], on_last_day: int
) -> Reply:
    """Answer `since`: days since the last incident, with the first `shown` of its day's."""
    scope = subject.scope
    if standing.last_day is None or standing.days_since is None:
        return Reply(
            headline=f"No {scope.all} recorded up to {day_text(subject.as_of)}",
            details=subject.as_of_note,
        )
    if standing.days_since == 0:
        headline = f"0 days since {scope.last_one}: there was one on {day_text(subject.as_of)}"
    else:
        headline = f"{days_text(standing.days_since)} since {scope.last_one}"
    details = [*subject.as_of_note]
    details.append(f"{sentence_case(scope.last_one)} was on {day_text(standing.last_day)}:")
    details.extend(f"• {incident_text(i)}" for i in shown)
    if on_last_day > len(shown):
        details.append(f"• and {on_last_day - len(shown)} more that day")
    if standing.ended is not None and standing.ended.pause.end == standing.last_day:
        # "how long was the pause before the last attack?"
        details.append(ended_text(standing.ended, scope, verb="ended"))
    return Reply(headline=headline, details=tuple(details))


def pause_reply(subject: Subject, standing: SeriesStanding) -> Reply:
    """Answer `pause`: the current pause against the record."""
    scope = subject.scope
    if standing.last_day is None:
        return Reply(
            headline=f"No {scope.all} recorded up to {day_text(subject.as_of)}",
            details=subject.as_of_note,
        )
    details = [*subject.as_of_note]
    running, place, record = standing.running, standing.running_place, standing.record
    if running is None or place is None:
        headline = (
            f"No pause: there was {article(scope.one)} {scope.one}{scope.where} on "
            f"{day_text(standing.last_day)}"
        )
        if standing.ended is not None:
            details.append(ended_text(standing.ended, scope, verb="ended"))
    else:
        headline = (
            f"The current pause is {days_text(running.length)}, since {scope.last_one} on "
            f"{day_text(running.start)}"
        )
        said = running_text(place, name_record=False)
        short = place.short_of_record
        if record is not None and short is not None and said.endswith(f"{record_text(record)}."):
            said = f"{said[:-1]}: {days_text(short)} to go."
        elif record is not None and short is not None and record_text(record) in said:
            said = f"{said[:-1]}; {days_text(short)} to go to equal it."
        elif record is not None and short is not None:
            said += (
                f" The record is {days_text(record.length)} ({span_text(record)}): "
                f"{days_text(short)} to go."
            )
        details.append(said)
    details.append(counting_text(standing.counting, record))
    return Reply(headline=headline, details=tuple(details))


def pauses_reply(subject: Subject, standing: SeriesStanding, top: Sequence[Pause]) -> Reply:
    """Answer `pauses`: the longest closed pauses, and where the running one would rank."""
    scope = subject.scope
    counting = counting_text(standing.counting, standing.record)
    if not top:
        return Reply(
            headline=f"No pauses yet: fewer than two days with {scope.all}",
            details=(*subject.as_of_note, counting),
        )
    record = standing.record
    rows = tuple(
        (
            str(rank),
            days_text(p.length),
            day_text(p.start),
            day_text(p.end),
            "the record" if p == record else "",
        )
        for rank, p in enumerate(top, start=1)
    )
    details = [*subject.as_of_note]
    running = standing.running
    if running is not None and standing.running_rank is not None:
        details.append(
            f"The current pause, {days_text(running.length)} since {day_text(running.start)}, "
            f"is still running; it would rank #{standing.running_rank}."
        )
    details.append(f"{counted(standing.pause_count, 'pause', 'pauses')} in all. {counting}")
    return Reply(
        headline=f"The longest pauses between {scope.all}",
        details=tuple(details),
        tables=(Table("Pauses", ("#", "length", "from", "to", ""), rows),),
        see_more="`pauses limit:N` shows the N longest.",
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
        return Reply(
            headline=headline, details=(*details, f"No {subject.scope.all} in that range.")
        )
    if more > 0:
        details.append(f"…and {more:,} more; narrow the range or raise limit:.")
    return Reply(
        headline=headline,
        details=tuple(details),
        tables=(
            Table(
                sentence_case(subject.scope.many),
                INCIDENT_COLUMNS,
                tuple(map(incident_row, incidents)),
            ),
        ),
        see_more="Narrow the range with from: and to:, ask for fewer with limit:N, or `export`.",
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
    headline = f"At least {subject.scope.counted(total)}{since}"
    details = [
        *subject.as_of_note,
        f"On {days_text(incident_days)}; {last_7:,} in the last 7 days, "
        f"{last_30:,} in the last 30.",
    ]
    return Reply(headline=headline, details=tuple(details), tables=tuple(breakdowns))


def period_stats_reply(
    subject: Subject, period: Period, total: int, incident_days: int, breakdowns: Sequence[Table]
) -> Reply:
    """Answer `stats` over a period: "12 attacks in March 2024 (1–31 Mar 2024)"."""
    details = [*subject.as_of_note, f"On {days_text(incident_days)} of {days_text(period.days)}."]
    start = subject.tracking_start
    if start is not None and period.first < start:
        details.append(f"Tracking began on {day_text(start)}: the days before may lack incidents.")
    return Reply(
        headline=f"{sentence_case(subject.scope.counted(total))} {period.text}",
        details=tuple(details),
        tables=tuple(breakdowns),
    )


def period_table(daily: Sequence[tuple[date, int]], period: str, rows: int) -> Table:
    """Count incidents per week, month or year; the most recent `rows` periods."""
    recent = period_counts(daily, period, rows)
    return Table(f"By {period}", (period, "count"), tuple((k, f"{n:,}") for k, n in recent))


def period_counts(
    daily: Sequence[tuple[date, int]], period: str, rows: int
) -> list[tuple[str, int]]:
    """Return (period, incidents) for the most recent `rows` weeks, months or years."""
    totals: dict[date, int] = {}
    # Newest first, stopping at the first day of an older period than the ones shown:
    # twenty years of days are read for the last twelve months otherwise.
    for day, n in reversed(daily):
        if period == "week":
            start = day - timedelta(days=day.weekday())
        elif period == "month":
            start = day.replace(day=1)
        else:
            start = date(day.year, 1, 1)
        if start not in totals and len(totals) == rows:
            break
        totals[start] = totals.get(start, 0) + n
    return [(period_name(start, period), totals[start]) for start in sorted(totals)]


def period_name(start: date, period: str) -> str:
    """Name a week (by its Monday), a month or a year as the breakdowns do."""
    if period == "week":
        return f"week of {start.isoformat()}"
    if period == "month":
        return f"{start:%Y-%m}"
    return f"{start.year}"


def help_reply(topic: str | None) -> Reply:
    """Explain every command, or one in detail."""
    if topic is None:
        return Reply(
            headline="pausewatch: ask how long it has been since the last incident",
            details=(
                *(f"• {verb.usage}: {verb.summary}" for verb in VERBS.values()),
                FILTER_HELP + "; add as-of DATE to ask about a past day.",
                "Plain words work too: `how many days since the last attack in Iraq?`, "
                "`pause as-of yesterday`.",
                "`help COMMAND` shows one command with examples.",
            ),
        )
    verb = VERBS[topic]
    details = [f"Usage: {verb.usage}", sentence_case(verb.summary) + "."]
    details += [f"e.g. {example}" for example in verb.examples]
    if verb.fields:
        details.append("Fields:")
        details += [
            f"• {name}: {FIELD_HELP[name]}" for name in FIELD_NAMES if name != "external_id"
        ]
    return Reply(headline=f"help: {topic}", details=tuple(details))


def scope_words(series: str, filters: Filters) -> str:
    """Write a series and filters as the grammar reads them: `attacks country:Iraq`."""
    return series + "".join(f" {key}:{quoted(value)}" for key, value in filters.items())


def subscription_reply(verb: str, kind: str, series: str, filters: Filters, changed: bool) -> Reply:
    """Confirm a subscribe or unsubscribe in the channel it was typed in, or say nothing changed."""
    what = {
        "alerts": "alerts when a pause ends",
        "digest": "the weekly digest",
        "reviews": "the candidates of reviewed sources, to approve or reject",
    }.get(kind, kind)
    scope = scope_words(series, filters)
    if verb == "subscribe":
        if not changed:
            return Reply(headline=f"This channel already gets {what} for {scope}")
        return Reply(
            headline=f"Subscribed this channel to {what} for {scope}",
            details=(f"`unsubscribe {kind} {scope}` stops them.",),
        )
    if not changed:
        return Reply.error(
            f"This channel was not subscribed to {kind} for {scope}; `subscriptions` lists what "
            "it is."
        )
    return Reply(headline=f"Unsubscribed this channel from {what} for {scope}")


def subscriptions_reply(found: Sequence[tuple[str, str, Filters, str | None]]) -> Reply:
    """List the subscriptions of the channel the command was typed in.

    Each is (kind, series, filters, when): `when` says when a digest is posted (None for
    alerts and reviews).
    """
    if not found:
        return Reply(
            headline="This channel has no subscriptions",
            details=("`subscribe alerts` or `subscribe digest` starts one (admins).",),
        )
    return Reply(
        headline="This channel is subscribed to",
        details=tuple(
            f"• {kind}: {scope_words(series, filters)}" + (f", {when}" if when else "")
            for kind, series, filters, when in found
        ),
    )
