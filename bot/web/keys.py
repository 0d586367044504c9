"""What the web application keeps for its handlers: the core, the rate limit, the connections."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from bot.commands.core import Core
from bot.web.auth import RateLimit

CORE = web.AppKey("core", Core)
RATE_LIMIT = web.AppKey("rate_limit", RateLimit)
# Each platform's name and whether it is connected now (empty when there is none).
PLATFORMS = web.AppKey[Callable[[], dict[str, bool]]]("platforms")
