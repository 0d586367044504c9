"""The one way sources reach the network: public addresses only, redirects checked, reads bounded.

A source's URL is chosen in chat, so without a guard `source add` would let anyone with the
admin role read the bot's own machine and network (a database's HTTP port, a cloud's
metadata service at 169.254.169.254) and have the answer told back. The rules of which
addresses may be read are bot/domain/addresses.py's; here they are applied where the
connection is made:

- an address in the URL itself (aiohttp connects to it without resolving) is checked before
  the request, in any spelling (2130706433, 0x7f.1, ::ffff:127.0.0.1);
- a name is resolved by `GuardedResolver`, which drops the addresses a source may not read, so
  the address checked is the one connected to (a name that resolves to a public address once
  and to 127.0.0.1 the next time gets nothing past it);
- redirects are not followed by aiohttp: `Guard.request` follows up to MAX_REDIRECTS of them,
  each new URL under the same rules;
- `Guard.read` stops at source_max_bytes.
"""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from bot.commands.fetching import SourceError
from bot.domain.addresses import (
    SCHEMES,
    address_refusal,
    allow_hint,
    host_refusal,
    literal_address,
    name_allowed,
)
from bot.settings import Settings

USER_AGENT = "pausewatch (incident tracker; +https://github.com/)"
MAX_REDIRECTS = 3
REDIRECTS = frozenset({301, 302, 303, 307, 308})
CHUNK_BYTES = 64 * 1024
# A media type as RFC 6838 spells it; anything else a server sends is not repeated.
MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}")


class Refused(OSError):
    """A name whose every address a source may not read.

    An OSError, because aiohttp carries a resolver's OSError inside its connector error, where
    `Guard.request` finds it again.
    """


class GuardedResolver(AbstractResolver):
    """Resolve with an inner resolver and keep only the addresses a source may read."""

    def __init__(self, inner: AbstractResolver, allow: Sequence[str]) -> None:
        self.inner = inner
        self.allow = tuple(allow)

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Return the addresses of `host` a source may connect to; raise Refused if none."""
        found = await self.inner.resolve(host, port, family)
        if name_allowed(host, self.allow):
            return found
        kept: list[ResolveResult] = []
        why: list[str] = []
        for result in found:
            address = literal_address(result["host"])
            if address is None:
                why.append(f"{result['host']!r} is not an address")
                continue
            verdict = address_refusal(address, self.allow)
            if verdict is None:
                kept.append(result)
            else:
                why.append(str(verdict))
        if not kept:
            said = "; ".join(dict.fromkeys(why)) or "no address at all"
            raise Refused(
                f"{host} resolves only to addresses a source may not read ({said}): "
                f"{allow_hint(host)}"
            )
        return kept

    async def close(self) -> None:
        """Nothing to release: the inner resolver is closed by whoever made it."""


class Guard:
    """A session that connects only where a source may read, and reads only so much."""

    def __init__(self, http: aiohttp.ClientSession, settings: Settings) -> None:
        self.http = http
        self.allow = tuple(settings.source_allow_hosts)
        self.max_bytes = settings.source_max_bytes

    def refusal(self, url: URL) -> str | None:
        """Say why this URL may not be read, if it can be told before connecting."""
        if url.scheme not in SCHEMES or not url.raw_host:
            return f"{_shown(url)} cannot be read: a source reads http and https addresses only"
        # raw_host is what aiohttp connects to: yarl has already folded a fullwidth
        # "１２７.０.０.１" to 127.0.0.1 there.
        return host_refusal(url.raw_host, self.allow)

    @asynccontextmanager
    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        **options: Any,
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """Send a request; follow a GET's redirects, each to an address a source may read.

        A redirect of any other method is given to the caller as it is: a POST's form (ACLED's
        password) is not sent on to wherever a redirect points.
        """
        current = web_address(url)
        sent = dict(headers or {})
        for hop in range(MAX_REDIRECTS + 1):
            why = self.refusal(current)
            if why is not None:
                raise SourceError(_via(why, hop, url, current))
            response = await self._send(method, current, sent, options, hop, url)
            async with response:
                target = _redirect(response) if method == "GET" else None
                if target is None:
                    yield response
                    return
            if _origin(target) != _origin(current):
                sent.pop("Authorization", None)  # a token is for the host it was made for
            current = target
            options.pop("params", None)  # the query is in the redirect's URL now
        raise SourceError(
            f"{_shown(web_address(url))} redirected more than {MAX_REDIRECTS} times; give the "
            "file's final address"
        )

    async def _send(
        self,
        method: str,
        url: URL,
        headers: dict[str, str],
        options: dict[str, Any],
        hop: int,
        first: str,
    ) -> aiohttp.ClientResponse:
        try:
            return await self.http.request(
                method, url, headers=headers, allow_redirects=False, **options
            )
        except aiohttp.ClientConnectorError as error:
            if isinstance(error.os_error, Refused):
                raise SourceError(_via(str(error.os_error), hop, first, url)) from None
            raise

    async def read(self, response: aiohttp.ClientResponse) -> bytes:
        """Read a response's body, refusing it once it passes source_max_bytes."""
        if (response.content_length or 0) > self.max_bytes:
            raise SourceError(self._too_big(response))
        chunks: list[bytes] = []
        total = 0
        async for chunk in response.content.iter_chunked(CHUNK_BYTES):
            total += len(chunk)
            if total > self.max_bytes:
                raise SourceError(self._too_big(response))
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_big(self, response: aiohttp.ClientResponse) -> str:
        return (
            f"{_shown(response.url)} sent more than {_size(self.max_bytes)}, the most a source "
            "may read (source_max_bytes, PAUSEWATCH_SOURCE_MAX_BYTES), so it was not read"
        )


@asynccontextmanager
async def guarded_session(
    settings: Settings, resolver: AbstractResolver | None = None
) -> AsyncIterator[Guard]:
    """Open a session for one run; `resolver` resolves names (aiohttp's default if None)."""
    inner = resolver or aiohttp.DefaultResolver()
    connector = aiohttp.TCPConnector(resolver=GuardedResolver(inner, settings.source_allow_hosts))
    timeout = aiohttp.ClientTimeout(total=settings.source_timeout_seconds)
    try:
        # trust_env=False: a proxy from the environment would connect for us, unchecked.
        async with aiohttp.ClientSession(
            connector=connector,
            timeout=timeout,
            headers={"User-Agent": USER_AGENT},
            trust_env=False,
        ) as http:
            yield Guard(http, settings)
    finally:
        if resolver is None:
            await inner.close()


def media_type(headers: Any) -> str:
    """Name a response's content type ("text/html"), never more of what the server wrote."""
    raw = str(headers.get("Content-Type", "")).split(";", 1)[0].strip().lower()
    if not raw:
        return "no content type"
    return raw if MEDIA_TYPE.fullmatch(raw) else "an unreadable content type"


def web_address(url: str) -> URL:
    """Read a source's URL, or say that it is not one (a stored URL, or ACLED's setting)."""
    try:
        return URL(url)
    except ValueError:
        raise SourceError(
            f"{url[:100]!r} is not a web address; write https://host/path.csv"
        ) from None


def unreachable(error: aiohttp.ClientError) -> str:
    """Say why a server could not be read, in our words.

    aiohttp's own messages may quote what the server sent (a bad status line is repeated
    whole: a Redis or SMTP port answers with its first line), so they are not shown.
    """
    if isinstance(error, aiohttp.ClientConnectorError):
        if isinstance(error.os_error, socket.gaierror):
            return "could not be reached (its name does not resolve)"
        reason = error.os_error.strerror or type(error.os_error).__name__
        return f"could not be reached ({reason})"
    if isinstance(error, aiohttp.ServerDisconnectedError):
        return "closed the connection without answering"
    if isinstance(error, aiohttp.ClientPayloadError):
        return "broke off while sending its answer"
    if isinstance(error, aiohttp.ClientResponseError):
        return "answered something that is not HTTP"
    return f"could not be read ({type(error).__name__})"


def _redirect(response: aiohttp.ClientResponse) -> URL | None:
    if response.status not in REDIRECTS:
        return None
    location = response.headers.get("Location")
    if not location:
        return None  # a redirect to nowhere: the caller says the status
    try:
        return response.url.join(URL(location))
    except ValueError:
        raise SourceError(
            f"{_shown(response.url)} redirected ({response.status}) to something that is not "
            "an address"
        ) from None


def _via(why: str, hop: int, first: str, url: URL) -> str:
    if hop == 0:
        return why
    return f"{_shown(URL(first))} redirected to {_shown(url)}, which was not read because {why}"


def _origin(url: URL) -> tuple[str, str | None, int | None]:
    return url.scheme, url.raw_host, url.port


def _shown(url: URL) -> str:
    """Name a URL by its scheme, host and port: a path or query may hold what is not ours."""
    host = (url.raw_host or "")[:100]
    if url.scheme not in SCHEMES or not host:
        return f"the {url.scheme[:20]}: address" if url.scheme else "an address without a scheme"
    if url.explicit_port:
        return f"{host}:{url.port}"
    return host


def _size(count: int) -> str:
    if count >= 1 << 20 and count % (1 << 20) == 0:
        return f"{count >> 20} MiB"
    if count >= 1 << 10 and count % (1 << 10) == 0:
        return f"{count >> 10} KiB"
    return f"{count:,} bytes"
