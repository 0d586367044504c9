"""What the fetcher reads and what its errors say: never the body, never more than the limit.

A server's answer may be anything (an internal page, a secret), and a run's message is read in
chat: each test serves a body holding SECRET=hunter2 and checks that no message repeats it.
ACLED's API goes through the same guard.
"""

from __future__ import annotations

import asyncio
import gzip
from typing import Any

import pytest
from aiohttp import web

from bot.commands.fetching import SourceError
from bot.sources.http import HttpFetcher
from tests.bot.sources.fake_feeds import FakeTime
from tests.bot.sources.fake_network import (
    SECRET,
    Counting,
    Fence,
    refusal,
    serve,
    settings,
    spec,
)

pytestmark = pytest.mark.usefixtures("fence")


# --- what is read, and what an error says --------------------------------------------------


async def answering(status: int, body: bytes, content_type: str) -> tuple[web.AppRunner, str]:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=status, body=body, headers={"Content-Type": content_type})

    runner, port = await serve(lambda app: app.router.add_route("*", "/{tail:.*}", handler))
    return runner, f"http://127.0.0.1:{port}/a.csv"


LOOPBACK: dict[str, Any] = {"source_allow_hosts": ["127.0.0.1"]}


@pytest.mark.parametrize(
    ("status", "content_type", "kind", "said"),
    [
        (500, "text/plain", "csv", "answered 500 (a server error) with text/plain, where a CSV"),
        (403, "text/html; charset=utf-8", "csv", "answered 403 (access refused) with text/html"),
        (404, "application/json", "json", "answered 404 (no such file) with application/json"),
        (200, "text/html", "csv", "answered 200 with a web page (text/html), where a CSV file"),
        (200, "application/xhtml+xml", "json", "with a web page (application/xhtml+xml)"),
        (200, "text/plain", "csv", "answered 200 with text/plain, where a CSV file was expected"),
        (200, "text/csv", "csv", "answered 200 with text/csv, where a CSV file was expected"),
        (418, "x/" + "y" * 80, "csv", "answered 418 with an unreadable content type"),
    ],
)
async def test_an_error_never_repeats_the_body(
    status: int, content_type: str, kind: str, said: str
) -> None:
    runner, url = await answering(status, SECRET + b"\n<html>" + SECRET, content_type)
    try:
        with pytest.raises(SourceError) as refused:
            await HttpFetcher(settings(**LOOPBACK)).fetch(spec(url, kind))
    finally:
        await runner.cleanup()
    message = str(refused.value)
    assert said in message
    assert "hunter2" not in message and "SECRET" not in message


async def test_an_html_page_served_as_text_is_refused_without_quoting_it() -> None:
    runner, url = await answering(
        200, b"  <!DOCTYPE html><title>SECRET=hunter2</title>", "text/plain"
    )
    try:
        said = await refusal(url, **LOOPBACK)
    finally:
        await runner.cleanup()
    assert "answered 200 with a web page or XML (text/plain), where a CSV file" in said


async def test_a_server_that_does_not_speak_http_is_not_quoted(target: Counting) -> None:
    # A Redis or SMTP port answers with a line of its own; aiohttp's error would repeat it.
    target.answer = b"-ERR SECRET=hunter2 unknown command\r\n"
    said = await refusal(f"http://127.0.0.1:{target.port}/", **LOOPBACK)
    assert said == "127.0.0.1 answered something that is not HTTP"
    assert target.connections == 1


async def test_a_body_over_the_limit_is_refused_without_being_read(fence: Fence) -> None:
    sent: list[int] = []
    done = asyncio.Event()

    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/csv"})
        await response.prepare(request)
        total = 0
        try:
            while total < 1 << 30:  # a gigabyte, were it all read
                await response.write(b"date\n" + b"x" * 65531)
                total += 65536
        except (ConnectionError, RuntimeError):
            pass
        sent.append(total)
        return response

    async def declared(request: web.Request) -> web.StreamResponse:
        # Ten gigabytes declared, a line sent, then nothing: only the declared length can
        # tell, at once, that the body is too big.
        response = web.StreamResponse(headers={"Content-Type": "text/csv"})
        response.content_length = 10 << 30
        await response.prepare(request)
        await response.write(b"date\n")
        await asyncio.wait_for(done.wait(), 5)
        return response

    def routes(app: web.Application) -> None:
        app.router.add_get("/endless.csv", endless)
        app.router.add_get("/declared.csv", declared)

    runner, port = await serve(routes)
    limit: dict[str, Any] = {"source_max_bytes": 128 * 1024, **LOOPBACK}
    try:
        said = await refusal(f"http://127.0.0.1:{port}/declared.csv", **limit)
        assert said == (
            f"127.0.0.1:{port} sent more than 128 KiB, the most a source may read "
            "(source_max_bytes, PAUSEWATCH_SOURCE_MAX_BYTES), so it was not read"
        )
        said = await refusal(f"http://127.0.0.1:{port}/endless.csv", **limit)
        assert "sent more than 128 KiB" in said
        for _ in range(100):  # the server notices the closed connection
            if sent:
                break
            await asyncio.sleep(0.02)
    finally:
        done.set()
        await runner.cleanup()
    assert sent and sent[0] < 64 << 20, sent  # far less than the gigabyte it would send


async def test_a_compressed_body_counts_as_what_it_unpacks_to() -> None:
    bomb = gzip.compress(b"date\n" + b"0" * (16 << 20))  # 16 MiB in about 16 KiB

    async def handler(request: web.Request) -> web.Response:
        return web.Response(
            body=bomb, headers={"Content-Type": "text/csv", "Content-Encoding": "gzip"}
        )

    runner, port = await serve(lambda app: app.router.add_get("/a.csv", handler))
    try:
        said = await refusal(f"http://127.0.0.1:{port}/a.csv", source_max_bytes=1 << 20, **LOOPBACK)
    finally:
        await runner.cleanup()
    assert "sent more than 1 MiB" in said


async def test_a_slow_body_is_cut_at_the_time_limit() -> None:
    async def drip(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/csv"})
        await response.prepare(request)
        for _ in range(100):
            await response.write(b"date\n")
            await asyncio.sleep(0.1)
        return response

    runner, port = await serve(lambda app: app.router.add_get("/a.csv", drip))
    try:
        said = await refusal(
            f"http://127.0.0.1:{port}/a.csv", source_timeout_seconds=0.5, **LOOPBACK
        )
    finally:
        await runner.cleanup()
    assert said == "127.0.0.1 did not answer within 0.5 s"


# --- ACLED's API, through the same guard --------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status", "body", "content_type", "said"),
    [
        (
            "/oauth/token",
            500,
            SECRET,
            "text/plain",
            "ACLED's login (/oauth/token) answered 500 (internal server error) with text/plain, "
            "where a token was expected: check acled_api_url (PAUSEWATCH_ACLED_API_URL)",
        ),
        (
            "/oauth/token",
            401,
            b'{"error_description": "Bad password p4ssw0rd for <b>a@example.org</b>\\n\\tnow"}',
            "application/json",
            # A JSON error's message is quoted on one line, without markup or the password.
            'ACLED refused the account: its login answered 401 (unauthorized) saying "Bad '
            'password [hidden] for a@example.org now"; check PAUSEWATCH_ACLED_USERNAME',
        ),
        (
            "/oauth/token",
            200,
            SECRET,
            "text/html",
            "ACLED's login (/oauth/token) answered 200 with an HTML page, where JSON was expected",
        ),
        (
            "/api/acled/read",
            500,
            SECRET,
            "text/plain",
            "ACLED answered 500 (internal server error) with text/plain while reading data",
        ),
        (
            "/api/acled/read",
            200,
            b'{"success": false, "message": "Unknown field: contry"}',
            "application/json",
            'ACLED answered 200 with an error saying "Unknown field: contry" while reading data',
        ),
        (
            "/api/acled/read",
            404,
            b"<html><body>" + SECRET + b"</body></html>",
            "text/plain",
            "ACLED answered 404 (not found) with an HTML page while reading data, where 200 "
            "with JSON was expected",
        ),
        (
            "/api/acled/read",
            429,
            SECRET,
            "text/plain",
            "ACLED answered 429 (too many requests) with text/plain while reading data; tried "
            "6 times over 62 s",
        ),
    ],
)
async def test_acled_errors_say_what_the_body_was_and_never_paste_it(
    path: str, status: int, body: bytes, content_type: str, said: str
) -> None:
    async def token(request: web.Request) -> web.Response:
        if path == "/oauth/token":
            return web.Response(status=status, body=body, headers={"Content-Type": content_type})
        return web.json_response({"access_token": "t", "expires_in": 3600})

    async def read(request: web.Request) -> web.Response:
        return web.Response(status=status, body=body, headers={"Content-Type": content_type})

    def routes(app: web.Application) -> None:
        app.router.add_post("/oauth/token", token)
        app.router.add_get("/api/acled/read", read)

    runner, port = await serve(routes)
    options = {
        "acled_api_url": f"http://127.0.0.1:{port}",
        "acled_username": "a@example.org",
        "acled_password": "p4ssw0rd",
    }
    waiting = FakeTime()
    fetcher = HttpFetcher(settings(**options, **LOOPBACK), waiter=waiting.waiter())
    try:
        with pytest.raises(SourceError) as refused:
            await fetcher.fetch(spec("", "acled"))
    finally:
        await runner.cleanup()
    message = str(refused.value)
    assert said in message
    assert "hunter2" not in message and "SECRET" not in message and "<" not in message


async def test_acled_on_an_address_not_allowed_is_not_connected_to(
    target: Counting, fence: Fence
) -> None:
    options = {
        "acled_api_url": f"http://127.0.0.1:{target.port}",
        "acled_username": "a@example.org",
        "acled_password": "p",
    }
    with pytest.raises(SourceError, match=r"127\.0\.0\.1 is a loopback address"):
        await HttpFetcher(settings(**options)).fetch(spec("", "acled"))
    assert target.connections == 0
    assert fence.attempts == []
