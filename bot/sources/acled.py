"""ACLED's API: an OAuth token from the account, then the events changed since the last run.

Token: POST {base}/oauth/token (grant_type=password, client_id=acled); data: GET
{base}/api/acled/read?_format=json with `Authorization: Bearer`, paged by `limit` and
`page`, only events whose `timestamp` (last change) is after the last good run; deletions:
GET {base}/api/deleted/read, by `deleted_timestamp`.

Every request goes through the guard (bot/sources/guard.py), as a sheet's does: the API's
address is a setting, and the guard's rules hold for it too. A message says the status and
the content type ACLED answered with, never what its body said.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from bot.commands.fetching import Fetched, SourceError, SourceSpec
from bot.domain import acled
from bot.settings import Settings
from bot.sources.guard import Guard, media_type, unreachable

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

    async def read(self, http: Guard, spec: SourceSpec) -> Fetched:
        """Read the events changed and deleted since the last good run, every page."""
        try:
            return await self._read(http, spec)
        except TimeoutError:
            raise SourceError(
                f"ACLED ({self.host}) did not answer within "
                f"{self.settings.source_timeout_seconds:g} s"
            ) from None
        except aiohttp.ClientError as error:
            raise SourceError(f"ACLED ({self.host}) {unreachable(error)}") from None

    async def _read(self, http: Guard, spec: SourceSpec) -> Fetched:
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
            deleted = [str(e[acled.ID_COLUMN]) for e in gone if e.get(acled.ID_COLUMN)]
            newest_gone = max((_int(e.get("deleted_timestamp")) for e in gone), default=0)
            position["deleted"] = max(newest_gone, deleted_since)
        else:
            # The first run reads what exists now: deletions count from this moment.
            position["deleted"] = int(spec.now.timestamp())
        return Fetched(events=tuple(events), deleted=tuple(deleted), position=position)

    async def _pages(self, http: Guard, path: str, params: dict[str, str]) -> list[dict[str, Any]]:
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

    async def _get(self, http: Guard, path: str, params: dict[str, str]) -> list[dict[str, Any]]:
        for attempt in (1, 2):
            token = await self._access_token(http)
            async with http.request(
                "GET",
                self.base + path,
                params=params,
                headers={"Authorization": f"Bearer {token}"},
            ) as response:
                if response.status == 401 and attempt == 1:
                    self._token = None  # expired early or revoked: log in again, once
                    continue
                if response.status != 200:
                    raise SourceError(self._problem(response, "reading data"))
                body = await self._json(http, response)
                break
        if not isinstance(body, dict) or body.get("success") is False or "data" not in body:
            raise SourceError(
                "ACLED answered 200 with JSON that is an error or has no `data`, where a list "
                "of events was expected"
            )
        data = body["data"]
        if not isinstance(data, list):
            raise SourceError("ACLED's answer had no list of events in `data`")
        return [item for item in data if isinstance(item, dict)]

    async def _access_token(self, http: Guard) -> str:
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
        async with http.request("POST", self.base + "/oauth/token", data=form) as response:
            if response.status in (400, 401, 403):
                if form["grant_type"] == "refresh_token":
                    self._refresh = self._token = None
                    return await self._access_token(http)
                raise SourceError(
                    f"ACLED refused the account ({response.status}, {_sent(response)}); "
                    f"check {CREDENTIALS}"
                )
            if response.status != 200:
                raise SourceError(self._problem(response, "logging in"))
            body = await self._json(http, response)
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

    def _problem(self, response: aiohttp.ClientResponse, doing: str) -> str:
        status = response.status
        sent = _sent(response)
        if status == 429:
            after = str(response.headers.get("Retry-After", ""))
            wait = f", asked to wait {after} s" if after.isdigit() else ""
            return f"ACLED's quota or rate limit was reached while {doing} (429{wait}; {sent})"
        if status == 401:
            return f"ACLED refused the token while {doing} (401, {sent}); check {CREDENTIALS}"
        if status == 403:
            return (
                f"ACLED refused access while {doing} (403, {sent}): the account's access level "
                "may not include the API"
            )
        if status >= 500:
            return f"ACLED's server failed while {doing} (error {status}, {sent})"
        return f"ACLED answered {status} while {doing} ({sent}), where 200 with JSON was expected"

    async def _json(self, http: Guard, response: aiohttp.ClientResponse) -> Any:
        content = await http.read(response)
        try:
            return json.loads(content)
        except (ValueError, RecursionError):
            raise SourceError(
                f"ACLED ({self.host}) answered {response.status} with {_sent(response)} that is "
                "not JSON, where JSON was expected"
            ) from None


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


def _sent(response: aiohttp.ClientResponse) -> str:
    return media_type(response.headers)
