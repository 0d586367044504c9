"""Keep ACLED's event type, regions, coordinates and precisions; filter by event type and region.

Issue 26, item 6: `event_type`, `admin1`, `admin2`, `latitude`, `longitude`, `geo_precision`
and `time_precision` were dropped on import. They are columns now; `event_type` and `admin1`
are filter keys like country and kind, with their own normalised keys, covering indexes that
hold every key (each of the old four indexes is made again with the two new keys), and counts
per day and per pair of values. The incidents already stored have none of the new values: the
counts that say so (a day's incidents without an event type, a country's without a region)
are filled here, as every write will keep them.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

OLD_KEYS = ("country", "location", "actor", "kind")
NEW_KEYS = ("event_type", "admin1")
LIVE = sa.text("deleted_at IS NULL")


def _create_indexes(keys: tuple[str, ...]) -> None:
    for key in keys:
        others = [f"{other}_key" for other in keys if other != key]
        op.create_index(
            f"ix_incidents_live_{key}_day",
            "incidents",
            ["series_id", f"{key}_key", "occurred_on", *others],
            sqlite_where=LIVE,
            postgresql_where=LIVE,
        )


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        for name in (*NEW_KEYS, "admin2"):
            batch.add_column(sa.Column(name, sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("latitude", sa.Float(), nullable=True))
        batch.add_column(sa.Column("longitude", sa.Float(), nullable=True))
        batch.add_column(sa.Column("geo_precision", sa.SmallInteger(), nullable=True))
        batch.add_column(sa.Column("time_precision", sa.SmallInteger(), nullable=True))
        for name in NEW_KEYS:
            batch.add_column(sa.Column(f"{name}_key", sa.String(length=300), nullable=True))
    for key in OLD_KEYS:
        op.drop_index(f"ix_incidents_live_{key}_day", table_name="incidents")
    _create_indexes((*OLD_KEYS, *NEW_KEYS))
    live = "FROM incidents WHERE deleted_at IS NULL"
    for key in NEW_KEYS:
        # Every live incident, none of which has a value yet, counted under "" on its day.
        op.execute(
            "INSERT INTO day_counts (series_id, dimension, value, occurred_on, incidents, "
            f"label, revision) SELECT series_id, '{key}', '', occurred_on, count(*), NULL, 0 "
            f"{live} GROUP BY series_id, occurred_on"
        )
        for other in OLD_KEYS:
            op.execute(
                "INSERT INTO pair_counts (series_id, dimension, value, other_dimension, "
                f"other_value, incidents) SELECT series_id, '{other}', {other}_key, '{key}', "
                f"'', count(*) {live} AND {other}_key IS NOT NULL AND {other}_key <> '' "
                f"GROUP BY series_id, {other}_key"
            )


def downgrade() -> None:
    keys = ", ".join(f"'{key}'" for key in NEW_KEYS)
    op.execute(f"DELETE FROM day_counts WHERE dimension IN ({keys})")  # noqa: S608
    op.execute(f"DELETE FROM filter_values WHERE dimension IN ({keys})")  # noqa: S608
    op.execute(
        f"DELETE FROM pair_counts WHERE dimension IN ({keys}) OR other_dimension IN ({keys})"  # noqa: S608
    )
    for key in (*OLD_KEYS, *NEW_KEYS):
        op.drop_index(f"ix_incidents_live_{key}_day", table_name="incidents")
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later), not a batch's copy of the table:
    # dropping the old table fails the audit log's foreign keys on SQLite.
    dropped = (*NEW_KEYS, "admin2", "latitude", "longitude", "geo_precision", "time_precision")
    for name in (*dropped, *(f"{key}_key" for key in NEW_KEYS)):
        op.execute(f"ALTER TABLE incidents DROP COLUMN {name}")
    _create_indexes(OLD_KEYS)
