"""The App Home tab: per series, days since the last incident, the pause against the record.

Each workspace's tab shows the series its team sees (the shared ones and its own), and is
published with that workspace's token: with many workspaces, a refresh after a write finds
each viewer's token in the installations (`tokens`), and forgets the viewers of a workspace
that removed the app. The operators also see the alerts and digests that could not be posted,
and why: a channel that removed the app, or was archived, is found there instead of failing
unseen.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands.core import Caller, Core, FailedDelivery
from bot.commands.teams import place_team
from bot.domain.replies import Reply, channel_ref
from bot.domain.wording import day_text
from bot.slack.installs import team_token
from bot.slack.render import render_blocks
from bot.slack.text import fit

log = logging.getLogger(__name__)
HOME_QUESTIONS = ("since", "pause", "last 5")
BLOCK_LIMIT = 100  # Slack's limit for one view
FAILURES_SHOWN = 10
Tokens = Callable[[str], Awaitable[str | None]]  # a workspace id → its bot token, if installed
Sections = list[tuple[str, list[Reply]]]


def home_view(
    sections: list[tuple[str, list[Reply]]], failures: list[FailedDelivery] | None = None
) -> dict[str, Any]:
    """Lay the Home tab out: failed deliveries first (admins only), then a header per series."""
    blocks: list[dict[str, Any]] = failures_blocks(failures) if failures else []
    for series, replies in sections:
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": fit(series, 150)}})
        for reply in replies:
            answer = render_blocks(reply)
            # Within a series the answers' own headlines read better as bold lines.
            headline = answer[0]["text"]["text"]
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*{headline}*"}})
            blocks.extend(answer[1:])
        blocks.append({"type": "divider"})
    return {"type": "home", "blocks": blocks[:BLOCK_LIMIT]}


def failures_blocks(failures: list[FailedDelivery]) -> list[dict[str, Any]]:
    """Say which alerts and digests could not be posted, where, why, and how to resend one."""
    lines = [
        fit(
            f"• #{f.id}, {f.kind} of {day_text(f.queued_at.date())} to "
            f"{channel_ref(f.channel)}: {f.error or 'no reason given'}",
            280,  # ten of them, and the hint, stay within one section
        )
        for f in failures
    ]
    lines.append(
        "Fix the channel (`/invite @pausewatch`), then `pausewatch outbox retry ID` sends it again."
    )
    return [
        {"type": "header", "text": {"type": "plain_text", "text": "Not delivered"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}},
        {"type": "divider"},
    ]


class HomeTab:
    """Publish the Home tab to the people who opened it, and again when incidents change."""

    def __init__(self, core: Core, client: AsyncWebClient, tokens: Tokens | None = None) -> None:
        self.core = core
        self.client = client
        # With many workspaces, each one's bot token (set by build_app); None: the client's own.
        self.tokens = tokens
        self.viewers: set[tuple[str | None, str]] = set()  # (workspace, user)
        self._refreshing: set[asyncio.Task[None]] = set()

    async def sections(self, workspace: str | None = None) -> Sections:
        """Ask the command core the Home tab's questions, for every series the workspace sees."""
        team = place_team("slack", workspace)
        names = await self.core.series_names(team)
        reader = Caller("home", is_admin=False, platform="slack", channel="home", team=team)
        sections = []
        for name in names:
            replies = [await self.core.handle(f"{q} {name}", reader) for q in HOME_QUESTIONS]
            sections.append((name, replies))
        return sections

    async def view(self, user: str, workspace: str | None = None) -> dict[str, Any]:
        """Build one person's Home tab (an operator's shows what failed to post)."""
        return await self._view(user, await self.sections(workspace))

    async def _view(self, user: str, sections: Sections) -> dict[str, Any]:
        failures = None
        # The failures of every workspace: shown to the install's operators alone.
        if self.core.settings.is_admin(user):
            failures = await self.core.failed_deliveries("slack", FAILURES_SHOWN)
        return home_view(sections, failures)

    async def publish(self, user: str, workspace: str | None = None) -> None:
        """Show the Home tab to one person (called with their workspace's token in use)."""
        self.viewers.add((workspace, user))
        await self.client.views_publish(user_id=user, view=await self.view(user, workspace))

    async def refresh(self) -> None:
        """Publish the Home tab again to everyone who has opened it, workspace by workspace."""
        for workspace in sorted({w for w, _ in self.viewers}, key=lambda w: w or ""):
            await self._refresh(workspace)

    async def _refresh(self, workspace: str | None) -> None:
        users = sorted(user for w, user in self.viewers if w == workspace)
        using: contextlib.AbstractContextManager[None] = contextlib.nullcontext()
        if self.tokens is not None:
            token = None if workspace is None else await self.tokens(workspace)
            if token is None:  # the workspace removed the app: nobody there to show it to
                self.viewers -= {(workspace, user) for user in users}
                return
            using = team_token(token)
        sections = await self.sections(workspace)
        with using:
            for user in users:
                try:
                    await self.client.views_publish(
                        user_id=user, view=await self._view(user, sections)
                    )
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
