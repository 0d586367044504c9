"""Who asks on Slack: the workspace a request came from, as a team, and whether they are its admin.

Each kind of request names its workspace in its own place, as Slack sends them: a slash command
in `team_id`, an Events API envelope in `team_id` (and the event in `team`), an interaction
(a button, the add form, its series menu) in `team.id` (`user.team_id` when Slack leaves `team`
empty). That workspace is the caller's team ("slack:T0123", bot/commands/teams.py).

A caller is their team's admin when the operators (`admins`) or the team's admins named them
(`team admin add`), or when Slack says they are the workspace's admin or owner: users.info,
called with the workspace's own token and asked again after a few minutes; a call that fails
(no `users:read` scope, Slack out of reach) makes nobody an admin.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands.core import Caller, Core
from bot.commands.teams import place_team, team_admin
from bot.domain.clock import Clock

log = logging.getLogger(__name__)
ANSWER_KEPT = timedelta(minutes=5)  # how long users.info's answer is taken as true
FAILURE_KEPT = timedelta(seconds=30)  # how long a failed call is not made again
MAX_KEPT = 10_000  # answers kept before the expired ones are dropped


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def workspace_of(body: dict[str, Any]) -> str | None:
    """Return the id of the workspace a request came from (slash command, event, interaction)."""
    team = body.get("team")
    found = _text(team.get("id")) if isinstance(team, dict) else _text(team)
    event = body.get("event")
    user = body.get("user")
    return (
        found
        or _text(body.get("team_id"))
        or (_text(event.get("team")) if isinstance(event, dict) else None)
        or (_text(user.get("team_id")) if isinstance(user, dict) else None)
    )


def is_workspace_admin(user: object, workspace: str | None) -> bool:
    """Say whether users.info's user is an admin or owner of `workspace` (not of another one).

    A person from another organisation in a shared channel is an admin of their own workspace
    at most; in an Enterprise Grid, a member's workspaces are listed in `enterprise_user`.
    """
    if not isinstance(user, dict) or user.get("deleted") or workspace is None:
        return False
    if not (user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")):
        return False
    grid = user.get("enterprise_user")
    teams = grid.get("teams") if isinstance(grid, dict) else None
    return user.get("team_id") == workspace or (isinstance(teams, list) and workspace in teams)


class WorkspaceAdmins:
    """Whether a user is their workspace's admin or owner, as users.info says, kept a while."""

    def __init__(self, client: AsyncWebClient, clock: Clock) -> None:
        # With many workspaces the client calls with the token of the request being answered.
        self.client = client
        self.clock = clock
        self._known: dict[tuple[str, str], tuple[datetime, bool]] = {}

    async def is_admin(self, workspace: str | None, user: str) -> bool:
        """Say whether Slack calls `user` an admin or owner of `workspace`."""
        if workspace is None:
            return False
        now = self.clock()
        key = (workspace, user)
        kept = self._known.get(key)
        if kept is not None and kept[0] > now:
            return kept[1]
        answer, lasts = await self._ask(workspace, user)
        if len(self._known) >= MAX_KEPT:
            self._known = {k: v for k, v in self._known.items() if v[0] > now}
        self._known[key] = (now + lasts, answer)
        return answer

    async def _ask(self, workspace: str, user: str) -> tuple[bool, timedelta]:
        try:
            response = await self.client.users_info(user=user)
        except SlackApiError as error:
            log.warning(
                "users.info refused for %s in %s (%s): not taken as an admin",
                user,
                workspace,
                error.response.get("error"),
            )
            return False, FAILURE_KEPT
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            log.warning("users.info failed for %s in %s: %r", user, workspace, error)
            return False, FAILURE_KEPT
        return is_workspace_admin(response.get("user"), workspace), ANSWER_KEPT


class Callers:
    """Make the Caller of a Slack request: its team, and whether the person is its admin."""

    def __init__(self, core: Core, client: AsyncWebClient) -> None:
        self.core = core
        self.admins = WorkspaceAdmins(client, lambda: core.clock())
        # With one workspace, its id (from auth.test at start): every request is its team's.
        self.home: str | None = None

    async def caller(self, *, workspace: str | None, user: str, channel: str) -> Caller:
        """Return who is asking, from where; Slack is asked only when the database does not say."""
        workspace = self.home or workspace
        team = place_team("slack", workspace)
        # The operators and the users the team named need no call to Slack.
        is_admin = await team_admin(self.core.context, team=team, user=user, born_admin=False)
        if not is_admin:
            is_admin = await self.admins.is_admin(workspace, user)
        return Caller(user=user, is_admin=is_admin, platform="slack", channel=channel, team=team)

    async def of(self, body: dict[str, Any], *, user: str, channel: str) -> Caller:
        """Return the Caller of a request's body (see workspace_of)."""
        return await self.caller(workspace=workspace_of(body), user=user, channel=channel)
