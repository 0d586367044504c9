"""Post outbox messages to Slack: chat.postMessage with Block Kit, and charts by files_upload_v2."""

from __future__ import annotations

from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.notify.delivery import MESSAGE_PART, DeliveryError, Outgoing, Progress, file_part
from bot.slack.render import fallback_text, render_blocks

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
HISTORY_PAGES = 10  # at most 2,000 messages since it was queued


class SlackSender:
    """Send outbox messages through Slack's Web API, never posting one twice."""

    platform = "slack"

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def send(self, message: Outgoing, progress: Progress) -> None:
        """Post the message, then each chart, skipping the parts an earlier attempt posted."""
        reply = message.reply
        try:
            if MESSAGE_PART not in message.done:
                # chat.postMessage has no idempotency key: an earlier attempt may have posted
                # it and died before saying so. Its metadata names the outbox message.
                if not (message.attempts > 1 and await self._already_posted(message)):
                    await self.client.chat_postMessage(
                        channel=message.channel,
                        text=fallback_text(reply),
                        blocks=render_blocks(reply),
                        metadata={
                            "event_type": METADATA_EVENT,
                            "event_payload": {"outbox_id": message.id},
                        },
                    )
                await progress(MESSAGE_PART)
            for attachment in reply.attachments:
                part = file_part(attachment.filename)
                if part in message.done:
                    continue
                if not (
                    message.attempts > 1 and await self._file_posted(message, attachment.filename)
                ):
                    await self.client.files_upload_v2(
                        channel=message.channel,
                        content=attachment.content,
                        filename=attachment.filename,
                        title=reply.headline,
                    )
                await progress(part)
        except SlackApiError as error:
            raise _delivery_error(error) from None
        except (TimeoutError, aiohttp.ClientError) as error:
            raise DeliveryError(f"Slack could not be reached: {error!r}") from None

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

    async def _already_posted(self, message: Outgoing) -> bool:
        for posted in await self._history(message):
            metadata: dict[str, Any] = posted.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if (
                metadata.get("event_type") == METADATA_EVENT
                and payload.get("outbox_id") == message.id
            ):
                return True
        return False

    async def _file_posted(self, message: Outgoing, filename: str) -> bool:
        for posted in await self._history(message):
            if any(f.get("name") == filename for f in posted.get("files") or ()):
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
