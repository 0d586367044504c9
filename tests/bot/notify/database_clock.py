"""The database's clock as leases read it, moved on by a test without waiting."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from storage import outbox


class DatabaseClock:
    """The database's clock read `ahead` later than it is, as if that much time had passed.

    Leases run on the database's clock (storage/outbox.py), which a test cannot set; it
    reads it through this instead of waiting: `DatabaseClock(monkeypatch).ahead = ...`.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.ahead = timedelta(0)
        self.real = outbox.database_now
        monkeypatch.setattr(outbox, "database_now", self.read)

    async def read(self, session: AsyncSession) -> datetime:
        return await self.real(session) + self.ahead
