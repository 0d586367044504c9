"""Sources: feeds read on a schedule, each run an all-or-nothing import with an import's alerts.

The fetching itself (HTTP, ACLED's API) is an adapter's (bot/sources) behind the port of
bot/commands/fetching.py; this module decides what a run stores, queues for review or
deletes, and keeps the source's position only with the data it read, so that a failed run
stores nothing and starts again from the last good position.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands.context import Caller, Context
from bot.commands.fetching import Fetched, SourceError, SourceSpec
from bot.commands.grammar import Command, CommandError
from bot.commands.reviews import candidate_reply, fields_text
from bot.domain.addresses import url_refusal
from bot.domain.fields import FieldError, clean_text, parse_date
from bot.domain.replies import Reply, reply_data
from bot.notify import alerts
from bot.settings import (
    ACLED_QUERY_KEYS,
    SOURCE_KINDS,
    SettingsError,
    every_text,
    parse_every,
)
from storage import outbox, queries, subscriptions
from storage import sources as stored_sources
from storage.database import is_unavailable
from storage.importers import (
    ImportFailed,
    RawRow,
    ValidRow,
    acled_rows,
    check_rows,
    natural_key_of,
    read_rows,
    row_key,
    staged_of,
    store_rows,
    stored_among,
)
from storage.models import Series, Source, Subscription
from storage.writes import WriteError, delete_incident, edit_incident

log = logging.getLogger(__name__)
REVIEW = "review"
SHOWN_ERRORS = 3
# The columns ACLED's API gives: an update from it changes these and leaves the rest
# (a time, a quantity an analyst added) as they are.
ACLED_COLUMNS = ("occurred_on", "country", "location", "actor", "kind", "killed", "source", "notes")


@dataclass(frozen=True)
class SourceInfo:
    """A source as `source list` shows it."""

    name: str
    kind: str
    url: str | None
    series: str
    reviewed: bool
    every_minutes: int
    query: dict[str, str]
    status: str
    message: str | None
    last_run_at: datetime | None
    last_ok_at: datetime | None
    waiting: int


@dataclass(frozen=True)
class RunReport:
    """What one run did."""

    name: str
    ok: bool
    message: str
    added: int = 0
    updated: int = 0
    deleted: int = 0
    queued: int = 0
    alerts: int = 0


def _info(source: Source, series: str, waiting: int) -> SourceInfo:
    return SourceInfo(
        name=source.name,
        kind=source.kind,
        url=source.url,
        series=series,
        reviewed=source.reviewed,
        every_minutes=source.every_minutes,
        query=dict(source.query),
        status=source.last_status,
        message=source.last_message,
        last_run_at=source.last_run_at,
        last_ok_at=source.last_ok_at,
        waiting=waiting,
    )


def check_name(name: str) -> str:
    """Refuse a source name that is not letters, digits, - and _."""
    if not name or len(name) > 64 or not all(c.isalnum() or c in "-_" for c in name):
        raise CommandError(
            f"{name!r} is not a source name; use letters, digits, - and _, e.g. acled-iraq"
        )
    return name


def check_source(
    kind: str,
    url: str | None,
    query: dict[str, str],
    today: Any,
    allow_hosts: Sequence[str] = (),
) -> None:
    """Refuse a source that cannot be read, saying how to write it.

    A URL whose address a source may not read (loopback, private, link-local, ..., in any
    spelling) is refused here unless `allow_hosts` (source_allow_hosts) names it; a host name
    is judged when the fetch resolves it (bot/sources/guard.py).
    """
    if kind not in SOURCE_KINDS:
        raise CommandError(f"kind {kind!r} is not a source kind; write one of csv, json, acled")
    if kind in ("csv", "json"):
        if not url:
            raise CommandError(
                f"a {kind} source needs the file's address: url:https://... (a published sheet's "
                "CSV link)"
            )
        if query:
            raise CommandError(
                f"a {kind} source takes no query ({', '.join(query)}); a sheet is read whole"
            )
    if url is not None:
        try:
            parts = urlsplit(url)
        except ValueError:  # a malformed host, e.g. an unclosed [ of an IPv6 address
            parts = urlsplit("")
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise CommandError(f"{url!r} is not a web address; write url:https://host/path.csv")
        refused = url_refusal(url, allow_hosts)
        if refused is not None:
            raise CommandError(f"{url!r} cannot be a source: {refused}")
    unknown = sorted(set(query) - set(ACLED_QUERY_KEYS))
    if unknown:
        raise CommandError(
            f"{', '.join(unknown)} is not what an ACLED source takes; it takes "
            f"{', '.join(k + ':' for k in ACLED_QUERY_KEYS)}"
        )
    if "from" in query:
        try:
            parse_date(query["from"], today=today, what="from:")
        except FieldError as error:
            raise CommandError(str(error)) from None


async def add(
    context: Context,
    *,
    name: str,
    kind: str,
    url: str | None,
    series: str | None,
    reviewed: bool,
    every_minutes: int,
    query: dict[str, str],
    caller: Caller,
) -> SourceInfo:
    """Store a new source; it first runs within a minute (or now, with `source run`)."""
    check_name(name)
    check_source(kind, url, query, context.today(), context.settings.source_allow_hosts)
    async with context.database.write() as session:
        found = await _series(session, series or context.settings.default_series)
        source = await stored_sources.add_source(
            session,
            name=name,
            kind=kind,
            url=url,
            series_id=found.id,
            reviewed=reviewed,
            every_minutes=every_minutes,
            query=query,
            actor=caller.user,
            now=context.clock(),
        )
        return _info(source, found.name, 0)


async def ensure_configured(context: Context) -> None:
    """Store the sources of the settings file that are not stored yet."""
    for wanted in context.settings.sources:
        async with context.database.read() as session:
            if await stored_sources.by_name(session, wanted.name) is not None:
                continue
        try:
            await add(
                context,
                name=wanted.name,
                kind=wanted.kind,
                url=wanted.url,
                series=wanted.series,
                reviewed=wanted.reviewed,
                every_minutes=wanted.every_minutes,
                query=dict(wanted.query),
                caller=Caller("settings", True),
            )
        except (CommandError, WriteError) as error:
            raise SettingsError(f"setting sources: {wanted.name}: {error}") from None


async def listing(context: Context) -> list[SourceInfo]:
    """Return every source with how its last run went."""
    async with context.database.read() as session:
        return [_info(*row) for row in await stored_sources.listing(session)]


async def remove(context: Context, name: str, caller: Caller) -> bool:
    """Remove a source; say whether there was one."""
    async with context.database.write() as session:
        return await stored_sources.remove_source(
            session, name, actor=caller.user, now=context.clock()
        )


async def _series(session: AsyncSession, name: str) -> Series:
    series = await queries.series_by_name(session, name)
    if series is None:
        names = ", ".join(await queries.series_names(session))
        raise CommandError(f"{name!r} is not a series; the series are {names}")
    return series


def slot_of(name: str, every_minutes: int, now: datetime) -> int:
    """Return the scheduled slot `now` falls in: each source's slots are offset by its name,
    so that sources with one interval do not all run at the same moment."""
    length = every_minutes * 60
    offset = int(hashlib.sha256(name.encode()).hexdigest()[:8], 16) % length
    return (int(now.timestamp()) + offset) // length


async def run_due(context: Context) -> list[RunReport]:
    """Run each source whose slot has come and that no replica has claimed (the scheduler)."""
    now = context.clock()
    async with context.database.read() as session:
        due = [(s.id, s.name, s.every_minutes) for s, _, _ in await stored_sources.listing(session)]
    reports = []
    for source_id, name, every in due:
        slot = slot_of(name, every, now)
        async with context.database.write() as session:
            claimed = await stored_sources.claim_slot(session, source_id, slot)
        if claimed:
            try:
                reports.append(await run(context, name))
            except asyncio.CancelledError:
                # The bot is stopping mid-run: a run stores all or nothing, so the slot goes
                # back for the next start (or another replica) to run.
                async with context.database.write() as session:
                    await stored_sources.release_slot(session, source_id, slot)
                raise
    return reports


async def run(context: Context, name: str) -> RunReport:
    """Run one source now: fetch, check every row, store all or nothing, alert, queue reviews."""
    async with context.database.read() as session:
        source = await stored_sources.by_name(session, name)
        if source is None:
            raise CommandError(f"there is no source {name!r}; `source list` lists them")
        series = await session.get(Series, source.series_id)
        assert series is not None
    fetcher = context.fetcher
    if fetcher is None:
        raise CommandError("sources cannot be read here: this process has no network fetcher")
    spec = SourceSpec(
        name=source.name,
        kind=source.kind,
        url=source.url,
        query=dict(source.query),
        etag=source.etag,
        last_modified=source.last_modified,
        position=dict(source.position or {}),
        now=context.clock(),
    )
    try:
        fetched = await fetcher.fetch(spec)
    except SourceError as error:
        return await _failed(context, source, str(error))
    if fetched.unchanged:
        return await _succeeded(
            context, source, fetched, "unchanged since the last run (the server said 304)"
        )
    today = context.today()
    try:
        rows = _raw_rows(source, series.name, fetched)
        staged = await check_rows(rows, {series.name: series.id}, today=today)
    except ImportFailed as failed:
        return await _failed(context, source, _bad_rows(failed))
    try:
        checked = [row for chunk in staged.chunks() for row in chunk]
        read = staged.read
    finally:
        staged.close()
    try:
        async with context.database.write() as session:
            report = await _store(context, session, source, series, checked, read, fetched, today)
            await stored_sources.record_success(
                session,
                source.id,
                now=context.clock(),
                message=report.message,
                etag=fetched.etag,
                last_modified=fetched.last_modified,
                position=fetched.position or None,
            )
    except WriteError as error:
        return await _failed(context, source, f"{error}; nothing was stored")
    except (DBAPIError, OSError) as error:
        if not is_unavailable(error):
            raise
        log.warning("the database failed during the run of source %s: %s", name, error)
        return await _failed(
            context, source, "the database was not available, so nothing was stored"
        )
    if report.added or report.updated or report.deleted or report.queued:
        context.notify()
    return report


def _raw_rows(source: Source, series: str, fetched: Fetched) -> Iterator[RawRow]:
    if source.kind == "acled":
        return iter(list(acled_rows(fetched.events, series)))
    # The file readers take a path: the content goes through a temporary file, read whole
    # here so that the file can go at once.
    suffix = ".json" if source.kind == "json" else ".csv"
    with tempfile.TemporaryDirectory(prefix="pausewatch-source-") as folder:
        path = Path(folder) / f"{source.name}{suffix}"
        path.write_bytes(fetched.content or b"")
        rows = list(read_rows(path, "json" if source.kind == "json" else None, series))
        return iter([RawRow(row.where.replace(str(path), "the file"), row.values) for row in rows])


def _bad_rows(failed: ImportFailed) -> str:
    shown = "; ".join(str(e) for e in failed.errors[:SHOWN_ERRORS])
    more = failed.total_errors - min(len(failed.errors), SHOWN_ERRORS)
    tail = f" (and {more} more)" if more > 0 else ""
    return f"nothing was stored: {shown}{tail}"


async def _failed(context: Context, source: Source, message: str) -> RunReport:
    log.warning("source %s: %s", source.name, message)
    try:
        async with context.database.write() as session:
            await stored_sources.record_failure(
                session, source.id, now=context.clock(), message=message
            )
    except (DBAPIError, OSError) as error:
        if not is_unavailable(error):
            raise
    return RunReport(source.name, ok=False, message=message)


async def _succeeded(context: Context, source: Source, fetched: Fetched, message: str) -> RunReport:
    async with context.database.write() as session:
        await stored_sources.record_success(
            session,
            source.id,
            now=context.clock(),
            message=message,
            etag=fetched.etag or source.etag,
            last_modified=fetched.last_modified or source.last_modified,
            position=fetched.position or source.position,
        )
    return RunReport(source.name, ok=True, message=message)


def candidate_key(row: ValidRow) -> str:
    """Return the key a candidate is remembered by (its external id, else a digest)."""
    key = row_key(row)
    if row.fields.external_id is not None:
        return f"id:{row.fields.external_id}"
    return "natural:" + hashlib.sha256(repr(key[1:]).encode()).hexdigest()


async def _store(
    context: Context,
    session: AsyncSession,
    source: Source,
    series: Series,
    rows: list[ValidRow],
    read: int,
    fetched: Fetched,
    today: Any,
) -> RunReport:
    now = context.clock()
    actor = f"source:{source.name}"
    await queries.lock_series(session, series.id)
    watches = await alerts.watch(session, series, today)
    updated = deleted = queued = skipped = 0
    external = [r.fields.external_id for r in rows if r.fields.external_id is not None]
    stored = await stored_sources.incidents_by_external_id(session, series.id, external)
    fresh = []
    for row in rows:
        incident = stored.get(row.fields.external_id or "")
        if incident is None:
            fresh.append(row)
            continue
        if source.kind != "acled" or incident.deleted_at is not None:
            skipped += 1  # a sheet's row already stored, or one an admin deleted
            continue
        new = row.fields.as_row()
        changes = {c: new[c] for c in ACLED_COLUMNS if getattr(incident, c) != new[c]}
        if changes:
            await edit_incident(session, incident=incident, changes=changes, actor=actor, now=now)
            updated += 1
        else:
            skipped += 1
    added = 0
    if source.reviewed:
        queued, more_skipped = await _queue_for_review(session, source, series, fresh, now)
        skipped += more_skipped
    elif fresh:
        result = await store_rows(
            session,
            staged_of(fresh, len(fresh)),
            actor=actor,
            now=now,
            source_name=f"source {source.name}",
        )
        added, skipped = result.added, skipped + result.skipped
    if fetched.deleted:
        gone = await stored_sources.incidents_by_external_id(session, series.id, fetched.deleted)
        for incident in gone.values():
            if incident.deleted_at is None:
                await delete_incident(
                    session,
                    incident=incident,
                    actor=actor,
                    now=now,
                    reason=f"deleted at the source {source.name}",
                )
                deleted += 1
        waiting = await stored_sources.candidates_by_key(
            session, series.id, [f"id:{i}" for i in fetched.deleted]
        )
        for candidate in waiting.values():
            if candidate.status == stored_sources.PENDING:
                candidate.status = stored_sources.WITHDRAWN
                candidate.decided_by, candidate.decided_at = actor, now
    alerted = 0
    if added or updated or deleted:
        alerted = await alerts.queue_alerts(
            session, settings=context.settings, series=series, watches=watches, today=today, now=now
        )
    parts = [f"read {read:,}"]
    for count, what in (
        (added, "added"),
        (updated, "updated"),
        (deleted, "deleted"),
        (queued, "queued for review"),
        (skipped, "already known"),
    ):
        if count:
            parts.append(f"{count:,} {what}")
    return RunReport(
        source.name,
        ok=True,
        message=", ".join(parts),
        added=added,
        updated=updated,
        deleted=deleted,
        queued=queued,
        alerts=alerted,
    )


async def _queue_for_review(
    session: AsyncSession, source: Source, series: Series, rows: list[ValidRow], now: datetime
) -> tuple[int, int]:
    """Queue the rows not stored and never reviewed; return (queued, skipped).

    As an import would skip them: a row stored already, and a row without an external id
    that has the day, place, kind and source of one before it (stored, or in this fetch).
    """
    stored_ids, taken = await stored_among(session, rows)
    keys = {candidate_key(row): row for row in rows}
    known = await stored_sources.candidates_by_key(session, series.id, keys)
    channels = await subscriptions.of_series(session, series.id, "reviews")
    queued = skipped = 0
    for key, row in keys.items():
        if row_key(row) in stored_ids or row_key(row) in taken:
            skipped += 1
            continue
        taken.add(natural_key_of(row))
        earlier = known.get(key)
        if earlier is not None:
            fields = fields_text(row.fields)
            if earlier.status == stored_sources.PENDING and earlier.fields != fields:
                earlier.fields = fields  # the source's newer version
                # Now in a channel's filters, perhaps: those that have not seen it get it.
                await _post_candidate(session, channels, earlier.id, series, source, row, now)
            skipped += 1
            continue
        candidate = await stored_sources.add_candidate(
            session,
            series_id=series.id,
            source_name=source.name,
            key=key,
            fields=fields_text(row.fields),
            now=now,
        )
        queued += 1
        await _post_candidate(session, channels, candidate.id, series, source, row, now)
    skipped += len(rows) - len(keys)  # the same row twice in one file
    return queued, skipped


async def _post_candidate(
    session: AsyncSession,
    channels: list[Subscription],
    candidate_id: int,
    series: Series,
    source: Source,
    row: ValidRow,
    now: datetime,
) -> None:
    """Queue a candidate's message for each channel whose review filters it matches, once
    per channel (two of its subscriptions may match)."""
    reply = candidate_reply(candidate_id, series.name, source.name, row.fields)
    for channel in channels:
        if not subscriptions.filters_of(channel).matches(row.fields):
            continue  # a channel reviews what it subscribed to: `reviews country:Iraq`
        await outbox.enqueue_for(
            session,
            channel,
            key=f"review:{channel.platform}:{channel.channel}:{candidate_id}",
            kind=REVIEW,
            payload={"reply": reply_data(reply)},
            now=now,
        )


# Chat: `source add|list|run|remove ...`.


@dataclass(frozen=True)
class AddRequest:
    """`source add` as written in chat."""

    name: str
    kind: str
    url: str | None
    series: str | None
    reviewed: bool
    every_minutes: int
    query: dict[str, str]


ADD_USAGE = (
    "Usage: source add NAME kind:csv|json|acled [url:URL] [series:SERIES] [reviewed] "
    "[every:1h] [country:..] [event_type:..] [actor1:..] [notes:..] [from:DATE]   "
    "e.g. source add acled-iraq kind:acled country:Iraq reviewed every:6h"
)


def parse_add(words: tuple[str, ...]) -> AddRequest:
    """Read `source add`'s words; raise CommandError saying what was wrong."""
    if not words or ":" in words[0]:
        raise CommandError(f"`source add` needs the source's name first. {ADD_USAGE}")
    name = check_name(words[0])
    options: dict[str, str] = {}
    reviewed = False
    for word in words[1:]:
        if word.lower() in ("reviewed", "review"):
            reviewed = True
            continue
        if word.lower() == "trusted":
            continue
        key, sep, value = word.partition(":")
        key = key.lower().replace("-", "_")
        if not sep or not value.strip():
            raise CommandError(f"{word!r} is not KEY:VALUE. {ADD_USAGE}")
        if key in options:
            raise CommandError(f"`{key}:` is given twice. {ADD_USAGE}")
        options[key] = clean_text(value)
    kind = options.pop("kind", None)
    if kind is None:
        raise CommandError(f"`source add` needs kind:csv, kind:json or kind:acled. {ADD_USAGE}")
    try:
        every = parse_every(options.pop("every", "1h"))
    except ValueError as error:
        raise CommandError(str(error)) from None
    if "actor" in options:
        options["actor1"] = options.pop("actor")
    return AddRequest(
        name=name,
        kind=kind.lower(),
        url=options.pop("url", None),
        series=options.pop("series", None),
        reviewed=reviewed,
        every_minutes=every,
        query=options,
    )


def describe(info: SourceInfo) -> str:
    """Say what a source reads, how often, and how it is trusted."""
    where = info.url or "ACLED's API"
    if info.query:
        where += " (" + " ".join(f"{k}:{v}" for k, v in info.query.items()) + ")"
    trust = "reviewed" if info.reviewed else "trusted"
    return f"{info.kind} {where} → {info.series}, every {every_text(info.every_minutes)}, {trust}"


def status_text(info: SourceInfo) -> str:
    """Say how the last run went."""
    if info.status == stored_sources.NEVER:
        return "not run yet"
    when = f"{info.last_run_at:%Y-%m-%d %H:%M} UTC" if info.last_run_at else ""
    if info.status == stored_sources.FAILED:
        kept = f"{info.last_ok_at:%Y-%m-%d %H:%M}" if info.last_ok_at else "none yet"
        return f"FAILED {when}: {info.message} (last good run: {kept}; the next run tries again)"
    return f"ok {when}: {info.message}"


def listing_reply(found: list[SourceInfo]) -> Reply:
    """List the sources for chat."""
    if not found:
        return Reply(
            headline="There are no sources",
            details=(
                "`source add NAME kind:csv url:URL` reads a published sheet; "
                "`source add NAME kind:acled country:Iraq` reads ACLED's API.",
            ),
        )
    details = []
    for info in found:
        waiting = f"; {info.waiting:,} waiting for review" if info.waiting else ""
        details.append(f"• {info.name}: {describe(info)}{waiting}")
        details.append(f"   last run: {status_text(info)}")
    return Reply(
        headline=f"{len(found)} source{'s' if len(found) != 1 else ''}",
        details=tuple(details),
    )


def report_reply(report: RunReport) -> Reply:
    """Say what a run did."""
    if not report.ok:
        return Reply.error(
            f"Source {report.name} failed: {report.message}",
            "Its last good position is kept; the next run tries again.",
        )
    details = []
    if report.alerts:
        details.append(f"{report.alerts} alert{'s' if report.alerts != 1 else ''} queued.")
    if report.queued:
        details.append("`review list` shows the candidates.")
    return Reply(headline=f"Source {report.name}: {report.message}", details=tuple(details))


async def execute(context: Context, command: Command, caller: Caller) -> Reply:
    """Carry out `source ...` typed in chat (the core checked the caller is an admin)."""
    words = command.words
    if command.topic == "list":
        return listing_reply(await listing(context))
    if command.topic == "add":
        wanted = parse_add(words)
        info = await add(
            context,
            name=wanted.name,
            kind=wanted.kind,
            url=wanted.url,
            series=wanted.series,
            reviewed=wanted.reviewed,
            every_minutes=wanted.every_minutes,
            query=wanted.query,
            caller=caller,
        )
        return Reply(
            headline=f"Source {info.name} added: {describe(info)}",
            details=(
                f"It runs within a minute, then every {every_text(info.every_minutes)}; "
                f"`source run {info.name}` runs it now.",
            ),
        )
    if len(words) != 1:
        raise CommandError(
            f"`source {command.topic}` takes the source's name, e.g. "
            f"`source {command.topic} acled-iraq`."
        )
    if command.topic == "run":
        return report_reply(await run(context, words[0]))
    if await remove(context, words[0], caller):
        return Reply(headline=f"Source {words[0]} removed; its waiting candidates are withdrawn")
    raise CommandError(f"there is no source {words[0]!r}; `source list` lists them")
