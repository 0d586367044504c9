"""The guard against real loopback servers: which addresses it connects to and follows.

Each forbidden target is a real server that counts its connections, and every test runs behind
a fence on the event loop that records each connection attempt and stops any beyond loopback:
"refused" here means no byte was asked of the target, and even a broken guard could not reach
the network. Names are answered by a resolver the test hands to the fetcher (the guard's inner
resolver); the guard itself is the real one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.resolver import ThreadedResolver

from bot.commands.fetching import SourceError
from bot.sources.guard import GuardedResolver, Refused, guarded_session
from bot.sources.http import HttpFetcher
from tests.bot.sources.fake_network import (
    ALLOW,
    CSV,
    OTHER_PUBLIC_LOOKING,
    PUBLIC_LOOKING,
    SECRET,
    Counting,
    Fence,
    Names,
    fetch,
    refusal,
    serve,
    settings,
    spec,
)

pytestmark = pytest.mark.usefixtures("fence")


# --- addresses in the URL -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://127.0.0.1:{port}/secret", "loopback"),
        ("http://[::ffff:127.0.0.1]:{port}/secret", "loopback"),
        ("http://0.0.0.0:{port}/secret", "unspecified"),
        ("http://2130706433:{port}/secret", "loopback"),
        ("http://0x7f.1:{port}/secret", "loopback"),
        ("http://017700000001:{port}/secret", "loopback"),
        ("http://127.1:{port}/secret", "loopback"),
        ("http://１２７.０.０.１:{port}/secret", "loopback"),
        ("http://localhost:{port}/secret", "loopback"),
        ("http://10.1.2.3:{port}/secret", "private"),
        ("http://172.16.0.1:{port}/secret", "private"),
        ("http://192.168.1.1:{port}/secret", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[fc00::1]:{port}/secret", "private"),
        ("http://[fd00:ec2::254]/latest/meta-data/", "private"),
        ("http://[fe80::1]:{port}/secret", "link-local"),
        ("http://[64:ff9b::7f00:1]:{port}/secret", "loopback"),
    ],
)
async def test_a_forbidden_address_in_the_url_is_not_connected_to(
    url: str, kind: str, target: Counting, fence: Fence
) -> None:
    said = await refusal(url.format(port=target.port))
    assert kind in said and ALLOW in said
    assert target.connections == 0
    assert fence.attempts == []


async def test_ipv6_loopback_is_not_connected_to(target6: Counting, fence: Fence) -> None:
    said = await refusal(f"http://[::1]:{target6.port}/secret")
    assert said.startswith("::1 is a loopback address")
    assert target6.connections == 0
    assert fence.attempts == []


async def test_the_setting_lets_the_loopback_server_through(
    target: Counting, target6: Counting, fence: Fence
) -> None:
    got = await fetch(f"http://127.0.0.1:{target.port}/a.csv", source_allow_hosts=["127.0.0.1"])
    assert got.content == b"date\r\n" + SECRET + b"\r\n"
    assert target.connections == 1
    # A range, and another spelling of an address in it.
    await fetch(f"http://0x7f.1:{target.port}/a.csv", source_allow_hosts=["127.0.0.0/8"])
    got = await fetch(f"http://[::1]:{target6.port}/a.csv", source_allow_hosts=["::1"])
    assert got.content is not None
    assert (target.connections, target6.connections) == (2, 1)
    assert set(fence.attempts) == {"127.0.0.1", "::1"}


# --- names, resolved by the guard's resolver --------------------------------------------------


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("0.0.0.0", "unspecified"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("fc00::1", "private"),
        ("fe80::1", "link-local"),
        ("100.64.0.1", "shared"),
    ],
)
async def test_a_name_that_resolves_to_a_forbidden_address_is_not_connected_to(
    address: str, kind: str, target: Counting, fence: Fence
) -> None:
    names = Names({PUBLIC_LOOKING: [address]})
    said = await refusal(f"http://{PUBLIC_LOOKING}:{target.port}/a.csv", names=names)
    assert said.startswith(f"{PUBLIC_LOOKING} resolves only to addresses a source may not read")
    assert kind in said
    assert f"add it to {ALLOW}" in said
    assert names.asked == [PUBLIC_LOOKING]  # the resolver was asked: this is its guard
    assert target.connections == 0
    assert fence.attempts == []


async def test_of_a_name_s_addresses_only_those_allowed_are_connected_to(
    target: Counting, fence: Fence
) -> None:
    names = Names({PUBLIC_LOOKING: ["10.9.8.7", "127.0.0.1", "169.254.169.254"]})
    got = await fetch(
        f"http://{PUBLIC_LOOKING}:{target.port}/a.csv",
        names=names,
        source_allow_hosts=["127.0.0.1"],
    )
    assert got.content is not None
    assert fence.attempts == ["127.0.0.1"]


async def test_a_name_that_rebinds_to_loopback_is_refused_on_the_lookup_that_says_so(
    target: Counting, fence: Fence
) -> None:
    # First lookup: an allowed address (standing in for a public one); then 127.0.0.2.
    names = Names({PUBLIC_LOOKING: ["127.0.0.1"]})
    fetcher = HttpFetcher(settings(source_allow_hosts=["127.0.0.1"]), names)
    url = f"http://{PUBLIC_LOOKING}:{target.port}/a.csv"
    assert (await fetcher.fetch(spec(url))).content is not None
    names.table[PUBLIC_LOOKING] = ["127.0.0.2"]
    with pytest.raises(SourceError, match=r"127\.0\.0\.2 is a loopback address"):
        await fetcher.fetch(spec(url))
    assert fence.attempts == ["127.0.0.1"]
    assert target.connections == 1


async def test_a_name_in_the_setting_is_read_whatever_it_resolves_to(
    target: Counting, fence: Fence
) -> None:
    names = Names({"sheets.intranet": ["127.0.0.1"]})
    url = f"http://sheets.intranet:{target.port}/a.csv"
    await refusal(url, names=names)
    got = await fetch(url, names=names, source_allow_hosts=["sheets.intranet"])
    assert got.content is not None
    got = await fetch(f"http://localhost:{target.port}/a.csv", source_allow_hosts=["localhost"])
    assert got.content is not None
    assert target.connections == 2


@pytest.mark.parametrize("host", ["localhost", "2130706433", "0x7f.1", "127.1"])
async def test_the_system_resolver_s_answers_are_judged_too(host: str) -> None:
    # getaddrinfo reads 2130706433 and 0x7f.1 as 127.0.0.1: were a literal to reach the
    # resolver, the guard there would still refuse it.
    resolver = GuardedResolver(ThreadedResolver(), [])
    with pytest.raises(Refused, match="loopback"):
        await resolver.resolve(host, 80)
    allowed = GuardedResolver(ThreadedResolver(), ["127.0.0.0/8", "::1"])
    assert {r["host"] for r in await allowed.resolve(host, 80)} <= {"127.0.0.1", "::1"}


# --- redirects ---------------------------------------------------------------------------------


@pytest.fixture
async def redirector() -> AsyncIterator[tuple[int, dict[str, str], list[dict[str, str]]]]:
    """A loopback server under a public-looking name: /go redirects where `to["go"]` says."""
    to: dict[str, str] = {}
    seen: list[dict[str, str]] = []

    async def go(request: web.Request) -> web.Response:
        seen.append(dict(request.headers))
        status = int(request.query.get("status", "302"))
        return web.Response(status=status, headers={"Location": to[request.match_info["n"]]})

    async def sheet(request: web.Request) -> web.Response:
        seen.append(dict(request.headers))
        return web.Response(body=CSV, content_type="text/csv")

    def routes(app: web.Application) -> None:
        app.router.add_route("*", "/go/{n}", go)
        app.router.add_get("/sheet.csv", sheet)

    runner, port = await serve(routes)
    yield port, to, seen
    await runner.cleanup()


def redirecting(**extra: list[str]) -> Names:
    return Names({PUBLIC_LOOKING: ["127.0.0.1"], OTHER_PUBLIC_LOOKING: ["127.0.0.1"], **extra})


@pytest.mark.parametrize(
    ("location", "why"),
    [
        ("http://127.0.0.1:{secret}/secret", "127.0.0.1 is a loopback address"),
        ("http://[::ffff:127.0.0.1]:{secret}/secret", "a loopback address"),
        ("http://2130706433:{secret}/secret", "2130706433 is 127.0.0.1, a loopback address"),
        ("http://localhost:{secret}/secret", "localhost is this machine"),
        ("http://internal.example-news.org:{secret}/", "resolves only to addresses"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("file:///etc/passwd", "the file: address cannot be read"),
        ("gopher://127.0.0.1:{secret}/", "the gopher: address cannot be read"),
    ],
)
async def test_a_redirect_to_a_forbidden_address_is_not_followed(
    location: str,
    why: str,
    redirector: tuple[int, dict[str, str], list[dict[str, str]]],
    target: Counting,
    fence: Fence,
) -> None:
    port, to, _ = redirector
    to["1"] = location.format(secret=target.port)
    names = redirecting(**{"internal.example-news.org": ["127.0.0.1"]})
    said = await refusal(
        f"http://{PUBLIC_LOOKING}:{port}/go/1", names=names, source_allow_hosts=[PUBLIC_LOOKING]
    )
    assert said.startswith(f"{PUBLIC_LOOKING}:{port} redirected to ")
    assert "which was not read because" in said
    assert why in said
    assert target.connections == 0
    assert fence.attempts == ["127.0.0.1"]  # the first hop, on its allowed name; nothing else


async def test_redirects_within_the_rules_are_followed_a_few_times(
    redirector: tuple[int, dict[str, str], list[dict[str, str]]], fence: Fence
) -> None:
    port, to, seen = redirector
    allow = [PUBLIC_LOOKING, OTHER_PUBLIC_LOOKING]
    to["1"] = f"http://{OTHER_PUBLIC_LOOKING}:{port}/go/2?status=307"
    to["2"] = "/go/3?status=308"
    to["3"] = "/sheet.csv"
    got = await HttpFetcher(settings(source_allow_hosts=allow), redirecting()).fetch(
        spec(f"http://{PUBLIC_LOOKING}:{port}/go/1")
    )
    assert got.content == CSV
    assert len(seen) == 4
    # One more hop is one too many.
    to["3"] = "/go/4"
    to["4"] = "/sheet.csv"
    with pytest.raises(SourceError, match="redirected more than 3 times"):
        await HttpFetcher(settings(source_allow_hosts=allow), redirecting()).fetch(
            spec(f"http://{PUBLIC_LOOKING}:{port}/go/1")
        )
    assert len(seen) == 8  # four redirects answered; the fifth address was not asked


async def test_a_token_is_not_sent_on_to_another_host_nor_a_form_redirected(
    redirector: tuple[int, dict[str, str], list[dict[str, str]]], fence: Fence
) -> None:
    port, to, seen = redirector
    allow = [PUBLIC_LOOKING, OTHER_PUBLIC_LOOKING]
    to["1"] = f"http://{OTHER_PUBLIC_LOOKING}:{port}/sheet.csv"
    async with guarded_session(settings(source_allow_hosts=allow), redirecting()) as guard:
        headers = {"Authorization": "Bearer token-1"}
        url = f"http://{PUBLIC_LOOKING}:{port}/go/1"
        async with guard.request("GET", url, headers=headers) as got:
            assert got.status == 200
        assert [h.get("Authorization") for h in seen] == ["Bearer token-1", None]
        async with guard.request("POST", url, data={"password": "p"}) as posted:
            assert posted.status == 302  # given back as it is: the caller says the status
    assert len(seen) == 3
