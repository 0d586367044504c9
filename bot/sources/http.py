"""Fetch sources over HTTP: a CSV/JSON URL with conditional requests, or ACLED's API.

Every failure becomes a SourceError whose message is what `source list` shows: what went
wrong, in words, and that the next run tries again.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import aiohttp

from bot.commands.sources import Fetched, SourceError, SourceSpec
from bot.settings import Settings
from bot.sources.acled import AcledClient

# A published sheet is a few megabytes; anything far larger is not what was meant.
MAX_FILE_BYTES = 100 * 1024 * 1024
USER_AGENT = "pausewatch (incident tracker; +https://github.com/)"


class HttpFetcher:
    """The fetcher the bot uses: one HTTP session per run, ACLED's token kept across runs."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.acled = AcledClient(settings)

    async def fetch(self, spec: SourceSpec) -> Fetched:
        """Read what is new at the source (see bot.commands.sources.Fetcher)."""
        timeout = aiohttp.ClientTimeout(total=self.settings.source_timeout_seconds)
        async with aiohttp.ClientSession(
            timeout=timeout, headers={"User-Agent": USER_AGENT}
        ) as http:
            if spec.kind == "acled":
                return await self.acled.read(http, spec)
            return await fetch_file(http, spec, self.settings.source_timeout_seconds)


async def fetch_file(http: aiohttp.ClientSession, spec: SourceSpec, waited: float) -> Fetched:
    """GET a file, conditionally: a 304 (unchanged since the last good run) reads nothing."""
    assert spec.url is not None
    headers = {}
    if spec.etag:
        headers["If-None-Match"] = spec.etag
    if spec.last_modified:
        headers["If-Modified-Since"] = spec.last_modified
    host = urlsplit(spec.url).netloc
    try:
        async with http.get(spec.url, headers=headers) as response:
            if response.status == 304:
                return Fetched(unchanged=True)
            if response.status != 200:
                raise SourceError(http_problem(host, response.status, response.headers))
            if (response.content_length or 0) > MAX_FILE_BYTES:
                raise SourceError(f"{host} sent a file over {MAX_FILE_BYTES >> 20} MB")
            content = await response.content.read(MAX_FILE_BYTES + 1)
            if len(content) > MAX_FILE_BYTES:
                raise SourceError(f"{host} sent a file over {MAX_FILE_BYTES >> 20} MB")
            return Fetched(
                content=content,
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
            )
    except TimeoutError:
        raise SourceError(f"{host} did not answer within {waited:g} s") from None
    except aiohttp.ClientError as error:
        raise SourceError(f"{host} could not be reached ({error})") from None


def http_problem(host: str, status: int, headers: Any) -> str:
    """Say what an HTTP error status means for a source."""
    if status == 429:
        after = headers.get("Retry-After")
        wait = f"; it asked to wait {after} s" if after else ""
        return f"{host} refused: too many requests (429){wait}"
    if status in (401, 403):
        return (
            f"{host} refused access ({status}): publish the sheet to the web (anyone with the "
            "link), or check the URL"
        )
    if status == 404:
        return f"{host} has no such file (404): check the URL"
    if status >= 500:
        return f"{host} failed (server error {status})"
    return f"{host} answered {status}"
