"""The web server on a free loopback port, a client for it, and the OpenAPI check of answers.

Reading over HTTP needs a token by default (api_public, board_public and badge_public are
off), so the client of each server presents a read token unless told not to: the tests of
what is read then run as a wall screen or a reader would, and tests/bot/web/test_access.py
checks the gates themselves, each setting both ways.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from jsonschema import Draft202012Validator
from multidict import CIMultiDict
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from bot.commands import tokens
from bot.commands.core import Core
from bot.web.openapi import DOCUMENT
from bot.web.server import WebServer
from tests.bot.commands.test_core import add_article_attacks
from tests.conftest import Clock

REGISTRY = Registry().with_resource(
    "urn:pausewatch:openapi", Resource.from_contents(DOCUMENT, default_specification=DRAFT202012)
)
# 22 Jul 2024, 09:00 UTC: the README's day, six days after the 16 Jul attack.
README_DAY = datetime(2024, 7, 22, 9, 0, tzinfo=UTC)


def documented_path(path: str) -> str:
    """Return the OpenAPI path template a request path falls under."""
    parts = path.strip("/").split("/")
    for template in DOCUMENT["paths"]:
        names = template.strip("/").split("/")
        if len(names) != len(parts):
            continue
        if all(n == p or n.startswith("{") for n, p in zip(names, parts, strict=True)):
            return template
    raise AssertionError(f"{path} is not in the OpenAPI document")


def check_against_document(method: str, path: str, status: int, body: Any) -> None:
    """Validate an answer against the schema the OpenAPI document gives for it."""
    if (status, body) in ((404, {"error": "Not Found"}), (405, {"error": "Method Not Allowed"})):
        return  # no such route or method: nothing to document
    operation = DOCUMENT["paths"][documented_path(path)][method.lower()]
    answers = operation["responses"]
    assert str(status) in answers, f"{method} {path} answered {status}, which is not documented"
    content = answers[str(status)].get("content", {})
    if "application/json" not in content:
        return
    schema = content["application/json"]["schema"]
    if "$ref" in schema:
        schema = {"$ref": "urn:pausewatch:openapi" + schema["$ref"]}
    Draft202012Validator(schema, registry=REGISTRY).validate(body)


@dataclass
class Answer:
    """One HTTP answer: status, headers, and the body as JSON (or text)."""

    status: int
    headers: CIMultiDict[str]
    text: str
    body: Any = field(default=None)
    content: bytes = b""


class Web:
    """A client of the running server; every JSON answer is checked against the document.

    Requests present `reader` (a read token) as a bearer token unless they carry their own
    Authorization header or say `anonymous=True`.
    """

    def __init__(
        self, base: str, session: aiohttp.ClientSession, reader: str | None = None
    ) -> None:
        self.base = base
        self.session = session
        self.reader = reader

    async def call(
        self, method: str, path: str, *, anonymous: bool = False, **options: Any
    ) -> Answer:
        headers = dict(options.pop("headers", {}))
        if self.reader is not None and not anonymous and "Authorization" not in headers:
            headers["Authorization"] = f"Bearer {self.reader}"
        options["headers"] = headers
        async with self.session.request(method, self.base + path, **options) as response:
            content = await response.read()
            text = "" if response.content_type == "image/png" else content.decode("utf-8")
            answer = Answer(response.status, CIMultiDict(response.headers), text, content=content)
            if response.content_type == "application/json" and text:  # (HEAD: no body)
                answer.body = json.loads(text)
                if not path.startswith(("/board", "/badge")):
                    check_against_document(method, path.split("?")[0], response.status, answer.body)
            return answer

    async def get(self, path: str, **options: Any) -> Answer:
        return await self.call("GET", path, **options)

    async def write(
        self, method: str, path: str, token: str | None, body: Any = None, **options: Any
    ) -> Answer:
        """Send a write with `token` (None: with no token at all, not the reader's)."""
        headers = dict(options.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if body is not None and "data" not in options:
            options["json"] = body
        return await self.call(method, path, headers=headers, anonymous=token is None, **options)


@pytest.fixture
async def started_web(core: Core) -> AsyncIterator[Callable[..., Any]]:
    """Start servers on free ports, each with a client that reads with a read token of its
    own (`reader=False`: none); each is stopped after the test."""
    servers: list[WebServer] = []
    sessions: list[aiohttp.ClientSession] = []

    async def start(on: Core = core, *, reader: bool = True, **options: Any) -> Web:
        secret = (
            await tokens.create(on.context, f"reader-{len(servers)}", scope=tokens.READ)
            if reader
            else None
        )
        server = WebServer(on, host="127.0.0.1", port=0, **options)
        port = await server.start()
        servers.append(server)
        session = aiohttp.ClientSession()
        sessions.append(session)
        return Web(f"http://127.0.0.1:{port}", session, reader=secret)

    yield start
    for session in sessions:
        await session.close()
    for server in servers:
        await server.stop()


@pytest.fixture
async def web(started_web: Callable[..., Any]) -> Web:
    """Return a client of a server on the test's core."""
    return await started_web()


@pytest.fixture
async def article(core: Core, clock: Clock) -> Core:
    """Store the reference article's attacks and set the clock to 22 Jul 2024."""
    clock.now = README_DAY
    await add_article_attacks(core)
    return core


@pytest.fixture
async def token(core: Core) -> str:
    """Return a live API token called newsroom, which may write."""
    return await tokens.create(core.context, "newsroom")


@pytest.fixture
async def read_token(core: Core) -> str:
    """Return a live API token called wall, which may only read."""
    return await tokens.create(core.context, "wall", scope=tokens.READ)
