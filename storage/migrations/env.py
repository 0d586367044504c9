"""Alembic environment: runs migrations on the connection pausewatch hands it, or on the URL."""

import asyncio

from alembic import context
from sqlalchemy import Connection

from storage.models import Base

config = context.config
target_metadata = Base.metadata


def run_on(connection: Connection) -> None:
    """Run the migrations on one open connection."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_from_settings() -> None:
    """Open the configured database (alembic's own CLI) and migrate it."""
    from bot.settings import load_settings
    from storage.database import open_database

    database = open_database(load_settings().database_url)
    async with database.engine.connect() as connection:
        await connection.run_sync(run_on)
        await connection.commit()
    await database.dispose()


if context.is_offline_mode():
    raise SystemExit("pausewatch migrations run online only: use `pausewatch migrate`")
elif config.attributes.get("connection") is not None:
    run_on(config.attributes["connection"])
else:
    asyncio.run(run_from_settings())
