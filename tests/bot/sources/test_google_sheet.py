"""A Google Sheet published to the web as CSV, as a source: its address, and unchanged runs free.

Google gives a published sheet an address of the shape
https://docs.google.com/spreadsheets/d/e/2PACX-.../pub?gid=0&single=true&output=csv. The
stand-in answers that path and query on loopback (docs.google.com resolved there by the
test's resolver; plain http, as loopback has no certificate), redirecting to a
googleusercontent.com address that serves the file, with validators to ask again with.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from sqlalchemy import func, select

from bot.commands.core import Core
from bot.sources.http import HttpFetcher
from storage.models import AuditEntry, Incident, OutboxMessage, Source
from tests.bot.commands.test_core import ask
from tests.bot.sources.fake_feeds import FakeSheet
from tests.bot.sources.fake_network import Fence, Names
from tests.conftest import Clock, make_settings

KEY = "2PACX-1vTq3yVx0_example-Published-Sheet-Key_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"
PUBLISHED = f"https://docs.google.com/spreadsheets/d/e/{KEY}/pub?gid=0&single=true&output=csv"
DOCS, CONTENT = "docs.google.com", "doc-0s-9c-sheets.googleusercontent.com"
HEADER = "series,date,country,location,kind,source,external_id\n"
ROW = "attacks,2024-07-16,Iraq,Ain al-Assad,drone,Reuters,G1\n"
UNCHANGED = "Source sheet: unchanged since the last run (the server said 304)"


@dataclass
class PublishedSheet(FakeSheet):
    """The sheet as Google publishes it: the /pub address redirects to the file's host, which
    answers 304 to If-None-Match (with an ETag) or If-Modified-Since (without one)."""

    port: int = 0
    paths: list[str] = field(default_factory=list)

    def address(self, host: str = DOCS) -> str:
        """The published address, on the stand-in's port."""
        return f"http://{host}:{self.port}/spreadsheets/d/e/{KEY}/pub?gid=0&single=true&output=csv"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/spreadsheets/d/e/{key}/pub", self._published)
        app.router.add_get("/pub/{key}", self._file)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base = f"http://127.0.0.1:{self.port}"

    def _wanted(self, request: web.Request) -> bool:
        self.paths.append(f"{request.host.split(':')[0]}{request.path}")
        query = dict(request.query)
        return request.match_info["key"] == KEY and query == {
            "gid": "0",
            "single": "true",
            "output": "csv",
        }

    async def _published(self, request: web.Request) -> web.Response:
        if not self._wanted(request):
            return web.Response(status=404, text="not published")
        target = f"http://{CONTENT}:{self.port}/pub/{KEY}?{request.query_string}"
        return web.Response(status=307, headers={"Location": target})

    async def _file(self, request: web.Request) -> web.Response:
        if not self._wanted(request):
            return web.Response(status=404, text="not published")
        if not self.etag:
            self.requests.append(dict(request.headers))
            if request.headers.get("If-Modified-Since") == self.last_modified:
                return web.Response(status=304)
            return web.Response(
                body=self.body,
                content_type="text/csv",
                headers={"Last-Modified": self.last_modified},
            )
        return await self._get(request)  # ETag and Last-Modified, as FakeSheet answers


@pytest.fixture
async def published() -> AsyncIterator[PublishedSheet]:
    sheet = PublishedSheet()
    await sheet.start()
    yield sheet
    await sheet.stop()


async def sheet_core(database, database_url: str, clock: Clock, names: Names | None = None) -> Core:
    """A core whose fetcher resolves Google's names (with `names`) to the stand-in on loopback."""
    settings = make_settings(
        database_url,
        admins=["U-admin"],
        source_allow_hosts=["127.0.0.1"],
        source_timeout_seconds=2.0,
    )
    core = Core(database=database, settings=settings, clock=clock)
    names = names or Names({DOCS: ["127.0.0.1"], CONTENT: ["127.0.0.1"]})
    core.fetcher = HttpFetcher(settings, names)
    await core.prepare()
    return core


async def writes(core: Core) -> tuple[int, int, int]:
    """How many incidents, audit entries and outbox messages are stored."""
    async with core.database.read() as session:
        counted = [
            await session.scalar(select(func.count()).select_from(table))
            for table in (Incident, AuditEntry, OutboxMessage)
        ]
    return (counted[0] or 0, counted[1] or 0, counted[2] or 0)


async def test_source_add_takes_a_published_sheets_address_as_it_is(
    database, database_url: str, clock: Clock
) -> None:
    names = Names({DOCS: ["127.0.0.1"]})
    core = await sheet_core(database, database_url, clock, names)
    said = await ask(core, f"source add sheet kind:csv url:{PUBLISHED} every:1h")
    assert said.startswith(f"Source sheet added: csv {PUBLISHED} → attacks, every 1h, trusted")
    assert f"• sheet: csv {PUBLISHED} → attacks" in await ask(core, "source list")
    async with core.database.read() as session:
        assert await session.scalar(select(Source.url)) == PUBLISHED
    assert names.asked == []  # adding reads nothing: the host is judged when it is fetched


@pytest.mark.parametrize("validator", ["etag", "last-modified"])
async def test_an_unchanged_published_sheet_costs_nothing(
    database,
    database_url: str,
    clock: Clock,
    fence: Fence,
    published: PublishedSheet,
    validator: str,
) -> None:
    core = await sheet_core(database, database_url, clock)
    await ask(core, "add 2024-04-22")
    await ask(core, "subscribe alerts")
    published.publish(HEADER + ROW, '"v1"' if validator == "etag" else "")
    await ask(core, f"source add sheet kind:csv url:{published.address()}")
    said = await ask(core, "source run sheet")
    assert said.startswith("Source sheet: read 1, 1 added"), said
    assert published.paths == [
        f"{DOCS}/spreadsheets/d/e/{KEY}/pub",
        f"{CONTENT}/pub/{KEY}",
    ]
    first = published.requests[-1]
    assert "If-None-Match" not in first and "If-Modified-Since" not in first
    stored = await writes(core)

    # Unchanged: asked again with the validators, through the redirect; a 304, nothing read.
    assert await ask(core, "source run sheet") == UNCHANGED
    again = published.requests[-1]
    assert again["If-Modified-Since"] == "Wed, 25 Nov 2026 10:00:00 GMT"
    if validator == "etag":
        assert again["If-None-Match"] == '"v1"'
    else:
        assert "If-None-Match" not in again
    assert await writes(core) == stored  # no incident, no audit entry, no message
    assert await ask(core, "source run sheet") == UNCHANGED

    # Changed: read again, and only the new row is stored.
    changed = ROW + ROW.replace("07-16", "07-20").replace("G1", "G2")
    published.publish(HEADER + changed, '"v2"' if validator == "etag" else "")
    published.last_modified = "Wed, 25 Nov 2026 11:00:00 GMT"
    said = await ask(core, "source run sheet")
    assert said.startswith("Source sheet: read 2, 1 added, 1 already known"), said
    async with core.database.read() as session:
        source = await session.scalar(select(Source))
    assert source is not None
    assert source.last_modified == "Wed, 25 Nov 2026 11:00:00 GMT"
    assert source.etag == ('"v2"' if validator == "etag" else None)
    assert set(fence.attempts) == {"127.0.0.1"}  # only loopback (the stand-in, PostgreSQL)
