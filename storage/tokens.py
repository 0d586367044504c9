"""API tokens: created with a random secret shown once, kept as its SHA-256, revoked by name.

Each has a scope: "read" (questions, the board, the badge), "write" (those, and writes) or
"admin" (those, and sources and the review queue).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ApiToken

# Recording every use would make each request a write: once a minute is enough to say
# when a token was last used.
TOUCH_EVERY = timedelta(minutes=1)


def digest(secret: str) -> str:
    """Return the SHA-256 of a token, as stored."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


async def create(
    session: AsyncSession, name: str, now: datetime, *, scope: str = "write"
) -> str | None:
    """Store a new token under `name` and return its secret; None if the name is taken.

    `scope` is "read", "write" or "admin" (ApiToken refuses anything else).
    """
    taken = await session.scalar(select(ApiToken.id).where(ApiToken.name == name))
    if taken is not None:
        return None
    secret = secrets.token_urlsafe(32)
    session.add(ApiToken(name=name, token_hash=digest(secret), created_at=now, scope=scope))
    await session.flush()
    return secret


async def all_tokens(session: AsyncSession) -> list[ApiToken]:
    """Return every token, revoked ones included, by name."""
    return list(await session.scalars(select(ApiToken).order_by(ApiToken.name)))


async def revoke(session: AsyncSession, name: str, now: datetime) -> bool:
    """Revoke the live token called `name`; say whether there was one."""
    result = await session.execute(
        update(ApiToken)
        .where(ApiToken.name == name, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


async def find(session: AsyncSession, secret: str) -> ApiToken | None:
    """Return the live token whose secret this is, or None."""
    wanted = digest(secret)
    token = await session.scalar(select(ApiToken).where(ApiToken.token_hash == wanted))
    # The look-up is by hash; the comparison still runs in constant time.
    if token is None or not hmac.compare_digest(token.token_hash, wanted):
        return None
    return token if token.revoked_at is None else None


async def touch(session: AsyncSession, token_id: int, now: datetime) -> None:
    """Record that a token was used now (at most once a minute)."""
    await session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            (ApiToken.last_used_at.is_(None)) | (ApiToken.last_used_at < now - TOUCH_EVERY),
        )
        .values(last_used_at=now)
    )
