"""Questions asked in a thread: the question before, kept in the database, and what is said back.

A follow-up reads the thread's last question; the question it became is kept for the next,
with the readings offered when the bot asked back. Keeping it also claims the request's key
(a platform's retry, on any replica), so that a question is answered once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands.asked import asked_data, asked_from, command_text
from bot.commands.asking import (
    Reading,
    asks_for_the_last_one,
    begins_with_a_verb,
    looks_like_a_command,
    read_question,
    said_back,
)
from bot.commands.command import Command, GrammarError
from bot.commands.grammar import parse
from bot.commands.plain_words import Vocabulary
from bot.commands.verbs import CHANGING_VERBS
from bot.domain.clock import Clock
from bot.domain.replies import Reply
from storage import conversations, seen
from storage.database import Database, is_unavailable

log = logging.getLogger(__name__)
# What a thread's words were read as: a write to make, a refusal, or a reading to answer.
Asked = Command | Reply | Reading


@dataclass(frozen=True)
class Thread:
    """What a thread asked last, and the readings it was offered (to pick by number)."""

    previous: Command | None = None
    offered: tuple[Command, ...] = ()


async def recalled(session: AsyncSession, key: str | None, now: datetime) -> Thread:
    """Return what the thread `key` asked last (nothing for no key, or one gone quiet)."""
    if key is None:
        return Thread()
    found = await conversations.recall(session, key, now)
    if found is None:
        return Thread()
    previous = asked_from(found.asked) if found.asked else None
    offered = tuple(c for c in (asked_from(d) for d in found.choices) if c is not None)
    return Thread(previous, offered)


def reading_of(text: str, today: date, vocabulary: Vocabulary, thread: Thread) -> Asked:
    """Read what was asked in a thread: a command as written, else a question in words.

    Return a Command for a write (made as any command is), a Reply for a command the grammar
    refuses, and a Reading otherwise.
    """
    refused: GrammarError | None = None
    plain = asks_for_the_last_one(text, vocabulary)
    if not plain and (begins_with_a_verb(text) or looks_like_a_command(text)):
        try:
            command = parse(text, today, vocabulary)
        except GrammarError as error:
            if looks_like_a_command(text):
                return Reply.error(str(error))
            refused = error  # a command's own reason, if the words are no question either
        else:
            return command if command.verb in CHANGING_VERBS else Reading(said_back(command))
    reading = read_question(
        text, today, vocabulary, previous=thread.previous, offered=thread.offered
    )
    if refused is not None and reading.command is None and not reading.choices:
        return Reading(problem=str(refused))
    return reading


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
