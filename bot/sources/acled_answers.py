"""Say in one sentence what ACLED answered when it was not the events: status, body, what to do.

`source list` is read in chat, so an answer is described, never pasted: an HTML page is "an
HTML page", and of a JSON error body only its message is quoted (one line, at most
MESSAGE_CHARS, without markup). ACLED's address is a setting, not something typed in chat, and
its messages ("The user credentials were incorrect.") say what an admin needs to know.
"""

from __future__ import annotations

import json
import re
from http import HTTPStatus
from typing import Any

import aiohttp

from bot.commands.fetching import SourceError
from bot.sources.guard import media_type
from bot.sources.retry import RETRY_STATUSES, Transient, retry_after

CREDENTIALS = "PAUSEWATCH_ACLED_USERNAME and PAUSEWATCH_ACLED_PASSWORD"
API_URL = "acled_api_url (PAUSEWATCH_ACLED_API_URL)"
ERROR_BYTES = 64 * 1024
MESSAGE_CHARS = 160
MESSAGE_KEYS = ("message", "error_description", "error", "detail")
HTML_TYPES = ("text/html", "application/xhtml+xml")
MARKUP = re.compile(r"<[^>]*>|[`*_~|]")
SPACE = re.compile(r"\s+")


async def error_body(response: aiohttp.ClientResponse) -> bytes:
    """Read the start of an error's body: enough to tell a page from a JSON message."""
    chunks: list[bytes] = []
    total = 0
    while total < ERROR_BYTES:
        chunk = await response.content.read(ERROR_BYTES - total)
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def described(content: bytes, headers: Any) -> str:
    """Say what a body is: 'saying "…"' for a JSON message, 'with an HTML page', its type."""
    sent = media_type(headers)
    start = content[:512].lstrip().lower()
    if sent in HTML_TYPES or start.startswith((b"<!doctype html", b"<html")):
        return "with an HTML page"
    message = json_message(content)
    if message:
        return f'saying "{message}"'
    if not content.strip():
        return "with an empty body"
    return f"with {sent}"


def json_message(content: bytes) -> str | None:
    """The message of a JSON error body ({"message": …}, OAuth's error_description), cleaned."""
    try:
        body = json.loads(content)
    except (ValueError, RecursionError):
        return None
    if not isinstance(body, dict):
        return None
    for key in MESSAGE_KEYS:
        value = body.get(key)
        if isinstance(value, str):
            text = SPACE.sub(" ", MARKUP.sub("", value)).strip()
            text = "".join(c for c in text if c.isprintable())
            if text:
                return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 1] + "…"
    return None


def answered(status: int, content: bytes, headers: Any) -> str:
    """'answered 502 (bad gateway) with an HTML page'."""
    try:
        phrase = f" ({HTTPStatus(status).phrase.lower()})"
    except ValueError:
        phrase = ""
    return f"answered {status}{phrase} {described(content, headers)}"


def data_problem(status: int, content: bytes, headers: Any, doing: str, now: Any) -> SourceError:
    """The error for a read of events or deletions that did not answer 200 (a Transient if it
    is worth trying again)."""
    said = f"ACLED {answered(status, content, headers)} while {doing}"
    if status in RETRY_STATUSES:
        after = retry_after(headers.get("Retry-After"), now) if status == 429 else None
        return Transient(said, after)
    if status == 403:
        return SourceError(
            f"{said}: the account has no access to ACLED's API; ask ACLED to add API access "
            f"to it, or set {CREDENTIALS} to an account that has it"
        )
    if status == 401:
        return SourceError(f"{said}: ACLED no longer takes the bot's login; check {CREDENTIALS}")
    if status >= 500:
        return SourceError(f"{said}: ACLED's server failed")
    return SourceError(f"{said}, where 200 with JSON was expected: check {API_URL}")


def login_problem(status: int, content: bytes, headers: Any, now: Any) -> SourceError:
    """The error for ACLED's token endpoint answering anything but 200."""
    said = answered(status, content, headers)
    if status in RETRY_STATUSES:
        after = retry_after(headers.get("Retry-After"), now) if status == 429 else None
        return Transient(f"ACLED's login (/oauth/token) {said}", after)
    if status in (400, 401, 403):
        return SourceError(f"ACLED refused the account: its login {said}; check {CREDENTIALS}")
    return SourceError(
        f"ACLED's login (/oauth/token) {said}, where a token was expected: check {API_URL}"
    )


def not_json(content: bytes, headers: Any, where: str) -> SourceError:
    """The error for a 200 whose body is not JSON (a sign-in page, a proxy's page)."""
    return SourceError(
        f"{where} answered 200 {described(content, headers)}, where JSON was expected: check "
        f"{API_URL}"
    )
