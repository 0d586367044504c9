"""The add form's listeners: open it, serve its series menu as the admin types, record it.

The form is answered where it was opened, through the slash command's response URL carried in
the view's private metadata (that works in DMs and channels the app is not in), or, without
one, in the form itself.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.commands.command import Command
from bot.commands.core import Caller, Core
from bot.commands.teams import place_team
from bot.domain.fields import FieldError, parse_fields
from bot.domain.replies import Reply
from bot.slack.callers import Callers, workspace_of
from bot.slack.modal import (
    ADD_CALLBACK,
    SERIES_ACTION,
    FormOrigin,
    add_modal,
    answer_view,
    field_errors,
    series_options,
    submitted_values,
)
from bot.slack.render import fallback_text, render_blocks

log = logging.getLogger(__name__)


async def open_add_form(
    client: AsyncWebClient, core: Core, command: dict[str, Any], caller: Caller
) -> None:
    """Open the add form for the slash command that asked for it."""
    origin = FormOrigin(caller.channel, command.get("response_url") or None)
    today, _ = await core.words_for(caller)  # the day it is in the caller's channel
    view = add_modal(default_series=core.settings.default_series, today=today, origin=origin)
    await client.views_open(trigger_id=command["trigger_id"], view=view)


async def _post_to_response_url(url: str, reply: Reply) -> bool:
    """Answer through a response URL; say whether Slack took it."""
    try:
        response = await AsyncWebhookClient(url).send(
            text=fallback_text(reply), blocks=render_blocks(reply), response_type="ephemeral"
        )
    except (aiohttp.ClientError, TimeoutError) as error:
        log.warning("could not answer through the response URL: %r", error)
        return False
    if response.status_code != 200:
        log.warning("the response URL refused the answer: %s", response.status_code)
    return response.status_code == 200


async def _confirm(client: AsyncWebClient, origin: FormOrigin, user: str, reply: Reply) -> None:
    assert origin.response_url is not None
    if await _post_to_response_url(origin.response_url, reply):
        return
    try:
        await client.chat_postEphemeral(
            channel=origin.channel,
            user=user,
            blocks=render_blocks(reply),
            text=fallback_text(reply),
        )
    except SlackApiError as error:
        code = error.response.get("error")
        log.warning("could not confirm an add form to %s: %s", user, code)


def register(app: AsyncApp, core: Core, client: AsyncWebClient, callers: Callers) -> None:
    """Add the form's listeners to the Bolt app."""

    @app.options(SERIES_ACTION)
    async def on_series_typed(ack: Any, payload: dict[str, Any], body: dict[str, Any]) -> None:
        typed = payload.get("value")
        # The series the workspace's team sees: the shared ones and its own.
        team = place_team("slack", workspace_of(body))
        names = await core.series_names(team)
        await ack(options=series_options(names, typed if isinstance(typed, str) else ""))

    @app.view(ADD_CALLBACK)
    async def on_add_submitted(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        values = submitted_values(view["state"]["values"])
        user = body["user"]["id"]
        origin = FormOrigin.read(view.get("private_metadata"), user)
        caller = await callers.of(body, user=user, channel=origin.channel)
        today, _ = await core.words_for(caller)  # "yesterday" is the channel's
        errors = field_errors(values, today)
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        series = values.pop("series", "") or None
        fields = {name: text for name, text in values.items() if text.strip()}
        try:
            incident = parse_fields(fields, today=today)
        except FieldError as error:
            await ack(response_action="errors", errors={"date": str(error)})
            return
        command = Command(verb="add", series=series, incident=incident)
        # Slack keeps a view's id across its submissions: a replay is recorded once.
        key = f"slack:view:{view['id']}" if view.get("id") else None
        if origin.response_url is None:
            # Nowhere to answer but the form itself: record first, then show the answer in it.
            outcome = await core.execute_once(command, caller, request_key=key)
            if outcome.first_time:
                await ack(response_action="update", view=answer_view(outcome.reply))
            else:
                await ack()
            return
        await ack()
        outcome = await core.execute_once(command, caller, request_key=key)
        if outcome.first_time:  # a replay was stored, and told, the first time
            await _confirm(client, origin, user, outcome.reply)
