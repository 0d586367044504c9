"""Loopback fakes of the feeds: ACLED's API, a published sheet, and the time a run waits in.

ACLED's stand-in is as strict as ACLED (its query language in acled_query.py): tokens that
are refreshed, events and deletions paged by offset in ACLED's order, totals only when asked,
scripted failures on each endpoint, and changes a test makes between two pages. The time a
run waits in moves only when the run sleeps.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from bot.sources.retry import Waiter
from tests.bot.sources.acled_query import QueryError, latest_first, matching, only
from tests.conftest import NOW

USERNAME, PASSWORD = "analyst@example.org", "right-password"
HTML_PAGE = (
    "<!DOCTYPE html><html><head><title>{status} {reason}</title></head><body><h1>{reason}</h1>"
    "<hr><center>nginx</center></body></html>"
)
# The columns of an ACLED event that a query may filter on.
COLUMNS = (
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "actor2",
    "assoc_actor_2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
)
REASONS = {"502": "Bad Gateway", "503": "Service Unavailable", "504": "Gateway Time-out"}


@dataclass
class FakeTime:
    """How a run waits in tests: sleeping only moves this clock, and says how long it slept.

    `draw` is the jitter's random draw (1.0: the top of each backoff step).
    """

    start: datetime = NOW
    elapsed: float = 0.0
    slept: list[float] = field(default_factory=list)
    draw: float = 1.0

    def waiter(self) -> Waiter:
        return Waiter(
            monotonic=lambda: self.elapsed,
            now=lambda: self.start + timedelta(seconds=self.elapsed),
            sleep=self.sleep,
            draw=lambda: self.draw,
        )

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.elapsed += seconds


ISO_CODES = {"Iraq": "368", "Syria": "760", "Jordan": "400", "Yemen": "887", "Red Sea": "0"}


def acled_event(event_id: str, day: str, timestamp: int, **extra: Any) -> dict[str, Any]:
    """An event as ACLED's API gives it (strings, as its JSON has them)."""
    event = {
        "event_id_cnty": event_id,
        "event_date": day,
        "year": day[:4],
        "disorder_type": "Political violence",
        "event_type": "Explosions/Remote violence",
        "sub_event_type": "Air/drone strike",
        "actor1": "Islamic Resistance in Iraq",
        "country": "Iraq",
        "admin1": "Al Anbar",
        "location": "Ain al-Assad",
        "latitude": "33.8",
        "longitude": "42.4",
        "source": "Reuters",
        "notes": "Drone attack on the base.",
        "fatalities": "0",
        "timestamp": str(timestamp),
        **extra,
    }
    event.setdefault("iso", ISO_CODES.get(event["country"], "0"))
    return event


@dataclass
class FakeAcled:
    """ACLED's API as pausewatch uses it, as strict as ACLED; a test changes events and scripts
    failures.

    Like ACLED since 2025 it sends `count` and `total_count` only when asked (`with_total=true`);
    it orders events the latest event_date first, an update moving its event (so that offset
    paging can skip, as at ACLED); it takes every filter ACLED documents
    (tests/bot/sources/acled_query.py) and refuses unknown ones.
    """

    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    deleted: list[dict[str, Any]] = field(default_factory=list)
    # Failures to give before answering normally: "401", "403", "429", "429-date", "500",
    # "502", "503", "504" (the last three as a proxy's HTML page), "timeout"; `always` is one
    # given every time; `token_script` and `deleted_script` the same for the token endpoint
    # and the deletions endpoint.
    script: list[str] = field(default_factory=list)
    always: str | None = None
    token_script: list[str] = field(default_factory=list)
    deleted_script: list[str] = field(default_factory=list)
    retry_after: str = "60"
    # The most events a page holds, whatever `limit` asked (ACLED or a proxy may cap it).
    page_cap: int | None = None
    # Answer with_total=true with count and total_count (a server that ignores it: False).
    honours_with_total: bool = True
    # How long a token lasts, as the login answer says.
    expires_in: int = 86400
    # Changes to make after the Nth read of events is answered (N from 1): data changing
    # between two pages of one run.
    after_read: dict[int, Callable[[], object]] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    tokens_issued: int = 0
    base: str = ""
    _changed: dict[str, int] = field(default_factory=dict)
    _changes: int = 0
    _refresh_token: str | None = None
    _runner: web.AppRunner | None = None
    _released: asyncio.Event = field(default_factory=asyncio.Event)

    def put(self, event: dict[str, Any]) -> None:
        """Add or change an event (a change moves it first among the events of its day)."""
        self.events[event["event_id_cnty"]] = event
        self._changes += 1
        self._changed[event["event_id_cnty"]] = self._changes

    def delete(self, event_id: str, at: int) -> None:
        """Delete an event, as ACLED lists it in its deletions."""
        self.events.pop(event_id, None)
        self.deleted.append({"event_id_cnty": event_id, "deleted_timestamp": str(at)})

    def reset(self) -> None:
        """Forget every event, deletion, request, change and cap: an empty ACLED, logins kept."""
        for kept in (self.events, self.deleted, self.requests, self.after_read, self._changed):
            kept.clear()
        self.page_cap = None

    def forget_refresh_tokens(self) -> None:
        """Take back the refresh token given (as when another client used it first)."""
        self._refresh_token = None

    def shown(self, query: dict[str, str]) -> list[dict[str, Any]]:
        """What ACLED shows for a query (ACLED's parameters), every page at once."""
        return matching(latest_first(self.events.values(), self._changed), query, COLUMNS)

    def reads(self) -> list[dict[str, str]]:
        """The parameters of each read of the events."""
        return [params for path, params in self.requests if path == "/api/acled/read"]

    def logins(self) -> list[str]:
        """The grant of each request to the token endpoint."""
        return [p.get("grant_type", "") for path, p in self.requests if path == "/oauth/token"]

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/oauth/token", self._token)
        app.router.add_get("/api/acled/read", self._read)
        app.router.add_get("/api/deleted/read", self._deleted)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        self._released.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _scripted(self, script: list[str], always: str | None) -> web.Response | None:
        failure = script.pop(0) if script else always
        if failure is None:
            return None
        if failure == "timeout":
            await self._released.wait()  # until the fake stops: the client gives up first
        if failure in ("429", "429-date"):
            after = self.retry_after if failure == "429" else "Wed, 25 Nov 2026 12:00:30 GMT"
            return web.json_response(
                {"status": 429, "success": False, "message": "Too many requests"},
                status=429,
                headers={"Retry-After": after},
            )
        if failure in REASONS:
            page = HTML_PAGE.format(status=failure, reason=REASONS[failure])
            return web.Response(status=int(failure), text=page, content_type="text/html")
        if failure == "403":
            return web.json_response(
                {
                    "status": 403,
                    "success": False,
                    "message": "Access denied: your account does not have API access.",
                },
                status=403,
            )
        if failure == "500":
            return web.json_response({"message": "Internal Server Error"}, status=500)
        if failure == "401":
            return web.json_response({"message": "Unauthorized"}, status=401)
        return None

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        self.requests.append(("/oauth/token", {k: str(v) for k, v in form.items()}))
        scripted = await self._scripted(self.token_script, None)
        if scripted is not None:
            return scripted
        if form.get("client_id") != "acled":
            return web.json_response({"error": "invalid_client"}, status=401)
        if form.get("grant_type") == "refresh_token":
            # A refresh token is good once, and only the last one given.
            if self._refresh_token is None or form.get("refresh_token") != self._refresh_token:
                return web.json_response(
                    {
                        "error": "invalid_grant",
                        "error_description": "The refresh token is invalid.",
                    },
                    status=400,
                )
            return self._issue()
        if form.get("username") != USERNAME or form.get("password") != PASSWORD:
            return web.json_response(
                {
                    "error": "invalid_grant",
                    "error_description": "The user credentials were incorrect.",
                },
                status=401,
            )
        return self._issue()

    def _issue(self) -> web.Response:
        self.tokens_issued += 1
        self._refresh_token = f"refresh-{self.tokens_issued}"
        return web.json_response(
            {
                "token_type": "Bearer",
                "expires_in": self.expires_in,
                "access_token": f"token-{self.tokens_issued}",
                "refresh_token": self._refresh_token,
            }
        )

    def _authorised(self, request: web.Request) -> bool:
        given = request.headers.get("Authorization", "")
        number = given.removeprefix("Bearer token-")
        return number.isdigit() and 1 <= int(number) <= self.tokens_issued

    async def _read(self, request: web.Request) -> web.Response:
        params = dict(request.query)
        self.requests.append(("/api/acled/read", params))
        served = len(self.reads())
        try:
            scripted = await self._scripted(self.script, self.always)
            if scripted is not None:
                return scripted
            if not self._authorised(request):
                return web.json_response({"message": "Unauthorized"}, status=401)
            try:
                found = self.shown(params)
            except QueryError as error:
                return web.json_response({"status": 400, "success": False, "message": str(error)})
            return self._page(found, params)
        finally:
            change = self.after_read.get(served)
            if change is not None:
                change()

    async def _deleted(self, request: web.Request) -> web.Response:
        params = dict(request.query)
        self.requests.append(("/api/deleted/read", params))
        scripted = await self._scripted(self.deleted_script, None)
        if scripted is not None:
            return scripted
        if not self._authorised(request):
            return web.json_response({"message": "Unauthorized"}, status=401)
        newest_first = sorted(self.deleted, key=lambda d: int(d["deleted_timestamp"]), reverse=True)
        try:
            found = matching(newest_first, params, ("event_id_cnty", "deleted_timestamp"))
        except QueryError as error:
            return web.json_response({"status": 400, "success": False, "message": str(error)})
        return self._page(found, params)

    def _page(self, found: list[dict[str, Any]], params: dict[str, str]) -> web.Response:
        limit = int(params.get("limit", "5000"))
        if self.page_cap is not None:
            limit = min(limit, self.page_cap)  # a short page, though more rows follow
        page = int(params.get("page", "1"))
        data = only(found[(page - 1) * limit : page * limit], params.get("fields"))
        body: dict[str, Any] = {"status": 200, "success": True, "data": data}
        if params.get("with_total") == "true" and self.honours_with_total:
            body |= {"count": len(data), "total_count": len(found)}
        return web.json_response(body)


@dataclass
class FakeSheet:
    """A published sheet's CSV URL with an ETag and Last-Modified, answering 304 when unchanged."""

    body: bytes = b""
    etag: str = '"v1"'
    last_modified: str = "Wed, 25 Nov 2026 10:00:00 GMT"
    status: int = 200
    requests: list[dict[str, str]] = field(default_factory=list)
    base: str = ""
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"{self.base}/sheet.csv"

    def publish(self, body: str, etag: str) -> None:
        self.body, self.etag = body.encode(), etag

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/sheet.csv", self._get)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _get(self, request: web.Request) -> web.Response:
        self.requests.append(dict(request.headers))
        if self.status != 200:
            return web.Response(status=self.status, text="nope")
        if request.headers.get("If-None-Match") == self.etag:
            return web.Response(status=304, headers={"ETag": self.etag})
        return web.Response(
            body=self.body,
            content_type="text/csv",
            headers={"ETag": self.etag, "Last-Modified": self.last_modified},
        )
