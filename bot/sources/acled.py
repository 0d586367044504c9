"""ACLED's API: an OAuth token from the account, then the events changed since the last run.

Token: POST {base}/oauth/token (grant_type=password, client_id=acled); data: GET
{base}/api/acled/read?_format=json with `Authorization: Bearer`, paged by `limit` and
`page`, only events whose `timestamp` (last change) is after the last good run; deletions:
GET {base}/api/deleted/read, by `deleted_timestamp`.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from bot.commands.sources import Fetched, SourceError, SourceSpec
from bot.settings import Settings

CLIENT_ID = "acled"
MAX_PAGES = 1_000
# A token is renewed this long before ACLED says it expires.
TOKEN_MARGIN_SECONDS = 60
CREDENTIALS = "PAUSEWATCH_ACLED_USERNAME and PAUSEWATCH_ACLED_PASSWORD"


class AcledClient:
    """Read ACLED's API with the account in the settings; the token is kept between runs."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.base = settings.acled_api_url.rstrip("/")
        self.host = urlsplit(self.base).netloc or self.base
        self._token: str | None = None
        self._refresh: str | None = None
        self._expires = 0.0

    async def read(self, http: aiohttp.ClientSession, spec: SourceSpec) -> Fetched:
        """Read the events changed and deleted since the last good run, every page."""
        try:
            return await self._read(http, spec)
        except TimeoutError:
            raise SourceError(
                f"ACLED ({self.host}) did not answer within "
                f"{self.settings.source_timeout_seconds:g} s"
            ) from None
        except aiohttp.ClientError as error:
            raise SourceError(f"ACLED ({self.host}) could not be reached ({error})") from None

    async def _read(self, http: aiohttp.ClientSession, spec: SourceSpec) -> Fetched:
        since = spec.position.get("timestamp")
        params = query_params(spec.query)
        if since is not None:
            params |= {"timestamp": str(since), "timestamp_where": ">"}
        events = await self._pages(http, "/api/acled/read", params)
        newest = max((_int(e.get("timestamp")) for e in events), default=0)
        position = {"timestamp": max(newest, since or 0)}
        deleted: list[str] = []
        deleted_since = spec.position.get("deleted")
        if deleted_since is not None:
            gone = await self._pages(
                http,
                "/api/deleted/read",
                {"deleted_timestamp": str(deleted_since), "deleted_timestamp_where": ">"},
            )
            deleted = [str(e["event_id_cnty"]) for e in gone if e.get("event_id_cnty")]
            newest_gone = max((_int(e.get("deleted_timestamp")) for e in gone), default=0)
            position["deleted"] = max(newest_gone, deleted_since)
        else:
            # The first run reads what exists now: deletions count from this moment.
            position["deleted"] = int(spec.now.timestamp())
        return Fetched(events=tuple(events), deleted=tuple(deleted), position=position)

    async def _pages(
        self, http: aiohttp.ClientSession, path: str, params: dict[str, str]
    ) -> list[dict[str, Any]]:
        limit = self.settings.acled_page_size
        found: list[dict[str, Any]] = []
        for page in range(1, MAX_PAGES + 1):
            data = await self._get(
                http, path, {"_format": "json", **params, "limit": str(limit), "page": str(page)}
            )
            found.extend(data)
            if len(data) < limit:
                return found
        raise SourceError(
            f"ACLED sent more than {MAX_PAGES:,} pages; narrow the source's query (from:, country:)"
        )

    async def _get(
        self, http: aiohttp.ClientSession, path: str, params: dict[str, str]
    ) -> list[dict[str, Any]]:
        for attempt in (1, 2):
            token = await self._access_token(http)
            async with http.get(
                self.base + path, params=params, headers={"Authorization": f"Bearer {token}"}
            ) as response:
                if response.status == 401 and attempt == 1:
                    self._token = None  # expired early or revoked: log in again, once
                    continue
                if response.status != 200:
                    raise SourceError(await self._problem(response, "reading data"))
                body = await _json(response, self.host)
                break
        if not isinstance(body, dict) or body.get("success") is False or "data" not in body:
            message = body.get("error") or body.get("message") if isinstance(body, dict) else None
            raise SourceError(f"ACLED answered an error: {_said(message) or 'no data in it'}")
        data = body["data"]
        if not isinstance(data, list):
            raise SourceError("ACLED's answer had no list of events in `data`")
        return [item for item in data if isinstance(item, dict)]

    async def _access_token(self, http: aiohttp.ClientSession) -> str:
        if self._token is not None and time.monotonic() < self._expires:
            return self._token
        username = self.settings.acled_username
        password = self.settings.acled_password
        if not username or password is None:
            raise SourceError(f"ACLED needs the account's e-mail and password: set {CREDENTIALS}")
        form = {
            "grant_type": "password",
            "username": username,
            "password": password.get_secret_value(),
            "client_id": CLIENT_ID,
            "scope": "authenticated",
        }
        if self._refresh is not None and self._token is not None:
            form = {
                "grant_type": "refresh_token",
                "refresh_token": self._refresh,
                "client_id": CLIENT_ID,
            }
        async with http.post(self.base + "/oauth/token", data=form) as response:
            if response.status in (400, 401, 403):
                if form["grant_type"] == "refresh_token":
                    self._refresh = self._token = None
                    return await self._access_token(http)
                said = _said(await _error_text(response))
                raise SourceError(
                    f"ACLED refused the account ({response.status}{': ' + said if said else ''}); "
                    f"check {CREDENTIALS}"
                )
            if response.status != 200:
                raise SourceError(await self._problem(response, "logging in"))
            body = await _json(response, self.host)
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise SourceError("ACLED's login answer had no access_token")
        self._token = token
        refresh = body.get("refresh_token")
        self._refresh = refresh if isinstance(refresh, str) else None
        self._expires = time.monotonic() + max(
            _int(body.get("expires_in")) - TOKEN_MARGIN_SECONDS, 0
        )
        return token

    async def _problem(self, response: aiohttp.ClientResponse, doing: str) -> str:
        status = response.status
        said = _said(await _error_text(response))
        tail = f": {said}" if said else ""
        if status == 429:
            after = response.headers.get("Retry-After")
            wait = f", asked to wait {after} s" if after else ""
            return f"ACLED's quota or rate limit was reached while {doing} (429{wait}){tail}"
        if status == 401:
            return f"ACLED refused the token while {doing} (401){tail}; check {CREDENTIALS}"
        if status == 403:
            return (
                f"ACLED refused access while {doing} (403){tail}: the account's access level "
                "may not include the API"
            )
        if status >= 500:
            return f"ACLED's server failed while {doing} (error {status}){tail}"
        return f"ACLED answered {status} while {doing}{tail}"


def query_params(query: dict[str, str]) -> dict[str, str]:
    """Turn a source's query into ACLED's parameters (text filters as LIKE, from: as >=)."""
    params: dict[str, str] = {}
    for key, value in query.items():
        if key == "from":
            params |= {"event_date": value, "event_date_where": ">="}
        elif key == "notes":
            params |= {"notes": f"%{value}%", "notes_where": "LIKE"}
        else:
            params[key] = value
    return params


def _int(value: Any) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


def _said(message: Any) -> str:
    text = " ".join(str(message or "").split())
    return text[:200]


async def _error_text(response: aiohttp.ClientResponse) -> str:
    try:
        body = await response.json(content_type=None)
    except (ValueError, aiohttp.ContentTypeError):
        return (await response.text(errors="replace"))[:200]
    if isinstance(body, dict):
        for key in ("error_description", "message", "error"):
            if isinstance(body.get(key), str):
                return str(body[key])
    return ""


async def _json(response: aiohttp.ClientResponse, host: str) -> Any:
    try:
        return await response.json(content_type=None)
    except ValueError:
        raise SourceError(f"ACLED ({host}) answered something that is not JSON") from None
