"""The App Home tab: per series, days since the last incident, the pause against the record."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands.core import Caller, Core
from bot.commands.replies import Reply
from bot.slack.render import render_blocks

log = logging.getLogger(__name__)
HOME_QUESTIONS = ("since", "pause", "last 5")
BLOCK_LIMIT = 100  # Slack's limit for one view


def home_view(sections: list[tuple[str, list[Reply]]]) -> dict[str, Any]:
    """Lay out the Home tab: a header per series, then its answers."""
    blocks: list[dict[str, Any]] = []
    for series, replies in sections:
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": series}})
        for reply in replies:
            answer = render_blocks(reply)
            # Within a series the answers' own headlines read better as bold lines.
            headline = answer[0]["text"]["text"]
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*{headline}*"}})
            blocks.extend(answer[1:])
        blocks.append({"type": "divider"})
    return {"type": "home", "blocks": blocks[:BLOCK_LIMIT]}


class HomeTab:
    """Publish the Home tab to the people who opened it, and again when incidents change."""

    def __init__(self, core: Core, client: AsyncWebClient) -> None:
        self.core = core
        self.client = client
        self.viewers: set[str] = set()
        self._refreshing: set[asyncio.Task[None]] = set()

    async def view(self) -> dict[str, Any]:
        """Build the Home tab from the command core's own answers."""
        names = await self.core.series_names()
        reader = Caller("home", is_admin=False, platform="slack", channel="home")
        sections = []
        for name in names:
            replies = [await self.core.handle(f"{q} {name}", reader) for q in HOME_QUESTIONS]
            sections.append((name, replies))
        return home_view(sections)

    async def publish(self, user: str) -> None:
        """Show the Home tab to one person."""
        self.viewers.add(user)
        await self.client.views_publish(user_id=user, view=await self.view())

    async def refresh(self) -> None:
        """Publish the Home tab again to everyone who has opened it."""
        if not self.viewers:
            return
        view = await self.view()
        for user in sorted(self.viewers):
            try:
                await self.client.views_publish(user_id=user, view=view)
            except SlackApiError as error:
                log.warning("could not refresh the Home tab of %s: %s", user, error)

    def refresh_soon(self) -> None:
        """Refresh in the background (called after a write, which must not wait for Slack)."""
        task = asyncio.get_running_loop().create_task(self.refresh())
        # The loop keeps only a weak reference to a task: hold it until it is done.
        self._refreshing.add(task)
        task.add_done_callback(self._refreshed)

    def _refreshed(self, task: asyncio.Task[None]) -> None:
        self._refreshing.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("refreshing the Home tab failed", exc_info=task.exception())
