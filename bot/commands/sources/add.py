"""Adding, listing and removing sources, each checked before anything is stored."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from bot.commands.command import CommandError, SourceRequest
from bot.commands.context import Caller, Context
from bot.commands.source_words import name_refusal
from bot.commands.sources.reports import SourceInfo, info_of
from bot.commands.subjects import stored_series
from bot.commands.teams import manages_source, writes
from bot.domain.addresses import url_refusal
from bot.domain.fields import FieldError, parse_date
from bot.settings import ACLED_QUERY_KEYS, SOURCE_KINDS, SettingsError
from storage import candidates
from storage import sources as stored_sources
from storage.models import Series
from storage.writes import WriteError


def check_name(name: str) -> str:
    """Refuse a source name that is not letters, digits, - and _."""
    refused = name_refusal(name)
    if refused is not None:
        raise CommandError(refused)
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


async def add(context: Context, wanted: SourceRequest, caller: Caller) -> SourceInfo:
    """Store a new source; it first runs within a minute (or now, with `source run`)."""
    check_name(wanted.name)
    query = dict(wanted.query)
    allowed = context.settings.source_allow_hosts
    check_source(wanted.kind, wanted.url, query, context.today(), allowed)
    async with context.database.write() as session:
        found = await stored_series(
            session, wanted.series, settings=context.settings, caller=caller, writing=True
        )
        taken = await stored_sources.by_name(session, wanted.name)
        if taken is not None and not manages_source(taken.team, caller, context.settings):
            raise CommandError(f"the source name {wanted.name!r} is taken: choose another")
        source = await stored_sources.add_source(
            session,
            name=wanted.name,
            kind=wanted.kind,
            url=wanted.url,
            series_id=found.id,
            reviewed=wanted.reviewed,
            every_minutes=wanted.every_minutes,
            query=query,
            actor=caller.user,
            now=context.clock(),
            team=caller.team,
        )
        return info_of(source, found.name, 0)


async def ensure_configured(context: Context) -> None:
    """Store the sources of the settings file that are not stored yet."""
    for wanted in context.settings.sources:
        async with context.database.read() as session:
            if await stored_sources.by_name(session, wanted.name) is not None:
                continue
        try:
            request = SourceRequest(
                name=wanted.name,
                kind=wanted.kind,
                url=wanted.url,
                series=wanted.series,
                reviewed=wanted.reviewed,
                every_minutes=wanted.every_minutes,
                query=tuple(wanted.query.items()),
            )
            await add(context, request, Caller("settings", True))
        except (CommandError, WriteError) as error:
            raise SettingsError(f"setting sources: {wanted.name}: {error}") from None


async def listing(context: Context, caller: Caller | None = None) -> list[SourceInfo]:
    """Return every source (the caller manages) with how its last run went and when it runs
    next."""
    now = context.clock()
    async with context.database.read() as session:
        rows = await stored_sources.listing(session)
    return [
        info_of(*row, now=now)
        for row in rows
        if caller is None or manages_source(row[0].team, caller, context.settings)
    ]


async def managed(context: Context, name: str, caller: Caller) -> bool:
    """Say whether there is a source of this name that the caller manages, into a series they
    still write (a team no longer among the owners runs nothing into the shared series)."""
    async with context.database.read() as session:
        source = await stored_sources.by_name(session, name)
        if source is None or not manages_source(source.team, caller, context.settings):
            return False
        series = await session.get(Series, source.series_id)
    return series is not None and writes(series.team, caller, context.settings)


async def info(context: Context, name: str) -> SourceInfo | None:
    """Return one source as `source list` shows it, or None when there is none of that name."""
    now = context.clock()
    async with context.database.read() as session:
        source = await stored_sources.by_name(session, name)
        if source is None:
            return None
        series = await session.get(Series, source.series_id)
        assert series is not None
        waiting = await candidates.count_waiting(session, source=name)
        return info_of(source, series.name, waiting, now=now)


async def remove(context: Context, name: str, caller: Caller) -> bool:
    """Remove a source; say whether there was one."""
    if not await managed(context, name, caller):
        return False
    async with context.database.write() as session:
        return await stored_sources.remove_source(
            session, name, actor=caller.user, now=context.clock(), team=caller.team
        )
