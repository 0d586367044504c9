"""One write per transaction, made once per request key: a replayed request changes nothing.

When the platform gave the request a key, the key is claimed in the write's own transaction
and the reply stored with it, so that a retry (Slack's, an API client's) gets the first
reply back instead of writing again, on any replica.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.commands import noting
from bot.commands.command import Command
from bot.commands.context import Caller
from bot.commands.incident_writes import add, change
from bot.commands.kept import DayKeeper
from bot.commands.subjects import with_notes
from bot.commands.subscribing import subscribe
from bot.commands.verbs import SUBSCRIBE_VERBS
from bot.domain.replies import Reply, reply_data, reply_from_data
from bot.settings import Settings
from storage import seen
from storage.database import Database


@dataclass(frozen=True)
class Outcome:
    """A reply, and whether the request was new (False: a replay of one already answered)."""

    reply: Reply
    first_time: bool = True


async def write(
    database: Database,
    command: Command,
    caller: Caller,
    *,
    request_key: str | None,
    settings: Settings,
    days: DayKeeper,
    today: date,
    now: datetime,
) -> Outcome:
    """Carry out a write or (un)subscribe in one transaction, once per `request_key`."""
    async with database.write() as session:
        if request_key is not None:
            earlier = await seen.claim(session, request_key, now)
            if earlier is not None:
                return Outcome(
                    reply_from_data(earlier) if earlier else Reply("Already done"),
                    first_time=False,
                )
        if command.verb in SUBSCRIBE_VERBS:
            reply = await subscribe(session, command, caller, settings=settings, now=now)
        elif command.verb == "note":
            reply = await noting.write(session, command, caller, settings=settings, now=now)
        elif command.verb == "add":
            reply = await add(
                session, command, caller, settings=settings, days=days, today=today, now=now
            )
        else:
            reply = await change(session, command, caller, settings=settings, now=now)
        reply = with_notes(reply, command)
        if request_key is not None:
            await seen.answer(session, request_key, reply_data(reply))
    return Outcome(reply)
