"""Request verification: Bolt's own, on the bot's clock, and the guard that asks it before parsing.

Bolt's RequestVerification middleware (request_verification_enabled, on) checks every HTTP
request with slack_sdk's SignatureVerifier: the signature over the body, a timestamp within five
minutes. Two things it does not do are done here. It cannot be given a clock, so `use_clock`
hands it one (tests run at a fixed moment, whatever the date). And it runs after the body is
parsed (AsyncBoltRequest parses in its constructor), reading the timestamp with int(), which
takes " 1" or "１" and raises on "abc" (a 500): `guard` asks the same verifier about the raw
bytes, and wants ASCII digits, before anything reads the body.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable
from hashlib import sha256

from slack_bolt.async_app import AsyncApp
from slack_bolt.middleware.async_builtins import AsyncRequestVerification
from slack_sdk.signature import Clock, SignatureVerifier

MAX_AGE_SECONDS = 5 * 60  # as slack_sdk's SignatureVerifier allows
_TIMESTAMP = re.compile(r"[0-9]{1,12}")  # ASCII digits only: int() would take "²" or " 1 "
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


class Refused(Exception):
    """A request answered with an HTTP error; the message is the one line logged."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


class _CallClock(Clock):
    """slack_sdk's Clock reading a function: the bot's own clock, so tests can set it."""

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now

    def now(self) -> float:
        return self._now()


def _bolt_verification(bolt: AsyncApp) -> AsyncRequestVerification:
    # Bolt offers no public way to reach its built-in middleware or to give it a clock.
    for middleware in bolt._async_middleware_list:
        if isinstance(middleware, AsyncRequestVerification):
            return middleware
    raise ValueError("Bolt's request verification is off: build the app with it on")


def use_clock(bolt: AsyncApp, signing_secret: str, clock: Callable[[], float]) -> None:
    """Make Bolt's own request verification judge staleness by `clock` (seconds since 1970)."""
    _bolt_verification(bolt)._verifier = SignatureVerifier(signing_secret, _CallClock(clock))


def bolt_verifier(bolt: AsyncApp) -> SignatureVerifier:
    """Return the SignatureVerifier Bolt's own request verification uses."""
    return _bolt_verification(bolt).verifier


def guard(verifier: SignatureVerifier, raw: bytes, timestamp: str, signature: str) -> None:
    """Raise Refused (401) unless the request was signed with our secret in the last 5 minutes.

    The same checks as Bolt's, on the verifier Bolt uses, made before anything parses the body;
    the timestamp must be ASCII digits, which int() in slack_sdk does not require.
    """
    if not _TIMESTAMP.fullmatch(timestamp):
        raise Refused(401, "the timestamp is not a whole number of seconds")
    if abs(verifier.clock.now() - int(timestamp)) > MAX_AGE_SECONDS:
        raise Refused(401, "the timestamp is more than five minutes off")
    if not _SIGNATURE.fullmatch(signature):
        raise Refused(401, "the signature is missing or not of the form v0=<hex>")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        # Slack signs bytes and SignatureVerifier takes text: check these bytes as they are,
        # so that a signed body that is not UTF-8 is told apart (400) from a forged one.
        base = b"v0:" + timestamp.encode("ascii") + b":" + raw
        secret = verifier.signing_secret.encode()
        expected = "v0=" + hmac.new(secret, base, sha256).hexdigest()
        valid = hmac.compare_digest(expected, signature)
    else:
        valid = verifier.is_valid(text, timestamp, signature)
    if not valid:
        raise Refused(401, "the signature does not match")
