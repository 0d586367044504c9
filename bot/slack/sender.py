"""Post outbox messages to Slack: chat.postMessage with Block Kit, and charts by files_upload_v2."""

from __future__ import annotations

from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands.replies import Reply
from bot.notify.delivery import DeliveryError
from bot.slack.render import fallback_text, render_blocks
from storage.models import OutboxMessage

METADATA_EVENT = "pausewatch_outbox"
# Errors that no retry can mend: a person must fix the channel, the invitation or the token.
PERMANENT_ERRORS = {
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "invalid_auth",
    "not_authed",
    "token_revoked",
    "token_expired",
    "account_inactive",
    "missing_scope",
    "invalid_blocks",
    "msg_too_long",
}
HISTORY_LOOKBACK = 200


class SlackSender:
    """Send outbox messages through Slack's Web API, never posting one twice."""

    platform = "slack"

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def send(self, message: OutboxMessage, reply: Reply) -> None:
        """Post one message and its chart; raise DeliveryError saying whether to retry."""
        try:
            # chat.postMessage has no idempotency key: an earlier attempt may have posted it
            # and died before it was marked sent. Its metadata names the outbox message.
            if message.attempts > 1 and await self._already_posted(message):
                return
            await self.client.chat_postMessage(
                channel=message.channel,
                text=fallback_text(reply),
                blocks=render_blocks(reply),
                metadata={
                    "event_type": METADATA_EVENT,
                    "event_payload": {"outbox_id": message.id},
                },
            )
            for attachment in reply.attachments:
                await self.client.files_upload_v2(
                    channel=message.channel,
                    content=attachment.content,
                    filename=attachment.filename,
                    title=reply.headline,
                )
        except SlackApiError as error:
            raise _delivery_error(error) from None
        except (TimeoutError, aiohttp.ClientError) as error:
            raise DeliveryError(f"Slack could not be reached: {error!r}") from None

    async def _already_posted(self, message: OutboxMessage) -> bool:
        history = await self.client.conversations_history(
            channel=message.channel,
            oldest=f"{message.created_at.timestamp():.6f}",
            include_all_metadata=True,
            limit=HISTORY_LOOKBACK,
        )
        messages: list[dict[str, Any]] = history.get("messages", [])
        for posted in messages:
            metadata: dict[str, Any] = posted.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if (
                metadata.get("event_type") == METADATA_EVENT
                and payload.get("outbox_id") == message.id
            ):
                return True
        return False


def _delivery_error(error: SlackApiError) -> DeliveryError:
    response = error.response
    code = response.get("error", "") if isinstance(response.data, dict) else ""
    if response.status_code == 429:
        retry_after = float(
            response.headers.get("Retry-After", response.headers.get("retry-after", 1))
        )
        return DeliveryError("Slack rate limit (429)", retry_after=retry_after)
    if code in PERMANENT_ERRORS:
        hint = {
            "channel_not_found": "the channel was deleted, or the id is wrong",
            "not_in_channel": "invite the app to the channel (/invite @pausewatch)",
            "is_archived": "the channel is archived",
        }.get(code, "check the app's token and scopes")
        return DeliveryError(f"Slack refused: {code} ({hint})", permanent=True)
    return DeliveryError(f"Slack error: {code or response.status_code}")
