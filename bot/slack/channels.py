"""Whether the app can post in a channel, asked of Slack before a channel subscribes."""

from __future__ import annotations

import logging

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.replies import Reply, channel_ref

log = logging.getLogger(__name__)
# Slack's answers that mean the app cannot see the channel at all.
UNSEEN = {"channel_not_found", "not_in_channel"}
HOW_TO_INVITE = "Invite the app in that channel with `/invite @pausewatch`, then subscribe again."


async def posting_problem(client: AsyncWebClient, channel: str) -> Reply | None:
    """Return why alerts could not be posted in `channel`, or None when they can be.

    When Slack cannot say (an old install without the channels:read scope, a network error)
    the subscription goes ahead: a failed delivery is still shown on the Home tab.
    """
    try:
        answer = await client.conversations_info(channel=channel)
    except SlackApiError as error:
        code = error.response.get("error") if isinstance(error.response.data, dict) else None
        if code in UNSEEN:
            return Reply.error(
                f"pausewatch cannot see {channel_ref(channel)}, so it could not post alerts "
                "there: it is a private channel or a direct message the app is not in.",
                HOW_TO_INVITE + " A direct message between people cannot be subscribed.",
            )
        log.warning("could not check channel %s before subscribing: %s", channel, code)
        return None
    except (aiohttp.ClientError, TimeoutError) as error:
        log.warning("could not check channel %s before subscribing: %r", channel, error)
        return None
    info = answer.get("channel") or {}
    if info.get("is_archived"):
        return Reply.error(f"{channel_ref(channel)} is archived: nothing can be posted there.")
    if info.get("is_im") or info.get("is_member", True):
        return None
    return Reply.error(
        f"pausewatch is not a member of {channel_ref(channel)}, so it could not post alerts there.",
        HOW_TO_INVITE,
    )
