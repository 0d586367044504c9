"""Fetch sources over HTTP: a CSV/JSON URL with conditional requests, or ACLED's API.

Every request goes through bot/sources/guard.py (public addresses only, redirects checked, a
size limit). Every failure becomes a SourceError whose message is what `source list` shows:
what went wrong, in words, and that the next run tries again. A message names the status and
the content type a server answered with, never what its body said: the body may be anything
at all, and `source list` is read in chat.
"""

from __future__ import annotations

import asyncio
import csv
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver

from bot.commands.fetching import Fetched, SourceError, SourceSpec
from bot.settings import Settings
from bot.sources.acled import AcledClient
from bot.sources.guard import Guard, guarded_session, media_type, unreachable, web_address
from bot.sources.retry import Waiter

EXPECTED = {"csv": "a CSV file", "json": "a JSON file"}
PAGE_TYPES = ("text/html", "application/xhtml+xml")
# The importer wants a date column (ACLED's exports call it event_date); a file whose first
# line names neither is not a sheet of incidents, and its first line is not said back.
DATE_COLUMNS = ("date", "event_date")
PUBLISH = (
    "publish the sheet to the web as CSV (Google Sheets: File → Share → Publish to web), or "
    "check the URL"
)


class HttpFetcher:
    """The fetcher the bot uses: one guarded HTTP session per run, ACLED's token kept across runs.

    `resolver` resolves host names (aiohttp's default if None); tests give one that answers
    made-up names, and the guard still judges every address it returns. `waiter` is how ACLED's
    retries wait (bot/sources/retry.py); tests give one that does not really sleep.
    """

    def __init__(
        self,
        settings: Settings,
        resolver: AbstractResolver | None = None,
        waiter: Waiter | None = None,
    ) -> None:
        self.settings = settings
        self.resolver = resolver
        self.acled = AcledClient(settings, waiter)

    async def fetch(self, spec: SourceSpec) -> Fetched:
        """Read what is new at the source (see bot.commands.fetching.Fetcher)."""
        async with guarded_session(self.settings, self.resolver) as guard:
            if spec.kind == "acled":
                return await self.acled.read(guard, spec)
            return await fetch_file(guard, spec, self.settings.source_timeout_seconds)


async def fetch_file(guard: Guard, spec: SourceSpec, waited: float) -> Fetched:
    """GET a file, conditionally: a 304 (unchanged since the last good run) reads nothing."""
    assert spec.url is not None
    headers = {}
    if spec.etag:
        headers["If-None-Match"] = spec.etag
    if spec.last_modified:
        headers["If-Modified-Since"] = spec.last_modified
    host = web_address(spec.url).raw_host or spec.url[:100]
    expected = EXPECTED.get(spec.kind, "a file")
    try:
        # One deadline for the redirects and the body together.
        async with asyncio.timeout(waited), guard.request("GET", spec.url, headers=headers) as got:
            if got.status == 304:
                return Fetched(unchanged=True)
            where = got.url.raw_host or host  # after redirects, the host that answered
            if got.status != 200:
                raise SourceError(http_problem(where, got.status, got.headers, expected))
            refuse_page(where, media_type(got.headers), expected)
            content = await guard.read(got)
            if spec.kind == "csv":
                refuse_non_table(where, media_type(got.headers), content)
            return Fetched(
                content=content,
                etag=got.headers.get("ETag"),
                last_modified=got.headers.get("Last-Modified"),
            )
    except TimeoutError:
        raise SourceError(f"{host} did not answer within {waited:g} s") from None
    except aiohttp.ClientError as error:
        raise SourceError(f"{host} {unreachable(error)}") from None


def http_problem(host: str, status: int, headers: Any, expected: str = "a file") -> str:
    """Say what an HTTP error status means for a source: status, content type, what was wanted."""
    sent = media_type(headers)
    said = f"{host} answered {status}{{}} with {sent}, where {expected} was expected"
    if status == 429:
        after = str(headers.get("Retry-After", ""))
        wait = f"; it asked to wait {after} s" if after.isdigit() else ""
        return said.format(f" (too many requests{wait})")
    if status in (401, 403):
        return said.format(" (access refused)") + (
            ": publish the sheet to the web (anyone with the link), or check the URL"
        )
    if status == 404:
        return said.format(" (no such file)") + ": check the URL"
    if status >= 500:
        return said.format(" (a server error)")
    if 300 <= status < 400:
        return said.format(" (a redirect without a usable Location)")
    return said.format("")


def refuse_page(host: str, sent: str, expected: str) -> None:
    """Refuse a web page where a file was expected (a sheet not published, a sign-in page)."""
    if sent in PAGE_TYPES:
        raise SourceError(
            f"{host} answered 200 with a web page ({sent}), where {expected} was expected: "
            + PUBLISH
        )


def refuse_non_table(host: str, sent: str, content: bytes) -> None:
    """Refuse a CSV source's file whose first line names no date column, without quoting it.

    The importer names the columns it does not know, which for a file that is not a sheet at
    all would repeat the first line of whatever the server sent.
    """
    first = content[:65536].removeprefix(b"\xef\xbb\xbf").split(b"\n", 1)[0]
    text = first.decode("utf-8", errors="replace")
    if not text.strip():
        return  # empty: the importer says the file needs a header row
    if text.lstrip().startswith("<"):
        raise SourceError(
            f"{host} answered 200 with a web page or XML ({sent}), where a CSV file was "
            "expected: " + PUBLISH
        )
    try:
        header = next(csv.reader([text.rstrip("\r")]), [])
    except csv.Error:
        return  # the importer says it is not a CSV file, naming no cell
    if not any(cell.strip().lower() in DATE_COLUMNS for cell in header):
        raise SourceError(
            f"{host} answered 200 with {sent}, where a CSV file was expected whose first line "
            "names its columns, a date column among them (date; event_date in an ACLED "
            "export): " + PUBLISH
        )
