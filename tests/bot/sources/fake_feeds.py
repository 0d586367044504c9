"""Loopback fakes of the feeds: ACLED's API (token, events, deletions) and a published sheet,
and the time a run waits in, which moves only when the run sleeps."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from bot.sources.retry import Waiter
from tests.conftest import NOW

USERNAME, PASSWORD = "analyst@example.org", "right-password"
HTML_PAGE = (
    "<!DOCTYPE html><html><head><title>{status} {reason}</title></head><body><h1>{reason}</h1>"
    "<hr><center>nginx</center></body></html>"
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


def acled_event(event_id: str, day: str, timestamp: int, **extra: Any) -> dict[str, Any]:
    """An event as ACLED's API gives it (strings, as its JSON has them)."""
    return {
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


@dataclass
class FakeAcled:
    """ACLED's API as pausewatch uses it; a test changes events and scripts failures."""

    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    deleted: list[dict[str, Any]] = field(default_factory=list)
    # Failures to give before answering normally: "401", "403", "429", "429-date", "500",
    # "502", "503", "504" (the last three as a proxy's HTML page), "timeout"; `always` is one
    # given every time, `token_script` the same for the token endpoint.
    script: list[str] = field(default_factory=list)
    always: str | None = None
    token_script: list[str] = field(default_factory=list)
    retry_after: str = "60"
    # The most events a page holds, whatever `limit` asked (ACLED or a proxy may cap it).
    page_cap: int | None = None
    # Send total_count (how many events the query has) with each page.
    total_count: bool = False
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    tokens_issued: int = 0
    base: str = ""
    _runner: web.AppRunner | None = None
    _released: asyncio.Event = field(default_factory=asyncio.Event)

    def put(self, event: dict[str, Any]) -> None:
        """Add or change an event."""
        self.events[event["event_id_cnty"]] = event

    def delete(self, event_id: str, at: int) -> None:
        """Delete an event, as ACLED lists it in its deletions."""
        self.events.pop(event_id, None)
        self.deleted.append({"event_id_cnty": event_id, "deleted_timestamp": str(at)})

    def reads(self) -> list[dict[str, str]]:
        """The parameters of each read of the events."""
        return [params for path, params in self.requests if path == "/api/acled/read"]

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
            self.tokens_issued += 1
            return web.json_response(
                {"access_token": f"token-{self.tokens_issued}", "expires_in": 86400}
            )
        if form.get("username") != USERNAME or form.get("password") != PASSWORD:
            return web.json_response(
                {
                    "error": "invalid_grant",
                    "error_description": "The user credentials were incorrect.",
                },
                status=401,
            )
        self.tokens_issued += 1
        return web.json_response(
            {
                "token_type": "Bearer",
                "expires_in": 86400,
                "access_token": f"token-{self.tokens_issued}",
                "refresh_token": "refresh",
            }
        )

    def _authorised(self, request: web.Request) -> bool:
        given = request.headers.get("Authorization", "")
        return given.startswith("Bearer token-")

    async def _read(self, request: web.Request) -> web.Response:
        params = dict(request.query)
        self.requests.append(("/api/acled/read", params))
        scripted = await self._scripted(self.script, self.always)
        if scripted is not None:
            return scripted
        if not self._authorised(request):
            return web.json_response({"message": "Unauthorized"}, status=401)
        found = sorted(
            self.events.values(), key=lambda e: (int(e["timestamp"]), e["event_id_cnty"])
        )
        if "country" in params:
            found = [e for e in found if e["country"] == params["country"]]
        if "timestamp" in params:
            found = [e for e in found if _compared(e["timestamp"], params, "timestamp")]
        return self._page(found, params)

    async def _deleted(self, request: web.Request) -> web.Response:
        params = dict(request.query)
        self.requests.append(("/api/deleted/read", params))
        if not self._authorised(request):
            return web.json_response({"message": "Unauthorized"}, status=401)
        found = [
            d
            for d in self.deleted
            if "deleted_timestamp" not in params
            or _compared(d["deleted_timestamp"], params, "deleted_timestamp")
        ]
        return self._page(found, params)

    def _page(self, found: list[dict[str, Any]], params: dict[str, str]) -> web.Response:
        limit = int(params.get("limit", "5000"))
        if self.page_cap is not None:
            limit = min(limit, self.page_cap)  # a short page, though more rows follow
        page = int(params.get("page", "1"))
        data = found[(page - 1) * limit : page * limit]
        body: dict[str, Any] = {"status": 200, "success": True, "count": len(data), "data": data}
        if self.total_count:
            body["total_count"] = len(found)
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


def _compared(value: str, params: dict[str, str], key: str) -> bool:
    """Compare as ACLED does: `KEY_where` is = (its default), >, >=, < or <=."""
    given, held = int(params[key]), int(value)
    where = params.get(f"{key}_where", "=")
    return {
        "=": held == given,
        ">": held > given,
        ">=": held >= given,
        "<": held < given,
        "<=": held <= given,
    }[where]
