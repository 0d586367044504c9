"""ACLED's API: an OAuth token from the account, then the events changed since the last run.

Token: POST {base}/oauth/token (grant_type=password, client_id=acled; then the refresh_token
grant while ACLED gives one); data: GET {base}/api/acled/read?_format=json&with_total=true
with `Authorization: Bearer`, only events whose `timestamp` (last change) is at or after the
last one seen, paged by `limit` and `page` and read again until two reads agree
(bot/sources/acled_paging.py); deletions: GET {base}/api/deleted/read, by
`deleted_timestamp`, paged the same way but read once (ACLED only ever adds to them, so
offset paging can repeat one but skip none). A 429, 502, 503, 504 or time-out is tried again
within the run (bot/sources/retry.py).

Events that leave a source's query (ACLED moved them to another country, re-typed them) are
not in that query's changes: a source with filters other than from: also reads, first, every
event ACLED changed since the same position, anywhere, asking only for its id and timestamp
(`fields=event_id_cnty|timestamp`); those its own query no longer holds are `Fetched.left`.
Read first, an event changed after it still shows in the filtered read, so none is named by
mistake; the next position is the newest timestamp of either read, so the read anywhere never
grows while a narrow query sees no change. The cost: one more request a run, or twice its
pages when the changes fill more than one (about 60 bytes an event: ACLED publishes and
corrects thousands of events a week worldwide, some hundreds of kB a week). A from:-only
source pays nothing, and an event whose date moves before its from: stays. The first run
reads no changes: nothing is stored yet that could leave.

Every request goes through the guard (bot/sources/guard.py), as a sheet's does: the API's
address is a setting, and the guard's rules hold for it too. A failure is said in one sentence
(bot/sources/acled_answers.py): the status, what the body was, what to do.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from bot.commands.fetching import Fetched, SourceError, SourceSpec
from bot.domain import acled
from bot.settings import Settings
from bot.sources.acled_answers import (
    API_URL,
    CREDENTIALS,
    data_problem,
    error_body,
    json_message,
    login_problem,
    not_json,
)
from bot.sources.acled_paging import PageReader, one_pass, settled_read
from bot.sources.guard import Guard, unreachable
from bot.sources.retry import Retries, Transient, Waiter

CLIENT_ID = "acled"
# What the read of changes anywhere asks for: enough to tell which events left a query.
ID_AND_TIMESTAMP = f"{acled.ID_COLUMN}|timestamp"
# A token is renewed this long before ACLED says it expires.
TOKEN_MARGIN_SECONDS = 60
DOING = {"/api/acled/read": "reading data", "/api/deleted/read": "reading deletions"}


class AcledClient:
    """Read ACLED's API with the account in the settings; the token is kept between runs.

    `waiter` is how a run waits between its tries (bot/sources/retry.py); tests give one whose
    clock only moves when it is asked to sleep.
    """

    def __init__(self, settings: Settings, waiter: Waiter | None = None) -> None:
        self.settings = settings
        self.waiter = waiter or Waiter()
        self.base = settings.acled_api_url.rstrip("/")
        self.host = urlsplit(self.base).netloc or self.base
        self._token: str | None = None
        self._refresh: str | None = None
        self._expires = 0.0

    async def read(self, http: Guard, spec: SourceSpec) -> Fetched:
        """Read the events changed and deleted since the last good run, every page."""
        try:
            return await self._read(http, spec, Retries(self.waiter))
        except aiohttp.ClientError as error:
            raise SourceError(f"ACLED ({self.host}) {unreachable(error)}") from None
        except SourceError as error:
            raise SourceError(self._scrub(str(error))) from None

    def _scrub(self, message: str) -> str:
        """Hide the password and tokens, should a server's quoted message repeat them."""
        password = self.settings.acled_password
        secrets = [password.get_secret_value() if password else None, self._token, self._refresh]
        for secret in secrets:
            if secret and len(secret) >= 4:
                message = message.replace(secret, "[hidden]")
        return message

    async def _read(self, http: Guard, spec: SourceSpec, retries: Retries) -> Fetched:
        since = spec.position.get("timestamp")
        params = query_params(spec.query)
        anywhere: list[dict[str, Any]] = []
        if since is not None:
            # The boundary is read again (>=), as ACLED's own client does: an event published
            # later with the last timestamp seen is not lost, and one read twice changes nothing
            # (stored events are compared column by column, candidates by their key).
            changed = {"timestamp": str(since), "timestamp_where": ">="}
            params |= changed
            if set(spec.query) - {"from"}:
                # Before the filtered read, so that what changes in between shows there.
                wanted = changed | {"fields": ID_AND_TIMESTAMP}
                anywhere = await self._events(http, wanted, retries)
        events = await self._events(http, params, retries)
        held = {str(e.get(acled.ID_COLUMN)) for e in events}
        left = {str(e[acled.ID_COLUMN]) for e in anywhere if e.get(acled.ID_COLUMN)} - held
        newest = max((_int(e.get("timestamp")) for e in [*events, *anywhere]), default=0)
        position = {"timestamp": max(newest, since or 0)}
        deleted: list[str] = []
        deleted_since = spec.position.get("deleted")
        if deleted_since is not None:
            gone = await self._deletions(http, deleted_since, retries)
            deleted = list(dict.fromkeys(str(e[acled.ID_COLUMN]) for e in gone))
            newest_gone = max((_int(e.get("deleted_timestamp")) for e in gone), default=0)
            position["deleted"] = max(newest_gone, deleted_since)
        else:
            # The first run reads what exists now: deletions count from this moment.
            position["deleted"] = int(spec.now.timestamp())
        return Fetched(
            events=tuple(events),
            deleted=tuple(deleted),
            left=tuple(sorted(left)),
            position=position,
        )

    async def _events(
        self, http: Guard, params: dict[str, str], retries: Retries
    ) -> list[dict[str, Any]]:
        """Read the events of a query, every page, until two reads agree."""
        return await settled_read(self._page_reader(http, "/api/acled/read", params, retries))

    async def _deletions(self, http: Guard, since: int, retries: Retries) -> list[dict[str, Any]]:
        """Read the deletions at or after `since`, every page, once."""
        params = {"deleted_timestamp": str(since), "deleted_timestamp_where": ">="}
        found = await one_pass(self._page_reader(http, "/api/deleted/read", params, retries))
        return [e for e in found.events if e.get(acled.ID_COLUMN)]

    def _page_reader(
        self, http: Guard, path: str, params: dict[str, str], retries: Retries
    ) -> PageReader:
        """Read page N of a query; ACLED sends total_count only when asked (with_total)."""
        asked = {"_format": "json", **params, "with_total": "true"}
        limit = str(self.settings.acled_page_size)

        async def read_page(page: int) -> tuple[list[dict[str, Any]], int | None]:
            return await self._get(http, path, asked | {"limit": limit, "page": str(page)}, retries)

        return read_page

    async def _get(
        self, http: Guard, path: str, params: dict[str, str], retries: Retries
    ) -> tuple[list[dict[str, Any]], int | None]:
        """GET one page, trying again within the run after a 429, a 502/503/504 or a time-out."""
        while True:
            since = self.waiter.monotonic()
            try:
                return await self._get_once(http, path, params)
            except TimeoutError:
                failure = Transient(
                    f"ACLED ({self.host}) did not answer within "
                    f"{self.settings.source_timeout_seconds:g} s"
                )
            except Transient as transient:
                failure = transient
            await retries.again(failure, since)

    async def _get_once(
        self, http: Guard, path: str, params: dict[str, str]
    ) -> tuple[list[dict[str, Any]], int | None]:
        doing = DOING.get(path, "reading data")
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
                    content = await error_body(response)
                    raise data_problem(
                        response.status, content, response.headers, doing, self.waiter.now()
                    )
                content = await http.read(response)
                body = _json(content)
                if body is _NOT_JSON:
                    raise not_json(content, response.headers, f"ACLED ({doing})")
                break
        return _page(body, content, doing)

    async def _access_token(self, http: Guard) -> str:
        if self._token is not None and self.waiter.monotonic() < self._expires:
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
            if response.status != 200:
                if response.status in (400, 401, 403) and form["grant_type"] == "refresh_token":
                    self._refresh = self._token = None  # the refresh token is spent: log in
                    return await self._access_token(http)
                content = await error_body(response)
                raise login_problem(response.status, content, response.headers, self.waiter.now())
            content = await http.read(response)
        return self._keep(_json(content), content, response.headers)

    def _keep(self, body: Any, content: bytes, headers: Any) -> str:
        """Keep the token (and refresh token) of ACLED's login answer."""
        if body is _NOT_JSON:
            raise not_json(content, headers, "ACLED's login (/oauth/token)")
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise SourceError(
                "ACLED's login (/oauth/token) answered 200 without an access_token: check "
                f"{API_URL}"
            )
        self._token = token
        refresh = body.get("refresh_token")
        self._refresh = refresh if isinstance(refresh, str) else None
        self._expires = self.waiter.monotonic() + max(
            _int(body.get("expires_in")) - TOKEN_MARGIN_SECONDS, 0
        )
        return token


_NOT_JSON = object()


def _json(content: bytes) -> Any:
    try:
        return json.loads(content)
    except (ValueError, RecursionError):
        return _NOT_JSON


def _page(body: Any, content: bytes, doing: str) -> tuple[list[dict[str, Any]], int | None]:
    """The events of a page and, when ACLED sends it, total_count: how many the query has."""
    if not isinstance(body, dict) or body.get("success") is False or "data" not in body:
        message = json_message(content)
        said = f' saying "{message}"' if message else ""
        raise SourceError(
            f"ACLED answered 200 with an error{said} while {doing}, where a list of events "
            f"was expected: check the source's query and {API_URL}"
        )
    data = body["data"]
    if not isinstance(data, list):
        raise SourceError(f"ACLED's answer had no list of events in `data` while {doing}")
    total = body.get("total_count")
    counted = _int(total) if isinstance(total, int | str) and str(total).isdigit() else None
    return [item for item in data if isinstance(item, dict)], counted


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
