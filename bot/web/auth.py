"""Who may read and write over HTTP: reads public by setting, bearer tokens by scope, a rate limit.

Every route under a gate is closed unless its setting opens it: the API's questions
(`api_public`), the board (`board_public`) and the badge (`badge_public`) need a read or write
token otherwise, the API's writes always need a write token, and its sources and review
queue (reads too: a source's address and query are an admin's) always an admin token. The
check is one middleware over the routes' paths, so that a route added later is closed until
someone opens it here.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Middleware

from bot.commands import tokens
from bot.commands.core import Caller, Core
from bot.commands.tokens import Holder
from bot.web.errors import json_error

Clock = Callable[[], float]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
READS = frozenset({"GET", "HEAD"})
# Who presented which live token (absent when a public read came without one).
HOLDER = web.RequestKey("holder", Holder)
MAKE_READ = "`pausewatch token create NAME --read` (a token that may only read)"
MAKE_WRITE = "`pausewatch token create NAME`"
MAKE_ADMIN = "`pausewatch token create NAME --admin`"
MAKE = {tokens.READ: MAKE_READ, tokens.WRITE: MAKE_WRITE, tokens.ADMIN: MAKE_ADMIN}


@dataclass(frozen=True)
class Gate:
    """What a group of routes needs: a token of a scope, unless a setting opens it to all."""

    what: str  # for the messages: "Reading the API"
    setting: str | None  # the setting that lets anyone in; None: never open (writes)
    scope: str  # what the token must be allowed: read, write or admin
    # Whether ?token=... counts: a wall screen's address and an <img> send no header. The
    # API takes the header only, so that its tokens stay out of addresses (and access logs).
    in_address: bool


API_READS = Gate("Reading the API", "api_public", tokens.READ, in_address=False)
API_WRITES = Gate("Writing through the API", None, tokens.WRITE, in_address=False)
API_ADMIN = Gate("Administering sources and reviews", None, tokens.ADMIN, in_address=False)
# The sources and the review queue: an admin's, whatever the method.
ADMIN_PATHS = ("/api/v1/sources", "/api/v1/reviews")
BOARD = Gate("The board", "board_public", tokens.READ, in_address=True)
BADGE = Gate("The badge", "badge_public", tokens.READ, in_address=True)
# Open whatever the settings say. The document describes the API and holds no data, and a
# client needs it to learn how to authenticate; the operators' endpoints are scraped and
# probed without credentials (keep the port internal, or filter /metrics at the proxy).
OPEN = frozenset({"/api/v1/openapi.json", "/healthz", "/readyz", "/metrics"})


def gate_of(path: str, method: str) -> Gate | None:
    """Return the gate of a route (by its path template), or None when it is open."""
    if path in OPEN:
        return None
    if any(path == p or path.startswith(p + "/") for p in ADMIN_PATHS):
        return API_ADMIN
    if path.startswith("/api/v1/"):
        return API_READS if method in READS else API_WRITES
    if path == "/board" or path.startswith("/board/"):
        return BOARD
    if path.startswith("/badge/"):
        return BADGE
    return None  # other adapters' routes (Slack's events) check their own signatures


def presented(request: web.Request, *, allow_query: bool = False) -> str | None:
    """Return the token a request presents: `Authorization: Bearer ...` (or ?token=...)."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if allow_query:
        return request.query.get("token") or None
    return None


def _missing(gate: Gate, request: web.Request) -> web.HTTPException:
    where = "`Authorization: Bearer TOKEN`"
    if gate.in_address:
        where += " or add ?token=TOKEN to the address"
    elif "token" in request.query:
        where += " (the API does not read ?token=: addresses are kept in logs)"
    if gate.setting is None:
        how = f"an admin makes one with {MAKE[gate.scope]}."
    else:
        how = (
            f"an admin makes one with {MAKE_READ}, or sets {gate.setting} = true to let "
            "anyone read it."
        )
    return json_error(
        401,
        f"{gate.what} needs an API token: send {where}; {how}",
        headers={"WWW-Authenticate": 'Bearer realm="pausewatch"'},
    )


def _one_each(request: web.Request) -> None:
    # Two headers (or two ?token=) could be read one way by a proxy and another way here.
    if (
        len(request.headers.getall("Authorization", [])) > 1
        or len(request.query.getall("token", [])) > 1
    ):
        raise json_error(
            401,
            "Send one token: this request has more than one Authorization header or ?token=.",
            headers={"WWW-Authenticate": 'Bearer realm="pausewatch"'},
        )


async def token_holder(core: Core, request: web.Request, gate: Gate) -> Holder:
    """Return who holds the live token the request presents; raise 401 when there is none."""
    _one_each(request)
    secret = presented(request, allow_query=gate.in_address)
    if secret is None:
        raise _missing(gate, request)
    holder = await tokens.holder(core.context, secret)
    if holder is None:
        raise json_error(
            401,
            "That API token is not valid: it was revoked or never made. An admin can make "
            f"another with {MAKE[gate.scope]}.",
            headers={"WWW-Authenticate": 'Bearer realm="pausewatch", error="invalid_token"'},
        )
    refused = _beyond_scope(gate, holder)
    if refused is not None:
        raise json_error(
            403,
            refused,
            headers={
                "WWW-Authenticate": 'Bearer realm="pausewatch", error="insufficient_scope", '
                f'scope="{gate.scope}"'
            },
        )
    return holder


def _beyond_scope(gate: Gate, holder: Holder) -> str | None:
    """Say why a live token may not pass a gate; None when it may."""
    if gate.scope == tokens.WRITE and not holder.may_write:
        return f"The token {holder.name!r} may only read; make one that writes with {MAKE_WRITE}."
    if gate.scope == tokens.ADMIN and not holder.may_administer:
        may = "only read" if holder.scope == tokens.READ else "read and write, not administer"
        return (
            f"{gate.what} needs an admin token: the token {holder.name!r} may {may}. An admin "
            f"makes one with {MAKE_ADMIN}."
        )
    return None


async def admitted(core: Core, request: web.Request, gate: Gate) -> Holder | None:
    """Check a request against its gate; return who holds its token (None: public, none sent).

    A token that is sent is checked even where reading is public, so that a client whose
    token was revoked learns it at once rather than when the setting changes.
    """
    public = gate.setting is not None and bool(getattr(core.settings, gate.setting))
    if public and presented(request, allow_query=gate.in_address) is None:
        return None
    return await token_holder(core, request, gate)


def access(core_of: Callable[[web.Application], Core]) -> Middleware:
    """Make the middleware that lets a request through its route's gate, or refuses it."""

    @web.middleware
    async def check(request: web.Request, handler: Handler) -> web.StreamResponse:
        route = request.match_info
        # No such route (404) or method (405): said as such, whoever asks.
        if route.http_exception is None:
            resource = route.route.resource
            path = resource.canonical if resource is not None else request.path
            gate = gate_of(path, request.method)
            if gate is not None:
                holder = await admitted(core_of(request.app), request, gate)
                if holder is not None:
                    request[HOLDER] = holder
        return await handler(request)

    return check


def reader_of(request: web.Request, platform: str) -> Caller:
    """Return who reads: a token that writes speaks for the install and reads every series; a
    read token or a public reader (no team, no admin) reads the shared series alone."""
    holder = request.get(HOLDER)
    if holder is not None and holder.may_write:
        return Caller(f"token:{holder.name}", is_admin=True, platform=platform, channel=platform)
    user = f"token:{holder.name}" if holder is not None else platform
    return Caller(user=user, is_admin=False, platform=platform, channel=platform)


def holder_of(request: web.Request) -> Holder:
    """Return who holds the token of a request the middleware let through with one."""
    holder = request.get(HOLDER)
    if holder is None:  # only if a gated route were served without the middleware
        raise json_error(401, "This needs an API token.")
    return holder


class RateLimit:
    """A token bucket per API token: `per_minute` writes a minute, up to that many at once."""

    def __init__(self, per_minute: int, clock: Clock = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.refill = per_minute / 60.0  # tokens a second
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, name: str) -> float:
        """Take one write for `name`; return 0, or how many seconds to wait when none is left."""
        now = self.clock()
        level, then = self._buckets.get(name, (self.capacity, now))
        level = min(self.capacity, level + (now - then) * self.refill)
        if level < 1.0:
            self._buckets[name] = (level, now)
            return (1.0 - level) / self.refill
        self._buckets[name] = (level - 1.0, now)
        return 0.0

    def check(self, name: str) -> None:
        """Take one write for `name`, or raise 429 with Retry-After."""
        wait = self.take(name)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            raise json_error(
                429,
                f"Too many writes with this token: at most {self.capacity:g} a minute. "
                f"Try again in {seconds} s.",
                headers={"Retry-After": str(seconds)},
            )
