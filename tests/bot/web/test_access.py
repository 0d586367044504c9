"""Who may read and write over HTTP: each public setting both ways, tokens' scopes, what a
refusal says, what stays open, and that a route nobody opened is closed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from alembic import command
from sqlalchemy import func, select, text

from bot.commands import tokens
from bot.commands.core import Core
from bot.web.auth import OPEN
from bot.web.openapi import DOCUMENT, PUBLIC_WHEN, served
from bot.web.server import build_web_app
from storage.database import alembic_config
from storage.models import OutboxMessage, SeenRequest
from tests.bot.commands.test_core import snapshot
from tests.bot.web.conftest import Web
from tests.conftest import make_settings

# Every read of the API, with what the article's data answers.
READS = [
    "/api/v1/series",
    "/api/v1/series/attacks/since",
    "/api/v1/series/attacks/pause",
    "/api/v1/series/attacks/pauses",
    "/api/v1/series/attacks/incidents",
    "/api/v1/series/attacks/stats?by=country",
    "/api/v1/incidents/1",
    "/api/v1/revision",
]
CSV = "series,date,country,kind\nattacks,2024-07-20,Syria,rocket\n"
WRITES: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/api/v1/incidents", {"json": {"date": "2024-07-21", "country": "Syria"}}),
    ("PATCH", "/api/v1/incidents/1", {"json": {"killed": 3}}),
    ("DELETE", "/api/v1/incidents/1", {"json": {"reason": "duplicate"}}),
    ("POST", "/api/v1/imports", {"data": CSV, "headers": {"Content-Type": "text/csv"}}),
]
READ_ONLY = (
    "The token 'wall' may only read; make one that writes with `pausewatch token create NAME`."
)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def presenting(
    secret: str, options: dict[str, Any], more: dict[str, str] | None = None
) -> dict[str, Any]:
    """Return a request's options with the token (and `more` headers) added to its headers."""
    return {**options, "headers": {**options.get("headers", {}), **bearer(secret), **(more or {})}}


@pytest.fixture
def serve(article: Core, database_url: str, started_web: Callable[..., Any]) -> Callable[..., Any]:
    """Return what starts a server over the article's data with the settings given, and a
    client that presents no token of its own."""

    async def start(**settings: Any) -> Web:
        article.settings = make_settings(database_url, **settings)
        return await started_web(article, reader=False)

    return start


async def stored(core: Core) -> tuple[Any, ...]:
    """Everything a write stores: incidents, day counts, the audit log, alerts, request keys."""
    async with core.database.read() as session:
        outbox = await session.scalar(select(func.count()).select_from(OutboxMessage))
        seen = await session.scalar(select(func.count()).select_from(SeenRequest))
    return await snapshot(core), outbox, seen


async def test_api_reads_need_a_token_unless_api_public(
    article: Core, serve: Callable[..., Any], read_token: str, token: str
) -> None:
    web = await serve()
    for path in READS:
        missing = await web.get(path)
        assert missing.status == 401, path
        assert missing.headers["WWW-Authenticate"] == 'Bearer realm="pausewatch"'
        error = missing.body["error"]
        assert error.startswith("Reading the API needs an API token: send `Authorization: Bearer")
        assert "`pausewatch token create NAME --read`" in error and "api_public" in error
        assert (await web.get(path, headers=bearer(read_token))).status == 200, path
        assert (await web.get(path, headers=bearer(token))).status == 200, path  # writers read
    assert await tokens.revoke(article.context, "wall")
    for path in READS:
        revoked = await web.get(path, headers=bearer(read_token))
        assert revoked.status == 401, path
        assert 'error="invalid_token"' in revoked.headers["WWW-Authenticate"]
        assert "revoked or never made" in revoked.body["error"]


async def test_a_public_api_reads_without_a_token_and_still_checks_one_sent(
    article: Core, serve: Callable[..., Any], read_token: str
) -> None:
    web = await serve(api_public=True)
    for path in READS:
        assert (await web.get(path)).status == 200, path
        assert (await web.get(path, headers=bearer(read_token))).status == 200, path
    # A client whose token was revoked learns it now, not when the setting changes.
    assert await tokens.revoke(article.context, "wall")
    assert (await web.get("/api/v1/series", headers=bearer(read_token))).status == 401
    # Public reading opens no write.
    for method, path, options in WRITES:
        assert (await web.call(method, path, **options)).status == 401, path


async def test_the_api_reads_its_token_from_the_header_only(
    serve: Callable[..., Any], read_token: str
) -> None:
    web = await serve()
    answer = await web.get(f"/api/v1/series/attacks/since?token={read_token}")
    assert answer.status == 401
    assert "the API does not read ?token=" in answer.body["error"]
    lower = await web.get("/api/v1/revision", headers={"Authorization": f"bearer {read_token}"})
    assert lower.status == 200  # the scheme is case-blind (RFC 7235)
    for wrong in (f"Basic {read_token}", read_token, "Bearer ", f"Bearer {read_token}x"):
        assert (await web.get("/api/v1/revision", headers={"Authorization": wrong})).status == 401
    # Two tokens: which one counts is not left to chance (a proxy may read the other).
    twice = [("Authorization", f"Bearer {read_token}"), ("Authorization", "Bearer x")]
    async with web.session.get(web.base + "/api/v1/revision", headers=twice) as response:
        assert response.status == 401
        assert "more than one" in (await response.json())["error"]
    board = f"/board?token={read_token}&token={read_token}"
    assert (await web.get(board, headers=bearer(read_token))).status == 401


@pytest.mark.parametrize("api_public", [False, True])
async def test_a_read_token_may_not_write_and_nothing_is_stored(
    article: Core, serve: Callable[..., Any], read_token: str, api_public: bool
) -> None:
    web = await serve(api_public=api_public)
    before = await stored(article)
    for number, (method, path, options) in enumerate(WRITES):
        sent = presenting(read_token, options, {"Idempotency-Key": f"wall-{number}"})
        refused = await web.call(method, path, **sent)
        assert refused.status == 403, (method, path, refused.body)
        assert refused.body == {"error": READ_ONLY}
        assert refused.headers["WWW-Authenticate"] == (
            'Bearer realm="pausewatch", error="insufficient_scope", scope="write"'
        )
    assert await stored(article) == before
    # The incident the edit and the delete were aimed at is as it was.
    shown = await web.get("/api/v1/incidents/1", headers=bearer(read_token))
    assert shown.body["incident"]["deleted"] is False and shown.body["incident"]["killed"] is None


async def test_a_write_token_writes(article: Core, serve: Callable[..., Any], token: str) -> None:
    web = await serve()
    statuses = [
        (await web.call(method, path, **presenting(token, options))).status
        for method, path, options in WRITES
    ]
    assert statuses == [201, 200, 200, 201]


async def test_the_document_and_the_operators_endpoints_stay_open(
    serve: Callable[..., Any],
) -> None:
    web = await serve()
    assert {"/api/v1/openapi.json", "/healthz", "/readyz", "/metrics"} == OPEN
    for path in sorted(OPEN):
        assert (await web.get(path)).status == 200, path


async def test_every_route_is_closed_unless_it_is_named_open(
    article: Core, serve: Callable[..., Any]
) -> None:
    """A route added later is closed until someone opens it in bot/web/auth.py."""
    web = await serve()
    app = build_web_app(article)
    tried = 0
    for resource in app.router.resources():
        template = resource.canonical
        path = template.replace("{name}", "attacks").replace("{series}", "attacks")
        path = path.replace("{id}", "1")
        for route in resource:
            answer = await web.call(route.method, path)
            if template in OPEN:
                assert answer.status == 200, (route.method, template)
            else:
                assert answer.status == 401, (route.method, template)
            tried += 1
    assert tried >= 25


async def test_the_board_needs_a_token_unless_board_public(
    article: Core, serve: Callable[..., Any], read_token: str
) -> None:
    web = await serve()
    refused = await web.get("/board")
    assert refused.status == 401 and refused.body["error"].startswith(
        "The board needs an API token: send `Authorization: Bearer TOKEN` or add ?token=TOKEN"
    )
    assert "board_public" in refused.body["error"]
    assert refused.headers["WWW-Authenticate"] == 'Bearer realm="pausewatch"'
    for path in ("/board/attacks", "/board/attacks/chart.png", "/board?part=revision"):
        assert (await web.get(path)).status == 401, path
    shown = await web.get(f"/board?token={read_token}")
    assert shown.status == 200 and shown.headers["Referrer-Policy"] == "no-referrer"
    assert "chart.png?v=" in shown.text and f"&amp;token={read_token}" in shown.text
    assert (await web.get("/board", headers=bearer(read_token))).status == 200
    # What the board's script polls is the board's own: it needs no API token.
    revision = await web.get(f"/board/attacks?part=revision&token={read_token}")
    api = await web.get("/api/v1/revision", headers=bearer(read_token))
    assert revision.body == api.body and revision.headers["Cache-Control"] == "no-store"
    chart = await web.get(f"/board/attacks/chart.png?token={read_token}")
    assert chart.status == 200 and chart.headers["Cache-Control"] == "private, max-age=60"
    assert await tokens.revoke(article.context, "wall")
    assert (await web.get(f"/board?token={read_token}")).status == 401
    assert (await web.get(f"/board/attacks/chart.png?token={read_token}")).status == 401


async def test_a_public_board_needs_no_token_and_no_api_token(
    serve: Callable[..., Any],
) -> None:
    web = await serve(board_public=True)
    shown = await web.get("/board")
    assert shown.status == 200 and "&amp;token=" not in shown.text
    assert (await web.get("/board/attacks?part=panels")).status == 200
    assert (await web.get("/board/attacks?part=revision")).status == 200
    chart = await web.get("/board/attacks/chart.png")
    assert chart.status == 200 and chart.headers["Cache-Control"] == "public, max-age=60"
    # The API and the badge are still closed.
    assert (await web.get("/api/v1/revision")).status == 401
    assert (await web.get("/badge/attacks.svg")).status == 401


async def test_the_badge_needs_a_token_unless_badge_public(
    article: Core, serve: Callable[..., Any], read_token: str
) -> None:
    web = await serve()
    refused = await web.get("/badge/attacks.svg")
    assert refused.status == 401 and "badge_public" in refused.body["error"]
    assert "?token=TOKEN" in refused.body["error"]
    by_address = await web.get(f"/badge/attacks.svg?token={read_token}&country=Iraq")
    assert by_address.status == 200 and "days since last attack in Iraq" in by_address.text
    assert by_address.headers["Cache-Control"] == "private, max-age=300"
    by_header = await web.get("/badge/attacks.svg", headers=bearer(read_token))
    assert by_header.status == 200 and by_header.headers["Cache-Control"] == "private, max-age=300"
    assert await tokens.revoke(article.context, "wall")
    assert (await web.get(f"/badge/attacks.svg?token={read_token}")).status == 401


async def test_a_public_badge_is_cached_publicly_unless_a_token_came(
    serve: Callable[..., Any], read_token: str
) -> None:
    web = await serve(badge_public=True)
    public = await web.get("/badge/attacks.svg")
    assert public.status == 200 and public.headers["Cache-Control"] == "public, max-age=300"
    with_token = await web.get(f"/badge/attacks.svg?token={read_token}")
    assert with_token.status == 200
    assert with_token.headers["Cache-Control"] == "private, max-age=300"
    assert (await web.get("/board")).status == 401  # the board is still closed


def test_the_document_says_which_reads_need_a_token() -> None:
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            gated = path.startswith(("/api/v1/", "/badge/")) and path not in OPEN
            assert ("security" in operation) == gated, (method, path)
            if not gated:
                continue
            assert "401" in operation["responses"], (method, path)
            if path.startswith(("/api/v1/sources", "/api/v1/reviews")):
                # An admin's, reads too: never public, and a token that is not an admin's: 403.
                assert PUBLIC_WHEN not in operation and "403" in operation["responses"]
            elif method == "get":
                assert operation[PUBLIC_WHEN] in ("api_public", "badge_public")
            else:
                assert PUBLIC_WHEN not in operation and "403" in operation["responses"]
    assert served() == DOCUMENT
    opened = served(api_public=True)["paths"]
    assert opened["/api/v1/series"]["get"]["security"] == [{}, {"bearer": []}]
    assert opened["/api/v1/incidents"]["post"]["security"] == [{"bearer": []}]
    assert {} not in opened["/badge/{series}.svg"]["get"]["security"]
    badge = served(badge_public=True)["paths"]["/badge/{series}.svg"]["get"]
    assert badge["security"][0] == {}


async def test_the_served_document_follows_the_settings(serve: Callable[..., Any]) -> None:
    closed = await serve()
    assert (await closed.get("/api/v1/openapi.json")).body == DOCUMENT
    public = await serve(api_public=True, badge_public=True)
    assert (await public.get("/api/v1/openapi.json")).body == served(
        api_public=True, badge_public=True
    )


async def test_tokens_made_before_scopes_still_write(core: Core) -> None:
    """Migration 0013 gives the tokens already made the scope they were made with: write."""
    secret = await tokens.create(core.context, "old-wire")
    database = core.database

    async def to(revision: str, step: Callable[..., None]) -> None:
        async with database.engine.connect() as connection:
            await connection.run_sync(lambda sync: step(alembic_config(sync), revision))
            await connection.commit()

    await to("0012", command.downgrade)
    async with database.write() as session:
        columns = await session.execute(text("SELECT * FROM api_tokens"))
        assert "scope" not in list(columns.keys())
    await to("head", command.upgrade)
    holder = await tokens.holder(core.context, secret)
    assert holder is not None and holder.may_write and holder.scope == "write"
    assert [(t.name, t.scope) for t in await tokens.listing(core.context)] == [
        ("old-wire", "write")
    ]
