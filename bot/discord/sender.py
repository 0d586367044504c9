"""Post outbox messages to Discord through discord.py's HTTP client, each exactly once.

A review's edits (decided, or a newer version) edit the message it was posted as.
"""

from __future__ import annotations

import contextlib
import io

import aiohttp
import discord
from discord.http import HTTPClient, handle_message_parameters

from bot.commands.review_messages import (
    POSTED,
    REVIEW,
    REVIEW_EDIT,
    Originals,
    original_key,
)
from bot.discord.answer import NO_MENTIONS
from bot.discord.render import render_embed
from bot.discord.review import review_view
from bot.notify.delivery import MESSAGE_PART, DeliveryError, Outgoing, Progress

# Answers no retry can change; 403 and 404 have their own messages below.
PERMANENT_STATUSES = frozenset({400, 401, 405, 413})


def nonce(message: Outgoing) -> str:
    """Return the message nonce: discord.py then sets enforce_nonce, so a retry after a lost
    response is not posted twice (Discord remembers a nonce for a few minutes)."""
    return f"pausewatch-{message.id}"


class DiscordSender:
    """Send outbox messages with an embed and the chart as an attached file.

    A review message's id is kept with it when posted, so that its edits (kind
    "review-edit": decided, or a newer version) can edit it; `originals` finds it.
    """

    platform = "discord"

    def __init__(self, http: HTTPClient, originals: Originals | None = None) -> None:
        self.http = http
        self.originals = originals

    async def send(self, message: Outgoing, progress: Progress) -> None:
        """Post the embed and its files in one request (or edit a review's message); raise
        DeliveryError saying whether trying again can help."""
        try:
            if message.kind == REVIEW_EDIT:
                await self._edit(message, progress)
            else:
                await self._post(message, progress)
        except discord.Forbidden as error:
            raise DeliveryError(
                f"Discord refused: missing permissions ({error.text}); give the bot View Channel, "
                "Send Messages, Embed Links and Attach Files in that channel",
                permanent=True,
            ) from None
        except discord.NotFound:
            raise DeliveryError(
                "Discord refused: the channel was deleted or the id is wrong", permanent=True
            ) from None
        except discord.HTTPException as error:
            if error.status in PERMANENT_STATUSES:
                # The request itself was refused (50035: a field Discord will not take; 401: the
                # token): the same request can only be refused again.
                raise DeliveryError(
                    f"Discord refused the message ({error.status}, code {error.code}): "
                    f"{error.text or 'no reason given'}",
                    permanent=True,
                ) from None
            # discord.py itself waits out 429s and retries 5xx a few times; this is what is left.
            raise DeliveryError(f"Discord error {error.status}: {error.text}") from None
        except (aiohttp.ClientError, OSError) as error:
            raise DeliveryError(f"Discord could not be reached: {error!r}") from None
        except ValueError:
            raise DeliveryError(
                f"{message.channel!r} is not a Discord channel id", permanent=True
            ) from None

    async def _post(self, message: Outgoing, progress: Progress) -> None:
        reply = message.reply
        files = [
            discord.File(io.BytesIO(attachment.content), filename=attachment.filename)
            for attachment in reply.attachments
        ]
        with handle_message_parameters(
            embed=render_embed(reply),
            files=files or discord.utils.MISSING,
            view=review_view(reply) if reply.actions else discord.utils.MISSING,
            nonce=nonce(message),
            allowed_mentions=NO_MENTIONS,
        ) as params:
            posted = await self.http.send_message(int(message.channel), params=params)
        if message.kind == REVIEW and posted.get("id"):
            await progress(f"{POSTED}{posted['id']}")
        await progress(MESSAGE_PART)

    async def _edit(self, message: Outgoing, progress: Progress) -> None:
        """Edit the review message: its embed, and its buttons (none once decided); one never
        posted, or deleted since, has nothing to edit."""
        if self.originals is None:
            raise DeliveryError("this sender cannot edit messages", permanent=True)
        original = await self.originals(original_key(message.key))
        if original.waiting:
            raise DeliveryError("the review message to edit is not posted yet")
        if original.posted_id is not None:
            reply = message.reply
            # A message deleted in the channel since has nothing left to edit.
            with (
                handle_message_parameters(
                    embed=render_embed(reply),
                    view=review_view(reply) if reply.actions else None,
                    allowed_mentions=NO_MENTIONS,
                ) as params,
                contextlib.suppress(discord.NotFound),
            ):
                await self.http.edit_message(
                    int(message.channel), int(original.posted_id), params=params
                )
        await progress(MESSAGE_PART)
