"""Alerts and digests that Discord refused for good, told to each admin in their next reply.

Discord has no Home tab: an admin who uses /incidents is told, privately and once, which
messages could not be posted, where and why, and how to send them again: a team's admins
of the channels their team keeps, the operators (`admins`) of every channel.
"""

from __future__ import annotations

from datetime import timedelta

from bot.commands.core import Caller, Core, FailedDelivery
from bot.domain.replies import Reply, channel_ref
from bot.domain.wording import day_text

SHOWN = 10
RECENT = timedelta(days=7)  # older failures are stale


def failures_reply(failures: list[FailedDelivery]) -> Reply:
    """Say which alerts and digests could not be posted, where, why, and how to resend one."""
    count = len(failures)
    noun = "message" if count == 1 else "messages"
    return Reply.error(
        f"{count} {noun} to Discord could not be posted",
        *(
            f"• #{f.id}, {f.kind} of {day_text(f.queued_at.date())} to "
            f"{channel_ref(f.channel)}: {f.error or 'no reason given'}"
            for f in failures
        ),
        "Fix the channel (the bot needs View Channel, Send Messages, Embed Links and Attach "
        "Files there), then `pausewatch outbox retry ID` sends it again.",
    )


class FailureNotices:
    """Tell each admin, once, of the failures they were not told of (kept in the database)."""

    def __init__(self, core: Core) -> None:
        self.core = core

    async def notice(self, caller: Caller) -> Reply | None:
        """Return the failures an admin has not been shown yet, or None."""
        if not caller.is_admin:
            return None
        # A team's admin is told of their team's channels alone (an operator of every one).
        fresh = await self.core.untold_failures(
            caller, limit=SHOWN, since=self.core.clock() - RECENT
        )
        return failures_reply(fresh) if fresh else None
