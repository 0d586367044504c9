"""Which failed messages each admin was told of, kept in the database."""

from __future__ import annotations

from storage.database import Database
from storage.failures import failures_told, tell_failures


async def test_what_an_admin_was_told_is_kept_per_platform_and_user_and_never_lowered(
    database: Database,
) -> None:
    async with database.read() as session:
        assert await failures_told(session, platform="discord", user="42") == 0
    for newest in (5, 3, 7):
        async with database.write() as session:
            await tell_failures(session, platform="discord", user="42", newest=newest)
    async with database.write() as session:
        await tell_failures(session, platform="discord", user="43", newest=2)
    async with database.read() as session:
        assert await failures_told(session, platform="discord", user="42") == 7
        assert await failures_told(session, platform="discord", user="43") == 2
        assert await failures_told(session, platform="slack", user="42") == 0
