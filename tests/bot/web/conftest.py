"""The web server on a free loopback port, a client for it, and the OpenAPI check of answers."""

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
    if status == 404 and body == {"error": "Not Found"}:
        return  # no such route: nothing to document
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
    """A client of the running server; every JSON answer is checked against the document."""

    def __init__(self, base: str, session: aiohttp.ClientSession) -> None:
        self.base = base
        self.session = session

    async def call(self, method: str, path: str, **options: Any) -> Answer:
        async with self.session.request(method, self.base + path, **options) as response:
            content = await response.read()
            text = "" if response.content_type == "image/png" else content.decode("utf-8")
            answer = Answer(response.status, CIMultiDict(response.headers), text, content=content)
            if response.content_type == "application/json":
                answer.body = json.loads(text)
                if not path.startswith(("/board", "/badge")):
                    check_against_document(method, path.split("?")[0], response.status, answer.body)
            return answer

    async def get(self, path: str, **options: Any) -> Answer:
        return await self.call("GET", path, **options)

    async def write(
        self, method: str, path: str, token: str | None, body: Any = None, **options: Any
    ) -> Answer:
        headers = dict(options.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if body is not None and "data" not in options:
            options["json"] = body
        return await self.call(method, path, headers=headers, **options)


@pytest.fixture
async def started_web(core: Core) -> AsyncIterator[Callable[..., Any]]:
    """Start servers on free ports; each is stopped after the test."""
    servers: list[WebServer] = []
    sessions: list[aiohttp.ClientSession] = []

    async def start(on: Core = core, **options: Any) -> Web:
        server = WebServer(on, host="127.0.0.1", port=0, **options)
        port = await server.start()
        servers.append(server)
        session = aiohttp.ClientSession()
        sessions.append(session)
        return Web(f"http://127.0.0.1:{port}", session)

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
    """Return a live API token called newsroom."""
    return await tokens.create(core, "newsroom")
