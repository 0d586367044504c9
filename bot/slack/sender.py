"""Post outbox messages to Slack: chat.postMessage with Block Kit, charts by files_upload_v2.

A review's edits (decided, or a newer version) chat.update the message it was posted as.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands.review_messages import (
    POSTED,
    REVIEW,
    REVIEW_EDIT,
    Originals,
    original_key,
)
from bot.notify.delivery import MESSAGE_PART, DeliveryError, Outgoing, Progress, file_part
from bot.slack.installs import TeamTokens, team_token
from bot.slack.render import fallback_text, render_blocks

METADATA_EVENT = "pausewatch_outbox"
# Errors that no retry can mend, with what a person must do: fix the channel, the invitation,
# the token, or (for the message's own faults) report it. They fail at once, with the reason.
PERMANENT_ERRORS = {
    "channel_not_found": "the channel was deleted, or the id is wrong",
    "not_in_channel": "invite the app to the channel (/invite @pausewatch)",
    "is_archived": "the channel is archived",
    "channel_is_archived": "the channel is archived",
    "restricted_action": "the workspace does not let the app post there",
    "restricted_action_read_only_channel": "the channel is read-only",
    "restricted_action_thread_only_channel": "the channel takes replies in threads only",
    "restricted_action_non_threadable_channel": "the channel does not take this message",
    "cannot_reply_to_message": "the channel does not take this message",
    "ekm_access_denied": "the workspace's key management refused it",
    "team_access_not_granted": "the app is not installed in that workspace",
    "invalid_auth": "check the app's token and scopes",
    "not_authed": "check the app's token and scopes",
    "token_revoked": "check the app's token and scopes",
    "token_expired": "check the app's token and scopes",
    "account_inactive": "check the app's token and scopes",
    "not_allowed_token_type": "check the app's token and scopes",
    "missing_scope": "check the app's token and scopes",
    "no_permission": "check the app's token and scopes",
    "invalid_blocks": "the message's blocks were refused: please report it",
    "invalid_blocks_format": "the message's blocks were refused: please report it",
    "msg_blocks_too_long": "the message is too long for Slack: please report it",
    "msg_too_long": "the message is too long for Slack: please report it",
    "no_text": "the message was empty: please report it",
    "too_many_attachments": "the message has too many attachments: please report it",
    "invalid_metadata_format": "the message's metadata was refused: please report it",
    "invalid_metadata_schema": "the message's metadata was refused: please report it",
    "metadata_too_large": "the message's metadata was refused: please report it",
    "metadata_must_be_sent_from_app": "the message's metadata was refused: please report it",
    "invalid_arguments": "Slack refused the request's arguments: please report it",
    "invalid_arg_name": "Slack refused the request's arguments: please report it",
    "invalid_array_arg": "Slack refused the request's arguments: please report it",
    "invalid_charset": "Slack refused the request's arguments: please report it",
    "invalid_form_data": "Slack refused the request's arguments: please report it",
    "invalid_post_type": "Slack refused the request's arguments: please report it",
    "invalid_channel": "the channel id is wrong",
    "file_uploads_disabled": "the workspace does not allow file uploads",
    "file_upload_size_restricted": "the chart is larger than the workspace allows",
    "method_deprecated": "the Web API method is gone: please report it",
    "cant_update_message": "Slack does not let the app edit that message",
    "edit_window_closed": "the workspace no longer lets that message be edited",
}
HISTORY_LOOKBACK = 200
HISTORY_PAGES = 10  # at most 2,000 messages since it was queued


class SlackSender:
    """Send outbox messages through Slack's Web API, never posting one twice.

    A review message's ts is kept with it when posted, so that its edits (kind
    "review-edit": decided, or a newer version) can chat.update it; `originals` finds it.
    """

    platform = "slack"

    def __init__(
        self,
        client: AsyncWebClient,
        originals: Originals | None = None,
        *,
        tokens: TeamTokens | None = None,
    ) -> None:
        """With many workspaces, `tokens` gives the token of each message's team (the client
        is then a TeamClient); with one, the client's own token serves every message."""
        self.client = client
        self.originals = originals
        self.tokens = tokens

    async def send(self, message: Outgoing, progress: Progress) -> None:
        """Post the message, then each chart, skipping the parts an earlier attempt posted;
        or, for a review's edit, edit the message the review was posted as."""
        if self.tokens is None:
            await self._send(message, progress)
            return
        with team_token(await self.tokens.for_message(message.id)):
            await self._send(message, progress)

    async def _send(self, message: Outgoing, progress: Progress) -> None:
        try:
            if message.kind == REVIEW_EDIT:
                await self._edit(message, progress)
            else:
                await self._post(message, progress)
        except SlackApiError as error:
            raise _delivery_error(error) from None
        except (TimeoutError, aiohttp.ClientError) as error:
            raise DeliveryError(f"Slack could not be reached: {error!r}") from None

    async def _post(self, message: Outgoing, progress: Progress) -> None:
        reply = message.reply
        if MESSAGE_PART not in message.done:
            # chat.postMessage has no idempotency key: an earlier attempt may have posted
            # it and died before saying so. Its metadata names the outbox message.
            ts = await self._already_posted(message) if message.attempts > 1 else None
            if ts is None:
                posted = await self.client.chat_postMessage(
                    channel=message.channel,
                    text=fallback_text(reply),
                    blocks=render_blocks(reply),
                    metadata={
                        "event_type": METADATA_EVENT,
                        "event_payload": {"outbox_id": message.id},
                    },
                )
                ts = posted.get("ts")
            if message.kind == REVIEW and ts:
                await progress(f"{POSTED}{ts}")
            await progress(MESSAGE_PART)
        for attachment in reply.attachments:
            part = file_part(attachment.filename)
            if part in message.done:
                continue
            if not (message.attempts > 1 and await self._file_posted(message, attachment.filename)):
                await self.client.files_upload_v2(
                    channel=message.channel,
                    content=attachment.content,
                    filename=attachment.filename,
                    title=reply.headline,
                )
            await progress(part)

    async def _edit(self, message: Outgoing, progress: Progress) -> None:
        """chat.update the review message; one never posted (or deleted since) has nothing
        to edit."""
        if self.originals is None:
            raise DeliveryError("this sender cannot edit messages", permanent=True)
        original = await self.originals(original_key(message.key))
        if original.waiting:
            raise DeliveryError("the review message to edit is not posted yet")
        if original.posted_id is not None:
            try:
                await self.client.chat_update(
                    channel=message.channel,
                    ts=original.posted_id,
                    text=fallback_text(message.reply),
                    blocks=render_blocks(message.reply),
                )
            except SlackApiError as error:
                if error.response.get("error") != "message_not_found":
                    raise
        await progress(MESSAGE_PART)

    async def _history(self, message: Outgoing) -> list[dict[str, Any]]:
        """Read the channel's messages since this one was queued, every page of them."""
        found: list[dict[str, Any]] = []
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            page = await self.client.conversations_history(
                channel=message.channel,
                oldest=f"{message.queued_at.timestamp():.6f}",
                include_all_metadata=True,
                limit=HISTORY_LOOKBACK,
                cursor=cursor,
            )
            found.extend(page.get("messages", []))
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not page.get("has_more") or not cursor:
                break
        return found

    async def _already_posted(self, message: Outgoing) -> str | None:
        """Return the ts of this message if an earlier attempt posted it."""
        for posted in await self._history(message):
            metadata: dict[str, Any] = posted.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if (
                metadata.get("event_type") == METADATA_EVENT
                and payload.get("outbox_id") == message.id
            ):
                return str(posted["ts"])
        return None

    async def _file_posted(self, message: Outgoing, filename: str) -> bool:
        for posted in await self._history(message):
            if any(f.get("name") == filename for f in posted.get("files") or ()):
                return True
        return False


def _delivery_error(error: SlackApiError) -> DeliveryError:
    response = error.response
    code = response.get("error", "") if isinstance(response.data, dict) else ""
    if response.status_code == 429:
        given = str(response.headers.get("Retry-After", response.headers.get("retry-after", "")))
        # Slack sends whole seconds; anything else waits one second rather than failing here.
        retry_after = float(given) if given.isascii() and given.isdigit() else 1.0
        return DeliveryError("Slack rate limit (429)", retry_after=retry_after)
    if code in PERMANENT_ERRORS:
        return DeliveryError(f"Slack refused: {code} ({PERMANENT_ERRORS[code]})", permanent=True)
    return DeliveryError(f"Slack error: {code or response.status_code}")
