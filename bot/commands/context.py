"""What an operation is given: the database, the settings, the clock, whom to wake, the fetcher.

The operations (sources, reviews, imports, the operators' commands, tokens, the scheduled
jobs) take a Context rather than the whole Core, so that the command modules form a tree:
core.py at the top runs them, and they import this and the modules below it, never the core.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, tzinfo

from bot.commands.fetching import Fetcher
from bot.domain.clock import Clock, utc_now
from bot.settings import Settings
from storage.database import Database

UNAVAILABLE = (
    "The database is not answering right now, so nothing was read or stored. "
    "Try again in a minute; an admin can check the database."
)


class Unavailable(Exception):
    """The database did not answer; the message says so in the chat's words."""


def console_caller() -> Caller:
    """Return the local user of a terminal, who is the admin of their own database."""
    return Caller(user=f"console:{getpass.getuser()}", is_admin=True)


def _nobody() -> None:
    """Wake nobody: no delivery loop runs in this process (one question, an import)."""


@dataclass(frozen=True)
class Caller:
    """Who sent a command and whether they may write."""

    user: str
    is_admin: bool  # an admin of their team (or of the install, with no team)
    platform: str = "console"
    channel: str = "terminal"
    # The team they asked from ("slack:T0123", "discord:4567", bot/teams.py); None: the
    # install's own tools (console, CLI, API tokens), which answer to its operators.
    team: str | None = None


@dataclass(frozen=True)
class Context:
    """The services an operation uses, and nothing else of the running bot.

    `notify` wakes the delivery loop after a write queued messages; `fetcher` reads sources
    over the network (None where nothing may be fetched). Core.context makes one per call,
    from what the wiring set last.
    """

    database: Database
    settings: Settings
    clock: Clock = utc_now
    notify: Callable[[], None] = field(default=_nobody)
    fetcher: Fetcher | None = None

    def today(self, zone: tzinfo | None = None) -> date:
        """Return today's date in `zone` (a channel's: bot/commands/channel_zones.py), else the
        configured time zone."""
        return self.clock().astimezone(zone or self.settings.zone).date()
