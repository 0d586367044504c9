"""The engine and migrations: SQLite's settings, and migrations that are safe to run again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, func, inspect, select, text

from bot.commands.core import Core
from storage.database import (
    HEAD_REVISION,
    SQLITE_BUSY_TIMEOUT_MS,
    Database,
    alembic_config,
    current_revision,
    migrate,
    open_database,
)
from storage.models import PairCount, Series
from tests.bot.commands.test_core import ADMIN
from tests.storage.test_importers import days_table_matches_incidents


async def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path: Path) -> None:
    database = open_database(f"sqlite+aiosqlite:///{tmp_path}/x.db")
    async with database.read() as session:
        mode = await session.scalar(text("PRAGMA journal_mode"))
        timeout = await session.scalar(text("PRAGMA busy_timeout"))
        keys = await session.scalar(text("PRAGMA foreign_keys"))
    await database.dispose()
    assert (mode, timeout, keys) == ("wal", SQLITE_BUSY_TIMEOUT_MS, 1)


async def test_a_read_is_one_snapshot_and_leaves_nothing_open(core: Core) -> None:
    """A read session sees the data as it began, whatever commits meanwhile (on PostgreSQL,
    each statement sees what was committed before it: READ COMMITTED)."""
    database = core.database
    read_revision = select(func.sum(Series.revision))
    async with database.read() as session:
        before = await session.scalar(read_revision)
        await core.handle("add 2024-07-01", ADMIN)  # another session's write, committed
        during = await session.scalar(read_revision)
    async with database.read() as session:
        after = await session.scalar(read_revision)
    if database.is_sqlite:
        assert during == before
    else:
        assert during == after
    assert after == before + 1
    # Every connection went back to the pool with no transaction open: a write can begin.
    assert database.engine.pool.checkedout() == 0
    reply = await core.handle("add 2024-07-02", ADMIN)
    assert not reply.is_error, reply.headline


async def test_migrations_reach_head_and_can_run_again(database: Database) -> None:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert await current_revision(database) == head
    await migrate(database)
    assert await current_revision(database) == head
    async with database.engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    assert {"series", "incidents", "day_counts", "audit_log"} <= tables


async def test_the_known_head_is_alembics_and_an_older_schema_is_still_upgraded(
    database: Database,
) -> None:
    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD_REVISION
    async with database.engine.connect() as connection:
        await connection.run_sync(
            lambda sync: command.downgrade(alembic_config(sync), "0006")  # type: ignore[arg-type]
        )
        await connection.commit()
    assert await current_revision(database) == "0006"
    await migrate(database)
    assert await current_revision(database) == HEAD_REVISION


async def test_a_new_database_starts_empty_at_no_revision(tmp_path: Path) -> None:
    database = open_database(f"sqlite+aiosqlite:///{tmp_path}/new.db")
    assert await current_revision(database) is None
    await migrate(database)
    assert await current_revision(database) is not None
    await database.dispose()


async def test_the_counts_are_rebuilt_from_the_incidents_by_the_migrations(core: Core) -> None:
    for written in (
        "add 2024-07-01 country:Iraq location:Erbil kind:drone",
        "add 2024-07-01 country:IRAQ actor:Kataib kind:rocket",
        "add 2024-07-03 country:Syria location:Tanf",
        "add 2024-07-04 kind:drone",
    ):
        assert not (await core.handle(written, ADMIN)).is_error
    assert not (await core.handle("delete 2", ADMIN)).is_error
    async with core.database.engine.connect() as connection:
        await connection.run_sync(
            lambda sync: command.downgrade(alembic_config(sync), "0008")  # type: ignore[arg-type]
        )
        await connection.commit()
    await migrate(core.database)
    assert await current_revision(core.database) == HEAD_REVISION
    await days_table_matches_incidents(core)
    async with core.database.read() as session:
        assert await session.scalar(select(func.count()).select_from(PairCount)) > 0


# slack_sdk's own tables, made by its own metadata (migration 0018), not the bot's models.
SLACK_SDK_TABLES = {"slack_installations", "slack_bots", "slack_oauth_states"}


def _slack_sdks(difference: Any) -> bool:
    """Say whether a difference is one of slack_sdk's tables, or an index of one."""
    if not isinstance(difference, tuple) or difference[0] not in ("remove_table", "remove_index"):
        return False
    item = difference[1]
    table = item if difference[0] == "remove_table" else item.table
    return table.name in SLACK_SDK_TABLES


async def test_the_migrated_schema_is_the_models_schema(database: Database) -> None:
    """Every table, column and index the models declare is what the migrations made, and
    nothing more: a model changed without its migration (or the other way) fails here."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    import storage.channel_settings
    import storage.sources
    import storage.teams  # noqa: F401  (their tables are the models' too)
    from storage.base import Base

    def differences(sync: Connection) -> list[Any]:
        return compare_metadata(MigrationContext.configure(sync), Base.metadata)

    async with database.engine.connect() as connection:
        found = await connection.run_sync(differences)
    # A column's changes come as a list. SQLite keeps a VARCHAR's length as written but
    # holds no value to it, so there only tables and indexes are compared.
    kept = [
        difference
        for difference in found
        if not _slack_sdks(difference) and not (database.is_sqlite and isinstance(difference, list))
    ]
    assert kept == []
