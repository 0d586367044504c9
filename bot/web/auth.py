"""Who may write through the API: bearer tokens, and a rate limit of writes per token."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from aiohttp import web

from bot.commands import tokens
from bot.commands.core import Core
from bot.web.errors import json_error

Clock = Callable[[], float]


def presented(request: web.Request, *, allow_query: bool = False) -> str | None:
    """Return the token a request presents: `Authorization: Bearer ...` (or ?token=...)."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if allow_query:
        return request.query.get("token") or None
    return None


async def token_holder(core: Core, request: web.Request, *, allow_query: bool = False) -> str:
    """Return the name of the live token the request presents; raise 401 when there is none."""
    secret = presented(request, allow_query=allow_query)
    if secret is None:
        raise json_error(
            401,
            "This needs an API token: send `Authorization: Bearer TOKEN`; an admin makes one "
            "with `pausewatch token create NAME`.",
            headers={"WWW-Authenticate": 'Bearer realm="pausewatch"'},
        )
    name = await tokens.holder(core, secret)
    if name is None:
        raise json_error(
            401,
            "That API token is not valid: it was revoked or never made. An admin can make "
            "another with `pausewatch token create NAME`.",
            headers={"WWW-Authenticate": 'Bearer realm="pausewatch", error="invalid_token"'},
        )
    return name


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
