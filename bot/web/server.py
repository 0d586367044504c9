"""The HTTP server: one aiohttp application for the API, the board, the badge and operations.

Other adapters add their routes to the same application (`extra`), so that one port and one
process serve them all (the Slack events endpoint, for one).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from aiohttp import web

from bot.commands.core import Core
from bot.web import admin, api, badge, board, notes, openapi, ops, writes
from bot.web.auth import RateLimit, access
from bot.web.errors import error_boundary
from bot.web.keys import CORE, PLATFORMS, RATE_LIMIT

log = logging.getLogger(__name__)
# How long requests under way may take to finish once the server is told to stop.
SHUTDOWN_SECONDS = 3.0


def no_platforms() -> dict[str, bool]:
    """Say there is no platform to be connected (`pausewatch serve`)."""
    return {}


def build_web_app(
    core: Core,
    *,
    platforms: Callable[[], dict[str, bool]] = no_platforms,
    extra: Callable[[web.Application], None] | None = None,
) -> web.Application:
    """Make the application; `platforms` says which are connected, `extra` adds routes."""
    # The boundary outside the gate: a refusal is answered in the API's shape like any error.
    app = web.Application(
        middlewares=[error_boundary, access(lambda app: app[CORE])],
        client_max_size=writes.MAX_IMPORT_BYTES + 1024,
    )
    app[CORE] = core
    app[RATE_LIMIT] = RateLimit(core.settings.write_rate_per_minute)
    app[PLATFORMS] = platforms
    app.add_routes(api.routes)
    app.add_routes(writes.routes)
    app.add_routes(notes.routes)
    app.add_routes(admin.routes)
    app.add_routes(openapi.routes)
    app.add_routes(ops.routes)
    app.add_routes(badge.routes)
    board.setup(app)
    if extra is not None:
        extra(app)
    return app


class WebServer:
    """Serve the application on the configured host and port until told to stop."""

    def __init__(
        self,
        core: Core,
        *,
        host: str | None = None,
        port: int | None = None,
        platforms: Callable[[], dict[str, bool]] = no_platforms,
        extra: Callable[[web.Application], None] | None = None,
    ) -> None:
        self.app = build_web_app(core, platforms=platforms, extra=extra)
        self.host = host if host is not None else core.settings.web_host
        self.port = port if port is not None else (core.settings.web_port or 0)
        self._runner: web.AppRunner | None = None

    async def start(self) -> int:
        """Start listening; return the port (useful when it was 0: any free one)."""
        runner = web.AppRunner(self.app, shutdown_timeout=SHUTDOWN_SECONDS)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        log.warning(
            "pausewatch serves HTTP at http://%s:%d (the board at /board, the API at /api/v1)",
            self.host,
            self.port,
        )
        return self.port

    async def stop(self) -> None:
        """Stop taking requests, let those under way finish (briefly), and close."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def serve(self, stop: asyncio.Event) -> None:
        """Serve until `stop` is set."""
        if self._runner is None:
            await self.start()
        try:
            await stop.wait()
        finally:
            await self.stop()
