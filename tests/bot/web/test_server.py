"""The server beside platforms: other adapters' routes on the same app, readiness, stopping."""

from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import web

from bot.commands.core import Core
from bot.platforms import Connections, run_platforms
from bot.web.server import WebServer
from tests.bot.test_platforms import StandIn


async def test_other_adapters_add_their_routes_to_the_same_app(core: Core) -> None:
    async def events(request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "got": await request.text()})

    server = WebServer(
        core,
        host="127.0.0.1",
        port=0,
        extra=lambda app: app.router.add_post("/slack/events", events),
    )
    port = await server.start()
    try:
        async with aiohttp.ClientSession() as session:
            base = f"http://127.0.0.1:{port}"
            async with session.post(base + "/slack/events", data="hello") as response:
                assert await response.json() == {"ok": True, "got": "hello"}
            async with session.get(base + "/healthz") as response:
                assert response.status == 200
    finally:
        await server.stop()


class Flaky(StandIn):
    """A platform that can say its connection dropped."""

    connected = True

    def is_connected(self) -> bool:
        return self.connected


async def test_the_server_runs_beside_the_platforms_and_stops_with_them(core: Core) -> None:
    platform = Flaky("slack")
    connections = Connections()
    server = WebServer(core, host="127.0.0.1", port=0, platforms=connections.status)
    port = await server.start()
    stop = asyncio.Event()
    running = asyncio.create_task(
        run_platforms(core, [platform], stop, services=[server], connections=connections)
    )
    base = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as session:
        for _ in range(100):
            if connections.status():
                break
            await asyncio.sleep(0.01)
        async with session.get(base + "/readyz") as response:
            ready = await response.json()
        assert response.status == 200
        assert ready["checks"]["platforms"]["connected"] == {"console": True}
        platform.connected = False
        async with session.get(base + "/readyz") as response:
            assert response.status == 503
        stop.set()
        await asyncio.wait_for(running, timeout=10)
        assert platform.stopped
        assert connections.status() == {"console": False}
        try:
            async with session.get(base + "/healthz"):
                raise AssertionError("the server still answers after it was stopped")
        except aiohttp.ClientConnectionError:
            pass
