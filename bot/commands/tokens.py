"""API tokens for the HTTP side: created by an admin (shown once), listed, revoked, checked.

A token's scope says what it may do: "read" (the API's questions, the board, the badge),
"write" (add, edit, delete and import through the API, and read) or "admin" (the sources and
the review queue through the API: list, run, approve, reject; and write and read).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands.command import CommandError
from bot.commands.context import UNAVAILABLE, Context, Unavailable
from storage import tokens
from storage.database import is_unavailable

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
READ, WRITE, ADMIN = "read", "write", "admin"


@dataclass(frozen=True)
class TokenInfo:
    """A token as an admin sees it: never its secret."""

    name: str
    scope: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


@dataclass(frozen=True)
class Holder:
    """Whoever presented a live token: its name (for the audit log) and what it may do."""

    name: str
    scope: str

    @property
    def may_write(self) -> bool:
        """Say whether the token may write, not only read."""
        return self.scope in (WRITE, ADMIN)

    @property
    def may_administer(self) -> bool:
        """Say whether the token may list and run sources and decide reviews."""
        return self.scope == ADMIN


async def create(context: Context, name: str, *, scope: str = WRITE) -> str:
    """Create a token called `name` that may `scope` and return its secret (kept as a hash)."""
    if not NAME.match(name):
        raise CommandError(
            f"{name!r} is not a token name: use 1 to 64 letters, digits, '.', '-' and '_', "
            "e.g. newsroom-wall"
        )
    async with context.database.write() as session:
        secret = await tokens.create(session, name, context.clock(), scope=scope)
    if secret is None:
        raise CommandError(
            f"there is already a token called {name!r} (revoked ones keep their name); "
            "choose another name"
        )
    return secret


async def listing(context: Context) -> list[TokenInfo]:
    """Return every token, revoked ones too, by name."""
    async with context.database.read() as session:
        found = await tokens.all_tokens(session)
    return [TokenInfo(t.name, t.scope, t.created_at, t.revoked_at, t.last_used_at) for t in found]


async def revoke(context: Context, name: str) -> bool:
    """Revoke the live token called `name`; False when there is none."""
    async with context.database.write() as session:
        return await tokens.revoke(session, name, context.clock())


@asynccontextmanager
async def _session(context: Context, *, write: bool = False) -> AsyncIterator[AsyncSession]:
    # Every read over HTTP may check a token first: a database that does not answer is an
    # outage to say (503), as it is for the question itself, not a bug.
    opened = context.database.write() if write else context.database.read()
    try:
        async with opened as session:
            yield session
    except (DBAPIError, OSError) as error:
        if not is_unavailable(error):
            raise
        raise Unavailable(UNAVAILABLE) from None


async def holder(context: Context, secret: str) -> Holder | None:
    """Return who holds the live token whose secret this is (recording its use), or None."""
    if not secret or len(secret) > 200:
        return None
    async with _session(context) as session:
        token = await tokens.find(session, secret)
        found = (token.id, token.name, token.scope, token.last_used_at) if token else None
    if found is None:
        return None
    token_id, name, scope, last_used = found
    now = context.clock()
    if last_used is None or now - last_used >= tokens.TOUCH_EVERY:
        async with _session(context, write=True) as session:
            await tokens.touch(session, token_id, now)
    return Holder(name, scope)
