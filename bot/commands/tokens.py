"""API tokens for the HTTP side: created by an admin (shown once), listed, revoked, checked."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from bot.commands.core import Core
from bot.commands.grammar import CommandError
from storage import tokens

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class TokenInfo:
    """A token as an admin sees it: never its secret."""

    name: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


async def create(core: Core, name: str) -> str:
    """Create a token called `name` and return its secret (stored only as a hash)."""
    if not NAME.match(name):
        raise CommandError(
            f"{name!r} is not a token name: use 1 to 64 letters, digits, '.', '-' and '_', "
            "e.g. newsroom-wall"
        )
    async with core.database.write() as session:
        secret = await tokens.create(session, name, core.clock())
    if secret is None:
        raise CommandError(
            f"there is already a token called {name!r} (revoked ones keep their name); "
            "choose another name"
        )
    return secret


async def listing(core: Core) -> list[TokenInfo]:
    """Return every token, revoked ones too, by name."""
    async with core.database.read() as session:
        found = await tokens.all_tokens(session)
    return [TokenInfo(t.name, t.created_at, t.revoked_at, t.last_used_at) for t in found]


async def revoke(core: Core, name: str) -> bool:
    """Revoke the live token called `name`; False when there is none."""
    async with core.database.write() as session:
        return await tokens.revoke(session, name, core.clock())


async def holder(core: Core, secret: str) -> str | None:
    """Return the name of the live token whose secret this is (recording its use), or None."""
    if not secret or len(secret) > 200:
        return None
    async with core.database.read() as session:
        token = await tokens.find(session, secret)
        found = (token.id, token.name, token.last_used_at) if token is not None else None
    if found is None:
        return None
    token_id, name, last_used = found
    now = core.clock()
    if last_used is None or now - last_used >= tokens.TOUCH_EVERY:
        async with core.database.write() as session:
            await tokens.touch(session, token_id, now)
    return name
