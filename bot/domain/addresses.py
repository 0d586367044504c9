"""Which addresses a source may read: public ones, and those named in source_allow_hosts.

Pure rules, no I/O: `source add` uses them on the URL it is given, and the fetcher
(bot/sources/guard.py) on every address it is about to connect to, a name's resolved addresses
and each redirect's included. The flags of `ipaddress` decide (is_global, is_private and
friends); a small table adds the ranges this Python's `ipaddress` may not know yet and gives
the kinds their names, and an IPv6 address that carries an IPv4 one (IPv4-mapped, NAT64, 6to4,
Teredo) is judged by the IPv4 address it reaches.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

SCHEMES = ("http", "https")
HOW_TO_ALLOW = "source_allow_hosts (PAUSEWATCH_SOURCE_ALLOW_HOSTS)"

# Ranges named before the flags are asked: each is not public, and the flags alone would call
# it "private" or, for the newer ones on older Pythons, nothing at all.
_NAMED = tuple(
    (ipaddress.ip_network(network), kind)
    for network, kind in (
        ("0.0.0.0/8", "this-network"),
        ("100.64.0.0/10", "shared"),
        ("192.0.0.0/24", "IETF protocol"),
        ("192.0.2.0/24", "documentation"),
        ("198.51.100.0/24", "documentation"),
        ("203.0.113.0/24", "documentation"),
        ("2001:db8::/32", "documentation"),
        ("3fff::/20", "documentation"),
        ("198.18.0.0/15", "benchmarking"),
        ("2001:2::/48", "benchmarking"),
        ("255.255.255.255/32", "broadcast"),
        ("240.0.0.0/4", "reserved"),
        ("64:ff9b:1::/48", "local NAT64"),
        ("2001::/32", "Teredo"),
    )
)
_NOTES = {
    "link-local": " (where clouds serve their metadata, as 169.254.169.254)",
    "shared": " (carrier-grade NAT, 100.64.0.0/10)",
}
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# An IPv4-mapped or NAT64 address reaches its IPv4 address, which alone decides; 6to4 and
# Teredo reach a relay, and are judged as themselves too.
_REACHES_IT = ("IPv4-mapped", "NAT64 for")
# Names that always mean this machine (RFC 6761), whatever a resolver says.
_LOOPBACK_NAMES = ("localhost", "localhost.localdomain")


@dataclass(frozen=True)
class Verdict:
    """Why an address may not be read: its kind, and the IPv4 address it carries, if any."""

    address: IPAddress
    kind: str
    carried: ipaddress.IPv4Address | None = None
    how: str = ""

    def __str__(self) -> str:
        return self.said(str(self.address))

    def said(self, spelled: str) -> str:
        """Say it of the address as the URL spelled it (2130706433 is 127.0.0.1, ...)."""
        shown = str(self.address)
        if self.carried is not None:
            shown += f" ({self.how} {self.carried})"
        article = "an" if self.kind[0] in "aeiouIU" else "a"
        note = _NOTES.get(self.kind, "") if (self.carried or self.address).version == 4 else ""
        if spelled != str(self.address):
            return f"{spelled} is {shown}, {article} {self.kind} address{note}"
        return f"{shown} is {article} {self.kind} address{note}"


def carried_ipv4(address: IPAddress) -> tuple[ipaddress.IPv4Address, str] | None:
    """Return the IPv4 address an IPv6 one reaches (IPv4-mapped, NAT64, 6to4), and how."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped, "IPv4-mapped"
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF), "NAT64 for"
    if address.sixtofour is not None:
        return address.sixtofour, "6to4 for"
    if address.teredo is not None:
        return address.teredo[1], "Teredo for"
    return None


def forbidden(address: IPAddress) -> Verdict | None:
    """Say why a source may not read this address, or None if it is a public one."""
    carried = carried_ipv4(address)
    if carried is not None:
        inner = forbidden(carried[0])
        if inner is not None:
            return Verdict(address, inner.kind, carried[0], carried[1])
        if carried[1] in _REACHES_IT:
            return None  # the IPv4 address is what is reached, and it is public
    kind = _kind(address)
    return Verdict(address, kind) if kind else None


def _kind(address: IPAddress) -> str | None:
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    for network, kind in _NAMED:
        if address.version == network.version and address in network:
            return kind
    if address.is_private:
        return "private"
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return "site-local"
    if address.is_reserved:
        return "reserved"
    if not address.is_global:
        return "non-public"
    return None


def literal_address(host: str) -> IPAddress | None:
    """Return the address a URL's host spells, in any spelling a resolver takes; None for a name.

    Besides 127.0.0.1 and ::1, the C library reads 2130706433, 0x7f.1, 017700000001 and 127.1
    as 127.0.0.1, and a URL library folds fullwidth digits and ideographic full stops to ASCII;
    a percent-encoded host (127.0.0.%31) is read decoded.
    """
    text = _ascii(unquote(host).strip().lower().removeprefix("[").removesuffix("]"))
    if text.endswith(".") and not text.endswith(".."):
        text = text[:-1]
    if ":" in text:
        try:
            return ipaddress.IPv6Address(text)
        except ValueError:
            return None
    try:
        return ipaddress.IPv4Address(text)
    except ValueError:
        return _inet_aton(text)


def _ascii(host: str) -> str:
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def _inet_aton(text: str) -> ipaddress.IPv4Address | None:
    """Read the old spellings of an IPv4 address, as inet_aton does: 1 to 4 parts, each
    decimal, octal (a leading 0) or hex (0x); the last part fills the bytes left."""
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    numbers = []
    for part in parts:
        number = _number(part)
        if number is None:
            return None
        numbers.append(number)
    *head, last = numbers
    if any(n > 0xFF for n in head) or last >= 1 << (8 * (4 - len(head))):
        return None
    value = 0
    for number in head:
        value = value << 8 | number
    return ipaddress.IPv4Address(value << (8 * (4 - len(head))) | last)


def _number(part: str) -> int | None:
    digits, base = part, 10
    if part[:2] == "0x":
        digits, base = part[2:], 16
    elif len(part) > 1 and part[0] == "0":
        digits, base = part[1:], 8
    if not digits and base == 16:
        return 0  # "0x" alone is zero to inet_aton
    allowed = "0123456789abcdef"[:base]
    if not digits or not all(c in allowed for c in digits):
        return None
    return int(digits, base)


def _networks(allow: Sequence[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    found = []
    for entry in allow:
        try:
            found.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            continue  # a host name
    return found


def name_allowed(host: str, allow: Sequence[str]) -> bool:
    """Say whether a host name is in source_allow_hosts (then it may resolve to anything)."""
    name = _ascii(host.strip().lower()).rstrip(".")
    return bool(name) and name in {entry.lower().rstrip(".") for entry in allow}


def address_allowed(address: IPAddress, allow: Sequence[str]) -> bool:
    """Say whether an address is in a range or address of source_allow_hosts.

    An IPv4-mapped address is the IPv4 one (a socket connects to it), so either may allow it.
    """
    mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
    reached = [address, mapped] if mapped else [address]
    return any(
        a.version == network.version and a in network
        for network in _networks(allow)
        for a in reached
    )


def address_refusal(address: IPAddress, allow: Sequence[str]) -> Verdict | None:
    """Say why a source may not connect to this address, given the allow list; None if it may."""
    if address_allowed(address, allow):
        return None
    return forbidden(address)


def allow_hint(what: str) -> str:
    """Say how to let a source read a host or an address anyway."""
    return f"a source reads public addresses only; to read {what} anyway, add it to {HOW_TO_ALLOW}"


def host_refusal(host: str, allow: Sequence[str]) -> str | None:
    """Say why a URL's host may not be read, if it can be told without resolving it.

    An address literal is judged by the address; "localhost" is loopback by definition. Any
    other name is judged later, by the addresses it resolves to.
    """
    if name_allowed(host, allow):
        return None
    address = literal_address(host)
    if address is None:
        name = _ascii(host.strip().lower()).rstrip(".")
        if name in _LOOPBACK_NAMES or name.endswith(".localhost"):
            return f"{name} is this machine (a loopback name): {allow_hint(name)}"
        return None
    verdict = address_refusal(address, allow)
    if verdict is None:
        return None
    spelled = host.strip().removeprefix("[").removesuffix("]")
    mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
    return f"{verdict.said(spelled)}: {allow_hint(str(mapped or address))}"


def url_refusal(url: str, allow: Sequence[str]) -> str | None:
    """Say why a source may not read this URL without resolving it: its scheme, or its host."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # a malformed host, e.g. an unclosed [ of an IPv6 address
        return f"{url!r} is not a web address; write url:https://host/path.csv"
    if parts.scheme.lower() not in SCHEMES or not host:
        return (
            f"{url!r} is not a web address; write url:https://host/path.csv (a source reads "
            "http and https only)"
        )
    return host_refusal(host, allow)
