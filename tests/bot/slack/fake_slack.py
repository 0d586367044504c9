"""A small fake of Slack's Web API on loopback: it records every call and answers like Slack."""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Call:
    """One request the bot made."""

    method: str
    params: dict[str, Any]
    token: str | None = None  # the bearer token the call was made with


@dataclass
class FakeSlack:
    """Slack's Web API as far as pausewatch uses it, with failures that a test can script."""

    calls: list[Call] = field(default_factory=list)
    history: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    uploads: dict[str, bytes] = field(default_factory=dict)
    responses: list[dict[str, Any]] = field(default_factory=list)
    # method → answers to give before behaving normally: (HTTP status, body, headers)
    script: dict[str, list[tuple[int, dict[str, Any], dict[str, str]]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    base: str = ""
    # conversations.info: channel → what Slack says of it (default: a channel the app is in)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    # conversations.history gives this many messages a page (None: all at once)
    history_page_size: int | None = None
    # files.getUploadURLExternal: file id → the file's name, until the upload is completed
    pending_files: dict[str, str] = field(default_factory=dict)
    # Socket Mode: envelopes the bot acknowledged, and the sockets it opened
    acknowledged: list[dict[str, Any]] = field(default_factory=list)
    sockets: list[web.WebSocketResponse] = field(default_factory=list)
    _socket_requests: list[web.Request] = field(default_factory=list)
    # oauth.v2.access: code → (team id, bot token) Slack hands out for it
    oauth_codes: dict[str, tuple[str, str]] = field(default_factory=dict)
    # oauth.v2.access: team id → the Enterprise Grid organisation it is in (none: no grid)
    enterprises: dict[str, str] = field(default_factory=dict)
    # users.info: user id → what Slack says of them besides (is_admin, is_owner, team_id, ...);
    # anyone else is a plain member of the workspace whose token asks
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    _ts: itertools.count = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None

    @property
    def api_url(self) -> str:
        """The base URL to give the bot as SLACK_API_URL."""
        return f"{self.base}/api/"

    def response_url(self, name: str) -> str:
        """A response_url that this fake records posts to."""
        return f"{self.base}/response/{name}"

    def called(self, method: str) -> list[dict[str, Any]]:
        """Return the parameters of every call of one method."""
        return [call.params for call in self.calls if call.method == method]

    def fail(
        self, method: str, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        """Answer the next call of `method` this way."""
        self.script[method].append((status, body, headers or {}))

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_post("/response/{name}", self._response)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        for socket in self.sockets:
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST":
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                params.update(dict(await request.post()))
        return params

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        bearer = request.headers.get("Authorization", "")
        token = bearer.removeprefix("Bearer ") if bearer.startswith("Bearer ") else None
        self.calls.append(Call(method, params, token))
        if self.script[method]:
            status, body, headers = self.script[method].pop(0)
            return web.json_response(body, status=status, headers=headers)
        if method in ("oauth.v2.access", "auth.test"):
            return web.json_response(self._oauth(method, params, token))
        if method == "users.info":
            return web.json_response(self._user(params, token))
        return web.json_response(self._answer(method, params))

    def tokens(self, method: str) -> list[str | None]:
        """Return the token of every call of one method, in order."""
        return [call.token for call in self.calls if call.method == method]

    def _user(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        """Answer users.info as Slack does (api.slack.com/methods/users.info), the person's
        workspace being the one whose token asks unless `users` says otherwise."""
        teams = {bot_token: team for team, bot_token in self.oauth_codes.values()}
        user = {
            "id": params["user"],
            "team_id": teams.get(token or "", "T-TEAM"),
            "name": params["user"].lower(),
            "deleted": False,
            "is_admin": False,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": False,
        }
        user.update(self.users.get(params["user"], {}))
        return {"ok": True, "user": user}

    def _oauth(self, method: str, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        """Answer the OAuth exchange and auth.test as Slack does, for the codes it handed out."""
        teams = {bot_token: team for team, bot_token in self.oauth_codes.values()}
        if method == "auth.test":
            if token not in teams:
                return {"ok": True}
            team = teams[token]
            return {
                "ok": True,
                "enterprise_id": self.enterprises.get(team),
                "team_id": team,
                "team": f"Team {team}",
                "user_id": f"UB{team}",
                "bot_id": f"B{team}",
                "url": f"https://{team.lower()}.slack.com/",
            }
        if params.get("code") not in self.oauth_codes:
            return {"ok": False, "error": "invalid_code"}
        team, bot_token = self.oauth_codes[params["code"]]
        # oauth.v2.access's answer, as api.slack.com/methods/oauth.v2.access shows it.
        return {
            "ok": True,
            "access_token": bot_token,
            "token_type": "bot",
            "scope": "commands,chat:write",
            "bot_user_id": f"UB{team}",
            "app_id": "A-PAUSEWATCH",
            "team": {"name": f"Team {team}", "id": team},
            "enterprise": (
                {"id": self.enterprises[team], "name": "Grid"} if team in self.enterprises else None
            ),
            "authed_user": {"id": f"U-INSTALLER-{team}"},
            "is_enterprise_install": False,
        }

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "chat.postMessage":
            metadata = params.get("metadata")
            if isinstance(metadata, str):
                metadata = json.loads(metadata)
            ts = f"1720000000.{next(self._ts):06d}"
            message = {"ts": ts, "text": params.get("text"), "metadata": metadata}
            self.history[params["channel"]].insert(0, message)
            return {"ok": True, "channel": params["channel"], "ts": ts, "message": message}
        if method == "chat.update":
            return self._update(params)
        if method == "conversations.history":
            return self._history_page(params)
        if method == "conversations.info":
            channel = params["channel"]
            found = self.channels.get(channel, {"id": channel, "is_member": True})
            if "error" in found:
                return {"ok": False, "error": found["error"]}
            return {"ok": True, "channel": found}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ts)}"
            self.pending_files[file_id] = params["filename"]
            return {"ok": True, "upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}
        if method == "apps.connections.open":
            return {"ok": True, "url": f"{self.base.replace('http', 'ws')}/socket"}
        if method == "files.completeUploadExternal":
            return self._complete_upload(params)
        return {"ok": True}

    def _update(self, params: dict[str, Any]) -> dict[str, Any]:
        """Edit a posted message in place, as Slack does; an unknown ts is not found."""
        for message in self.history[params["channel"]]:
            if message["ts"] == params.get("ts"):
                message["text"] = params.get("text")
                message["blocks"] = params.get("blocks")
                return {"ok": True, "channel": params["channel"], "ts": message["ts"]}
        return {"ok": False, "error": "message_not_found"}

    def _history_page(self, params: dict[str, Any]) -> dict[str, Any]:
        messages = self.history[params["channel"]]
        size = self.history_page_size or len(messages) or 1
        start = int(params.get("cursor") or 0)
        page = messages[start : start + size]
        more = start + size < len(messages)
        answer: dict[str, Any] = {"ok": True, "messages": page, "has_more": more}
        if more:
            answer["response_metadata"] = {"next_cursor": str(start + size)}
        return answer

    def _complete_upload(self, params: dict[str, Any]) -> dict[str, Any]:
        files = params.get("files")
        if isinstance(files, str):
            files = json.loads(files)
        shared = [{"id": f["id"], "name": self.pending_files.pop(f["id"])} for f in files]
        if params.get("channel_id"):
            # Slack shares the file in the channel as a message of its own.
            ts = f"1720000000.{next(self._ts):06d}"
            self.history[params["channel_id"]].insert(0, {"ts": ts, "files": shared})
        return {"ok": True, "files": shared}

    def shared_files(self, channel: str) -> list[str]:
        """Return the names of the files shared in a channel, oldest first."""
        return [f["name"] for m in reversed(self.history[channel]) for f in m.get("files", ())]

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self.sockets.append(socket)
        self._socket_requests.append(request)
        await socket.send_json({"type": "hello", "num_connections": 1})
        async for message in socket:
            if message.type == web.WSMsgType.TEXT:
                self.acknowledged.append(json.loads(message.data))
        return socket

    async def push(self, envelope: dict[str, Any]) -> None:
        """Send an envelope to the bot over its Socket Mode connection."""
        await self.sockets[-1].send_json(envelope)

    def drop(self) -> None:
        """Cut the newest Socket Mode connection without a closing handshake (a lost network)."""
        transport = self._socket_requests[-1].transport
        assert transport is not None
        transport.abort()

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads[request.match_info["file_id"]] = await request.read()
        return web.Response(text="OK")

    async def _response(self, request: web.Request) -> web.Response:
        self.responses.append({"name": request.match_info["name"], **(await request.json())})
        return web.Response(text="ok")
