"""Slack's HTTP endpoint: each request is verified before anything in it is read, then handed on.

Bolt verifies every request it is given (its own RequestVerification middleware, on the bot's
clock: bot/slack/verify.py), but cannot be the first check: AsyncBoltRequest parses the body in
its constructor, before any middleware runs. So the handler at POST /slack/events keeps a guard
in front, asking the verifier Bolt uses about the raw bytes (anything unsigned, stale or forged:
401). Only then is the body read, keeping the fields of the kinds of request pausewatch
answers, each of the type Slack documents (anything else: 400); Bolt gets that checked body,
with the bytes Slack signed and their signature headers, and checks the signature again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.slack.verify import Refused, bolt_verifier, guard

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
HANDLED_EVENTS = frozenset(
    {"app_home_opened", "app_mention", "message", "app_uninstalled", "tokens_revoked"}
)
_MAX_FORM_FIELDS = 100
MAX_BLOCKS = 50  # blocks in a message, as Slack allows
# The slash command's fields (all text, as Slack sends them).
COMMAND_FIELDS = (
    "command",
    "text",
    "user_id",
    "user_name",
    "channel_id",
    "channel_name",
    "team_id",
    "team_domain",
    "enterprise_id",
    "api_app_id",
    "trigger_id",
    "response_url",
    "is_enterprise_install",
)
PASSED_HEADERS = ("x-slack-signature", "x-slack-request-timestamp", "x-slack-retry-num")


def _malformed(what: str) -> Refused:
    return Refused(400, f"a signed request with a malformed body: {what}")


def read_body(raw: bytes, content_type: str) -> dict[str, Any]:
    """Read a verified body: JSON (events) or a form (commands; `payload=` for interactions)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _malformed("not UTF-8") from None
    if content_type == "application/json" or text.startswith("{"):
        data = _json(text, "the body")
    else:
        try:
            form = dict(parse_qsl(text, keep_blank_values=True, max_num_fields=_MAX_FORM_FIELDS))
        except ValueError:
            raise _malformed("too many form fields") from None
        data = _json(form["payload"], "payload") if "payload" in form else form
    if not isinstance(data, dict):
        raise _malformed(f"a JSON {type(data).__name__}, not an object")
    return data


def _json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise _malformed(f"{what} is not JSON") from None


def _text(data: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value):
        raise _malformed(f"`{key}` is {'missing or ' if required else ''}not text")
    return value


def _object(data: dict[str, Any], key: str, *, required: bool = False) -> dict[str, Any] | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, dict):
        raise _malformed(f"`{key}` is {'missing or ' if required else ''}not an object")
    return value


def _texts(data: dict[str, Any], *keys: str) -> dict[str, str]:
    """Keep the given fields that are present, each checked to be text."""
    return {key: value for key in keys if (value := _text(data, key)) is not None}


def _user(data: dict[str, Any]) -> dict[str, str]:
    user = _object(data, "user", required=True)
    assert user is not None
    return {"id": _text(user, "id", required=True) or "", **_texts(user, "team_id", "name")}


def _team(data: dict[str, Any]) -> dict[str, dict[str, str]]:
    team = _object(data, "team")
    return {} if team is None else {"team": _texts(team, "id", "domain")}


def _element(element: Any) -> dict[str, Any]:
    if not isinstance(element, dict):
        raise _malformed("a submitted value is not an object")
    kept: dict[str, Any] = _texts(element, "type", "value", "selected_date")
    option = _object(element, "selected_option")
    if option is not None:
        kept["selected_option"] = {"value": _text(option, "value", required=True)}
    return kept


def _view(data: dict[str, Any]) -> dict[str, Any]:
    view = _object(data, "view", required=True)
    assert view is not None
    kept: dict[str, Any] = _texts(view, "id", "type", "callback_id", "private_metadata", "hash")
    for key in ("type", "callback_id"):
        if key not in kept:
            raise _malformed(f"`view.{key}` is missing")
    state = _object(view, "state") or {}
    values = _object(state, "values") or {}
    blocks: dict[str, dict[str, Any]] = {}
    for block_id, actions in values.items():
        if not isinstance(actions, dict):
            raise _malformed("a submitted block is not an object")
        blocks[block_id] = {action: _element(element) for action, element in actions.items()}
    kept["state"] = {"values": blocks}
    return kept


def _interaction(data: dict[str, Any]) -> dict[str, Any] | None:
    """Keep the fields of an interaction pausewatch answers; None for one it does not."""
    kind = data.get("type")
    if kind == "view_submission":
        return {
            "type": kind,
            "user": _user(data),
            "view": _view(data),
            **_team(data),
            **_texts(data, "trigger_id", "api_app_id"),
        }
    if kind == "block_actions":
        return _block_actions(data)
    if kind == "block_suggestion":
        view = _object(data, "view")
        return {
            "type": kind,
            "action_id": _text(data, "action_id", required=True),
            "block_id": _text(data, "block_id") or "",
            "value": _text(data, "value") or "",
            "user": _user(data),
            **_team(data),
            **({"view": _texts(view, "id", "type", "callback_id")} if view is not None else {}),
        }
    return None


def _block_actions(data: dict[str, Any]) -> dict[str, Any]:
    """Keep a button click's fields: who, where, which button with its value, where to answer."""
    actions = data.get("actions")
    if not isinstance(actions, list) or not actions:
        raise _malformed("`actions` is missing or not a list")
    kept_actions = []
    for action in actions[:5]:
        if not isinstance(action, dict):
            raise _malformed("an action is not an object")
        checked = _texts(action, "type", "block_id", "value", "action_ts")
        checked["action_id"] = _text(action, "action_id", required=True) or ""
        kept_actions.append(checked)
    channel = _object(data, "channel")
    container = _object(data, "container")
    # The clicked message: a choice is answered in the thread it was offered in, and the
    # offer is drawn again (its text and blocks) without its buttons.
    message = _object(data, "message")
    return {
        "type": "block_actions",
        "user": _user(data),
        "actions": kept_actions,
        **_team(data),
        **_texts(data, "trigger_id", "api_app_id", "response_url"),
        **({"channel": _texts(channel, "id", "name")} if channel is not None else {}),
        **(
            {"container": _texts(container, "type", "channel_id", "message_ts", "thread_ts")}
            if container is not None
            else {}
        ),
        **({"message": _message(message)} if message is not None else {}),
    }


def _message(message: dict[str, Any]) -> dict[str, Any]:
    """Keep a clicked message's place, its text and its blocks (objects, at most 50)."""
    kept: dict[str, Any] = _texts(message, "ts", "thread_ts", "text")
    blocks = message.get("blocks")
    if blocks is not None:
        if not isinstance(blocks, list) or len(blocks) > MAX_BLOCKS:
            raise _malformed("`message.blocks` is not a list of at most 50 blocks")
        if not all(isinstance(block, dict) for block in blocks):
            raise _malformed("a block of the message is not an object")
        kept["blocks"] = blocks
    return kept


def _event(data: dict[str, Any]) -> dict[str, Any]:
    event = _object(data, "event", required=True)
    assert event is not None
    kept: dict[str, Any] = _texts(
        event,
        "type",
        "user",
        "tab",
        "channel",
        "channel_type",
        "text",
        "ts",
        "thread_ts",
        "bot_id",
        "subtype",
    )
    if "type" not in kept:
        raise _malformed("`event.type` is missing")
    tokens = _object(event, "tokens")
    if tokens is not None:  # tokens_revoked: the users' and the bot's revoked
        kept["tokens"] = {kind: _ids(tokens, kind) for kind in ("oauth", "bot") if kind in tokens}
    return {
        "type": "event_callback",
        "event": kept,
        **_texts(data, "team_id", "api_app_id", "event_id", "enterprise_id"),
    }


def _ids(data: dict[str, Any], key: str) -> list[str]:
    value = data.get(key)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _malformed(f"`{key}` is not a list of ids")
    return value


def _command(data: dict[str, Any]) -> dict[str, Any]:
    for key in ("command", "user_id", "channel_id"):
        _text(data, key, required=True)
    return _texts(data, *COMMAND_FIELDS)


class SlackEndpoint:
    """The aiohttp handler of POST /slack/events: guard, read, then let Bolt verify and answer."""

    def __init__(self, bolt: AsyncApp) -> None:
        self.bolt = bolt
        self.verifier = bolt_verifier(bolt)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Answer one request from Slack; anything not verified gets 401 and nothing else."""
        try:
            raw = await request.read()
            headers = request.headers
            guard(
                self.verifier,
                raw,
                headers.get("X-Slack-Request-Timestamp", ""),
                headers.get("X-Slack-Signature", ""),
            )
            body = self._checked(read_body(raw, request.content_type))
        except Refused as refusal:
            log.warning("refused a request from %s: %s", request.remote, refusal)
            return web.json_response({"error": str(refusal)}, status=refusal.status)
        if body is None:
            return web.Response(status=200)
        passed = {name: headers[name] for name in PASSED_HEADERS if name in headers}
        bolt_request = AsyncBoltRequest(
            body=json.dumps(body),
            query=request.query_string,
            headers={**passed, "content-type": "application/json"},
        )
        # Listeners get the checked body; Bolt's verification reads raw_body, and only it
        # (and lazy listeners, which pausewatch has none of): give it the bytes Slack signed.
        bolt_request.raw_body = raw.decode("utf-8")
        return await to_aiohttp_response(await self.bolt.async_dispatch(bolt_request))

    def _checked(self, data: dict[str, Any]) -> dict[str, Any] | None:
        """Return the body Bolt gets, or None for a request acknowledged here and not handed on."""
        if "command" in data:
            return _command(data)
        if "ssl_check" in data:
            return _texts(data, "ssl_check", "token")
        kind = data.get("type")
        if kind == "url_verification":
            return {"type": kind, "challenge": _text(data, "challenge", required=True)}
        if kind == "app_rate_limited":
            # Slack sends it unasked, when the app passed 30,000 events an hour; it counts
            # every answer but 200 as a failure.
            log.warning(
                "Slack is holding back events: rate limited in minute %s",
                data.get("minute_rate_limited"),
            )
            return None
        if kind == "event_callback":
            event = _event(data)
            if event["event"]["type"] not in HANDLED_EVENTS:
                log.info("ignored a %s event", event["event"]["type"])
                return None
            return event
        if not isinstance(kind, str):
            raise _malformed("neither a command, an event nor an interaction")
        checked = _interaction(data)
        if checked is None:
            raise Refused(404, f"not a kind of request pausewatch answers ({str(kind)[:40]!r})")
        return checked


class InstallEndpoint:
    """GET /slack/install and /slack/oauth_redirect: Bolt's OAuth flow, with many workspaces.

    A person's browser asks these, not Slack: nothing is signed, so no signature guard. The
    flow checks the state it issued itself (stored, and in the browser's cookie).
    """

    def __init__(self, flow: AsyncOAuthFlow) -> None:
        self.flow = flow

    def _request(self, request: web.Request) -> AsyncBoltRequest:
        headers: dict[str, str | Sequence[str]] = {
            name.lower(): value for name, value in request.headers.items()
        }
        return AsyncBoltRequest(body="", query=request.query_string, headers=headers)

    async def install(self, request: web.Request) -> web.StreamResponse:
        """Send the browser to Slack's authorize page, with a new state."""
        return await to_aiohttp_response(
            await self.flow.handle_installation(self._request(request))
        )

    async def redirect(self, request: web.Request) -> web.StreamResponse:
        """Take Slack's code back: exchange it for the team's token and store the installation."""
        return await to_aiohttp_response(await self.flow.handle_callback(self._request(request)))


def add_slack_routes(web_app: web.Application, bolt: AsyncApp, *, path: str = EVENTS_PATH) -> None:
    """Answer Slack at POST `path` on any aiohttp application (it may serve other routes too).

    Requests are verified with Bolt's own verifier: its secret and its clock (`use_clock`).
    With many workspaces (Bolt's OAuth flow), the install link and its redirect are served too.
    """
    web_app.router.add_post(path, SlackEndpoint(bolt).handle)
    flow = bolt.oauth_flow
    if flow is not None:
        endpoint = InstallEndpoint(flow)
        web_app.router.add_get(flow.install_path, endpoint.install)
        web_app.router.add_get(flow.redirect_uri_path, endpoint.redirect)


async def serve(web_app: web.Application, host: str, port: int) -> web.AppRunner:
    """Serve an aiohttp application; return the runner, to stop it later."""
    runner = web.AppRunner(web_app)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


def bound_port(runner: web.AppRunner) -> int:
    """Return the port a runner listens on (useful when it was given port 0)."""
    return int(runner.addresses[0][1])
