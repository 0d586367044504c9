"""Questions asked in a thread: the question before, kept in the database, and what is said back.

A follow-up reads the thread's last question; the question it became is kept for the next,
with the readings offered when the bot asked back. Keeping it also claims the request's key
(a platform's retry, on any replica), so that a question is answered once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError

from bot.commands.asked import asked_data, asked_from, command_text
from bot.commands.asking import Reading
from bot.commands.command import Command
from bot.domain.clock import Clock
from bot.domain.replies import Reply
from storage import conversations, seen
from storage.database import Database, is_unavailable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Thread:
    """What a thread asked last, and the readings it was offered (to pick by number)."""

    previous: Command | None = None
    offered: tuple[Command, ...] = ()


async def recalled(database: Database, key: str | None, clock: Clock) -> Thread:
    """Return what the thread `key` asked last (nothing for no key, or one gone quiet)."""
    if key is None:
        return Thread()
    async with database.read() as session:
        found = await conversations.recall(session, key, clock())
    if found is None:
        return Thread()
    previous = asked_from(found.asked) if found.asked else None
    offered = tuple(c for c in (asked_from(d) for d in found.choices) if c is not None)
    return Thread(previous, offered)


async def kept(
    database: Database,
    clock: Clock,
    *,
    key: str | None,
    request_key: str | None,
    asked: Command | None,
    offered: tuple[Command, ...] = (),
) -> bool:
    """Keep what the thread asked now; return False when `request_key` was answered before.

    When the database cannot keep it, the answer still goes out (a follow-up will not find
    it): a question is better answered than lost.
    """
    if key is None and request_key is None:
        return True
    now = clock()
    try:
        async with database.write() as session:
            if request_key is not None and not await seen.first_time(session, request_key, now):
                return False
            if key is not None and (asked is not None or offered):
                await conversations.remember(
                    session,
                    key,
                    now,
                    asked=None if asked is None else asked_data(asked),
                    choices=[asked_data(c) for c in offered],
                )
    except (DBAPIError, OSError) as error:
        if not is_unavailable(error):
            raise
        log.warning("the thread's question could not be kept: %s", error)
    return True


def choices_reply(reading: Reading) -> Reply:
    """Ask which reading was meant, numbered, with the command each stands for."""
    labels = tuple(command_text(c) for c in reading.choices)
    return Reply(
        headline="Which did you mean?",
        details=(
            *(f"{n}. `{label}`" for n, label in enumerate(labels, start=1)),
            "Answer with its number, or ask again in full.",
        ),
        choices=labels,
    )


def not_read_reply(reading: Reading) -> Reply:
    """Say why a question was not read, and write out commands that would work."""
    if not reading.suggestions:
        return Reply.error(reading.problem)
    return Reply.error(
        reading.problem,
        "Commands that would work:",
        *(f"• `{command}`" for command in reading.suggestions),
        "`help` says what each asks.",
    )
