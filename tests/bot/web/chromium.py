"""Headless Chromium driven over the DevTools protocol (its websocket, with aiohttp), for tests."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import aiohttp

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",
    "--remote-allow-origins=*",
)
LISTENING = re.compile(r"DevTools listening on (ws://\S+)")


def chromium_binary() -> str | None:
    """Return Chromium's path, or None when it is not installed.

    PAUSEWATCH_TEST_CHROMIUM names the one to use, as CI does: then it is never None, and a
    browser that is not there fails the tests instead of skipping them.
    """
    named = os.environ.get("PAUSEWATCH_TEST_CHROMIUM")
    if named:
        return shutil.which(named) or named
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class Page:
    """One page of a headless Chromium: open a URL, evaluate JavaScript in it, close."""

    def __init__(self, binary: str, profile: Path) -> None:
        self.binary = binary
        self.profile = profile
        self.process: asyncio.subprocess.Process | None = None
        self.session: aiohttp.ClientSession | None = None
        self.socket: aiohttp.ClientWebSocketResponse | None = None
        self.ids = itertools.count(1)

    async def open(self, url: str, size: tuple[int, int] = (1920, 1080)) -> None:
        """Start Chromium on `url` and connect to the page over the DevTools protocol."""
        self.process = await asyncio.create_subprocess_exec(
            self.binary,
            *FLAGS,
            f"--user-data-dir={self.profile}",
            f"--window-size={size[0]},{size[1]}",
            url,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        assert self.process.stderr is not None
        browser = None
        while browser is None:
            line = await asyncio.wait_for(self.process.stderr.readline(), timeout=60)
            if not line:
                raise RuntimeError("Chromium ended before it listened for DevTools")
            found = LISTENING.search(line.decode("utf-8", "replace"))
            if found:
                browser = found.group(1)
        # Read the rest of its chatter so that a full pipe never blocks it.
        self._drain = asyncio.ensure_future(self._read_rest())
        debug = "http://" + browser.split("/")[2]
        self.session = aiohttp.ClientSession()
        for _ in range(100):
            async with self.session.get(debug + "/json/list") as response:
                pages = [t for t in await response.json() if t.get("type") == "page"]
            if pages:
                break
            await asyncio.sleep(0.1)
        self.socket = await self.session.ws_connect(
            pages[0]["webSocketDebuggerUrl"], max_msg_size=0
        )

    async def _read_rest(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        while await self.process.stderr.read(65536):
            pass

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one DevTools command and return its result."""
        assert self.socket is not None
        number = next(self.ids)
        await self.socket.send_str(json.dumps({"id": number, "method": method, "params": params}))
        while True:
            message = json.loads((await asyncio.wait_for(self.socket.receive(), 60)).data)
            if message.get("id") == number:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]

    async def evaluate(self, expression: str) -> Any:
        """Evaluate JavaScript in the page and return its value."""
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    async def wait_for(self, expression: str, seconds: float = 60) -> Any:
        """Evaluate until the expression is truthy (at most `seconds`); return its value."""
        for _ in range(int(seconds / 0.1)):
            value = await self.evaluate(expression)
            if value:
                return value
            await asyncio.sleep(0.1)
        raise AssertionError(f"{expression} never became true")

    async def close(self) -> None:
        """Close the connection and end the Chromium this page started."""
        if self.socket is not None:
            await self.socket.close()
        if self.session is not None:
            await self.session.close()
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), timeout=10)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
