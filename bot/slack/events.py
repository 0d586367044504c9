"""The Events API listeners: the Home tab is drawn for whoever opens it."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.slack.callers import workspace_of
from bot.slack.home import HomeTab


class HomeOpened:
    """The app_home_opened listener, publishing the Home tab it was given."""

    def __init__(self, home: HomeTab) -> None:
        self.home = home

    async def on_home_opened(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        """Publish the Home tab when it is the tab opened (not Messages or About), for the
        workspace it was opened in (the envelope's team_id)."""
        if event.get("tab", "home") == "home":
            await self.home.publish(event["user"], workspace_of(body))


def register(app: AsyncApp, home: HomeTab) -> None:
    """Add the Events API listeners to the Bolt app."""
    app.event("app_home_opened")(HomeOpened(home).on_home_opened)
