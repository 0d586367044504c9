"""Which addresses a source may read (bot/domain/addresses.py), in every spelling, with no I/O.

The rules are pure; bot/sources/guard.py applies them where connections are made, and
test_guard.py shows that against real loopback servers.
"""

from __future__ import annotations

import ipaddress
import socket

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.commands.command import CommandError
from bot.commands.sources import check_source
from bot.domain.addresses import (
    address_allowed,
    carried_ipv4,
    forbidden,
    host_refusal,
    literal_address,
    name_allowed,
    url_refusal,
)
from tests.conftest import NOW

ALLOW = "source_allow_hosts (PAUSEWATCH_SOURCE_ALLOW_HOSTS)"


@pytest.mark.parametrize(
    ("host", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.254", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("::1", "loopback"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("fe80::1", "link-local"),
        ("fe80::1%25eth0", "link-local"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:7f00:1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:169.254.169.254", "link-local"),
        ("64:ff9b::7f00:1", "loopback"),
        ("64:ff9b::a9fe:a9fe", "link-local"),
        ("2002:7f00:1::", "loopback"),
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback"),  # Teredo, client 127.0.0.1
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("0.1.2.3", "this-network"),
        ("2130706433", "loopback"),
        ("0x7f.1", "loopback"),
        ("0x7f000001", "loopback"),
        ("017700000001", "loopback"),
        ("0177.0.0.1", "loopback"),
        ("127.1", "loopback"),
        ("127.0.1", "loopback"),
        ("127.0.0.1.", "loopback"),
        ("１２７.０.０.１", "loopback"),  # fullwidth digits, which URL libraries fold to ASCII
        ("127。0。0。1", "loopback"),  # ideographic full stops
        ("127.0.0.%31", "loopback"),  # percent-encoded
        ("%31%32%37.1", "loopback"),
        ("100.64.0.1", "shared"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("ff0e::1", "multicast"),
        ("255.255.255.255", "broadcast"),
        ("240.0.0.1", "reserved"),
        ("192.0.2.10", "documentation"),
        ("198.51.100.10", "documentation"),
        ("203.0.113.10", "documentation"),
        ("2001:db8::1", "documentation"),
        ("3fff::1", "documentation"),
        ("198.18.0.1", "benchmarking"),
        ("fec0::1", "site-local"),
        ("::7f00:1", "reserved"),  # IPv4-compatible, deprecated
        ("localhost", "loopback"),
        ("LOCALHOST.", "loopback"),
        ("sheets.localhost", "loopback"),
    ],
)
def test_addresses_that_are_not_public_are_refused_saying_why(host: str, kind: str) -> None:
    said = host_refusal(host, [])
    assert said is not None
    assert kind in said
    assert ALLOW in said


@pytest.mark.parametrize(
    "host",
    [
        "8.8.8.8",
        "1.1.1.1",
        "2606:4700:4700::1111",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",  # NAT64 of a public address: what DNS64 gives an IPv6-only host
        "2002:808:808::1",
        "docs.google.com",
        "acleddata.com",
        "2130706433.example.org",
    ],
)
def test_public_addresses_and_names_pass(host: str) -> None:
    assert host_refusal(host, []) is None


def test_the_message_names_what_the_spelling_means_and_what_to_allow() -> None:
    said = host_refusal("0x7f.1", [])
    assert said == (
        "0x7f.1 is 127.0.0.1, a loopback address: a source reads public addresses only; to "
        f"read 127.0.0.1 anyway, add it to {ALLOW}"
    )
    mapped = host_refusal("::ffff:127.0.0.1", [])
    assert mapped is not None
    assert "(IPv4-mapped 127.0.0.1), a loopback address" in mapped
    assert "to read 127.0.0.1 anyway" in mapped
    metadata = host_refusal("169.254.169.254", [])
    assert metadata is not None
    assert "where clouds serve their metadata" in metadata


def test_the_allow_list_lets_names_addresses_and_ranges_through() -> None:
    assert host_refusal("127.0.0.1", ["127.0.0.1"]) is None
    assert host_refusal("2130706433", ["127.0.0.1"]) is None  # the same address, spelled so
    assert host_refusal("::ffff:127.0.0.1", ["127.0.0.1"]) is None  # a socket reaches 127.0.0.1
    assert host_refusal("10.20.3.4", ["10.20.0.0/16"]) is None
    assert host_refusal("10.21.3.4", ["10.20.0.0/16"]) is not None
    assert host_refusal("fd00::5", ["fd00::/8"]) is None
    assert host_refusal("localhost", ["localhost"]) is None
    assert host_refusal("127.0.0.2", ["127.0.0.1"]) is not None
    # A 6to4 address reaches a relay, not the IPv4 address it carries: allowing that
    # address does not allow it.
    assert host_refusal("2002:7f00:1::", ["127.0.0.1"]) is not None
    assert name_allowed("Sheets.Intranet.", ["sheets.intranet"])
    assert not name_allowed("evil-sheets.intranet", ["sheets.intranet"])
    assert not name_allowed("sheets.intranet.evil.example", ["sheets.intranet"])
    assert address_allowed(ipaddress.ip_address("::ffff:10.20.0.1"), ["10.20.0.0/16"])


def test_only_http_and_https_urls_with_a_host() -> None:
    for url in ("ftp://example.org/a.csv", "file:///etc/passwd", "gopher://x/", "http:///a"):
        said = url_refusal(url, [])
        assert said is not None and "is not a web address" in said, url
    assert url_refusal("http://[::1", []) is not None
    assert url_refusal("https://docs.google.com/spreadsheets/d/x/pub?output=csv", []) is None
    said = url_refusal("HTTP://user:pw@[::ffff:127.0.0.1]:8080/x", [])
    assert said is not None and "loopback" in said


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://127.0.0.1:8080/a.csv", "loopback"),
        ("http://2130706433/a.csv", "loopback"),
        ("http://0x7f.1/a.csv", "loopback"),
        ("http://[::1]/a.csv", "loopback"),
        ("http://[::ffff:127.0.0.1]/a.csv", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://10.0.0.5/a.csv", "private"),
        ("http://0.0.0.0:5432/", "unspecified"),
        ("http://localhost:5432/", "loopback"),
    ],
)
def test_source_add_refuses_a_forbidden_address_at_once(url: str, kind: str) -> None:
    with pytest.raises(CommandError) as refused:
        check_source("csv", url, {}, NOW.date())
    said = str(refused.value)
    assert said.startswith(f"{url!r} cannot be a source: ")
    assert kind in said and ALLOW in said
    # The same URL is taken when the setting allows its address or name.
    allow = ["127.0.0.0/8", "::1", "169.254.169.254", "10.0.0.0/8", "0.0.0.0", "localhost"]
    check_source("csv", url, {}, NOW.date(), allow)


def test_source_add_still_refuses_other_schemes_in_its_words() -> None:
    with pytest.raises(CommandError, match="'ftp://x/y' is not a web address"):
        check_source("csv", "ftp://x/y", {}, NOW.date(), ["x"])


# --- every address of the ranges that must stay closed, in every spelling ---------------

CLOSED = {
    "127.0.0.0/8": "loopback",
    "10.0.0.0/8": "private",
    "172.16.0.0/12": "private",
    "192.168.0.0/16": "private",
    "169.254.0.0/16": "link-local",
}


@st.composite
def closed_addresses(draw: st.DrawFn) -> tuple[ipaddress.IPv4Address, str]:
    network = ipaddress.IPv4Network(draw(st.sampled_from(sorted(CLOSED))))
    offset = draw(st.integers(0, network.num_addresses - 1))
    return network[offset], CLOSED[str(network)]


def _number(value: int, style: str) -> str:
    return {"dec": str(value), "hex": hex(value), "oct": f"0{value:o}" if value else "0"}[style]


@st.composite
def ipv4_spellings(draw: st.DrawFn, address: ipaddress.IPv4Address) -> str:
    """Spell an IPv4 address as inet_aton reads it: 1 to 4 parts, each in any base."""
    value = int(address)
    parts = draw(st.integers(1, 4))
    octets = list(address.packed)
    head = octets[: parts - 1]
    last = int.from_bytes(bytes(octets[parts - 1 :]), "big")
    styles = st.sampled_from(["dec", "hex", "oct"])
    spelled = [_number(n, draw(styles)) for n in [*head, last]]
    text = ".".join(spelled)
    assert ipaddress.IPv4Address(socket.inet_aton(text)) == address, (text, value)
    return text.upper() if draw(st.booleans()) else text


@st.composite
def spellings(draw: st.DrawFn) -> tuple[str, ipaddress.IPv4Address, str]:
    address, kind = draw(closed_addresses())
    how = draw(st.sampled_from(["v4", "mapped", "mapped-hex", "nat64", "fullwidth"]))
    v4 = draw(ipv4_spellings(address))
    hex_words = f"{int(address) >> 16:x}:{int(address) & 0xFFFF:x}"
    text = {
        "v4": v4,
        "mapped": f"::ffff:{address}",
        "mapped-hex": f"::ffff:{hex_words}",
        "nat64": f"64:ff9b::{hex_words}",
        "fullwidth": str(address).translate({c: c + 0xFEE0 for c in range(0x30, 0x3A)}),
    }[how]
    return text, address, kind


@given(spellings())
@example(("2130706433", ipaddress.IPv4Address("127.0.0.1"), "loopback"))
@example(("0x7f.1", ipaddress.IPv4Address("127.0.0.1"), "loopback"))
@example(("017700000001", ipaddress.IPv4Address("127.0.0.1"), "loopback"))
@example(("0xa9.0xfe.0xa9.0xfe", ipaddress.IPv4Address("169.254.169.254"), "link-local"))
def test_every_closed_address_is_refused_however_it_is_spelled(
    spelled: tuple[str, ipaddress.IPv4Address, str],
) -> None:
    text, address, kind = spelled
    found = literal_address(text)
    assert found is not None, text
    assert address in (found, (carried_ipv4(found) or (None,))[0])
    said = host_refusal(text, [])
    assert said is not None, text
    assert kind in said and ALLOW in said and "anyway, add it to" in said
    assert url_refusal(f"http://{text}/a.csv" if ":" not in text else f"http://[{text}]/", [])


@given(st.text(alphabet="0123456789abcdefxX.", min_size=1, max_size=24))
@example("0x7f.1")
@example("4294967295")
@example("4294967296")
@example("1.2.3.04")
@example("0x")
def test_every_string_the_c_library_reads_as_an_address_is_read_alike(text: str) -> None:
    # inet_aton is what getaddrinfo uses for a numeric host: whatever it takes for an
    # address, literal_address must take for the same one, or a spelling would slip past.
    try:
        expected = ipaddress.IPv4Address(socket.inet_aton(text))
    except OSError:
        return
    assert literal_address(text) == expected


IETF_PROTOCOL = ipaddress.IPv4Network("192.0.0.0/24")


@given(st.integers(0, 2**32 - 1).map(ipaddress.IPv4Address))
@example(ipaddress.IPv4Address("100.64.0.1"))
@example(ipaddress.IPv4Address("224.0.0.251"))
def test_an_ipv4_address_is_refused_exactly_when_ipaddress_says_it_is_not_public(
    address: ipaddress.IPv4Address,
) -> None:
    public = address.is_global and not address.is_multicast
    refused = forbidden(address)
    # ipaddress decides; the table refuses 192.0.0.0/24 whole, where some Pythons call a
    # few of its addresses global.
    assert (refused is None) == public or address in IETF_PROTOCOL, (address, refused)


def _v6(prefix: int, v4: int, low: int = 0) -> ipaddress.IPv6Address:
    return ipaddress.IPv6Address(prefix | v4 | low)


ipv4_numbers = st.integers(0, 2**32 - 1)
ipv6_addresses = st.one_of(
    st.integers(0, 2**128 - 1).map(ipaddress.IPv6Address),
    ipv4_numbers.map(lambda v4: _v6(0xFFFF << 32, v4)),  # IPv4-mapped
    ipv4_numbers.map(lambda v4: _v6(0x64FF9B << 96, v4)),  # NAT64
    st.tuples(ipv4_numbers, st.integers(0, 2**80 - 1)).map(  # 6to4
        lambda t: _v6(0x2002 << 112, t[0] << 80, t[1])
    ),
)


@given(ipv6_addresses)
def test_an_ipv6_address_let_through_reaches_only_public_ones(
    address: ipaddress.IPv6Address,
) -> None:
    refused = forbidden(address)
    if refused is None:
        for carried in (address.ipv4_mapped, address.sixtofour):
            assert carried is None or carried.is_global, address
        if address.ipv4_mapped is None and address not in ipaddress.ip_network("64:ff9b::/96"):
            assert address.is_global and not address.is_multicast, address
            assert not address.is_site_local, address
    else:
        carried = address.ipv4_mapped or (
            ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
            if address in ipaddress.ip_network("64:ff9b::/96")
            else None
        )
        # A mapped or NAT64 address is refused only for the IPv4 address it reaches.
        assert carried is None or forbidden(carried) is not None, address
