"""Loopback fakes for the guard's tests: a server that counts its connections, a resolver of
made-up names, a fence that records every connection, and a fetch as the bot does it."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

from bot.commands.fetching import Fetched, SourceError, SourceSpec
from bot.settings import Settings
from bot.sources.http import HttpFetcher
from tests.conftest import NOW, make_settings

ALLOW = "source_allow_hosts (PAUSEWATCH_SOURCE_ALLOW_HOSTS)"
SECRET = b"SECRET=hunter2"
CSV = b"date,location\n2024-07-16,Erbil\n"
# Made-up names that look public; only the test's resolver knows them.
PUBLIC_LOOKING = "sheets.example-news.org"
OTHER_PUBLIC_LOOKING = "files.example-press.org"


@dataclass
class Counting:
    """A raw TCP server that counts connections and answers each with a canned response."""

    host: str = "127.0.0.1"
    answer: bytes = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: 22\r\n"
        b"Connection: close\r\n\r\ndate\r\n" + SECRET + b"\r\n"
    )
    connections: int = 0
    port: int = 0
    server: asyncio.Server | None = None

    async def start(self) -> Counting:
        self.server = await asyncio.start_server(self._serve, self.host, 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(self.answer)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


class Names(AbstractResolver):
    """The guard's inner resolver in tests: made-up names answered from a table, which a test
    may change between lookups (as a DNS rebinding would)."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.asked: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.asked.append(host)
        addresses = self.table.get(host.rstrip("."))
        if not addresses:
            raise OSError(socket.EAI_NONAME, "Name or service not known")
        return [_result(host, address, port) for address in addresses]

    async def close(self) -> None:
        pass


def _result(host: str, address: str, port: int) -> ResolveResult:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    return ResolveResult(
        hostname=host,
        host=address,
        port=port,
        family=family,
        proto=0,
        flags=socket.AI_NUMERICHOST,
    )


@dataclass
class Fence:
    """Every connection the loop was asked to make; any beyond loopback is stopped.

    Installed on the test's event loop (the `fence` fixture), so that no test reaches the
    network even if the guard it tests were broken.
    """

    attempts: list[str] = field(default_factory=list)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> Fence:
        loop = asyncio.get_running_loop()
        connect = loop.sock_connect

        async def fenced(sock: socket.socket, address: Any) -> None:
            host = str(address[0]).split("%", 1)[0]
            self.attempts.append(host)
            if not ipaddress.ip_address(host).is_loopback:
                raise ConnectionRefusedError(f"the test fence stops {host}")
            await connect(sock, address)

        monkeypatch.setattr(loop, "sock_connect", fenced)
        return self


def settings(**overrides: Any) -> Settings:
    options: dict[str, Any] = {"source_timeout_seconds": 2.0}
    options.update(overrides)
    return make_settings("sqlite+aiosqlite:///unused.db", **options)


def spec(url: str, kind: str = "csv") -> SourceSpec:
    return SourceSpec(
        name="s", kind=kind, url=url, query={}, etag=None, last_modified=None, position={}, now=NOW
    )


async def fetch(url: str, *, names: Names | None = None, **options: Any) -> Fetched:
    """Fetch as the bot does; without `names`, the system's resolver (for localhost, 0x7f.1)."""
    return await HttpFetcher(settings(**options), names).fetch(spec(url))


async def refusal(url: str, *, names: Names | None = None, **options: Any) -> str:
    with pytest.raises(SourceError) as refused:
        await fetch(url, names=names, **options)
    said = str(refused.value)
    assert "hunter2" not in said and "SECRET" not in said
    return said


async def serve(routes: Callable[[web.Application], object]) -> tuple[web.AppRunner, int]:
    app = web.Application()
    routes(app)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, runner.addresses[0][1]
