"""Filter indexes that hold every filter key: two filters at once are read from one index.

Questions with one filter read the day counts; with two, the incidents. Each index on
(series, key, day) found the first filter's incidents and then read every one of them from
the table to check the second. The indexes now also hold the other three keys, and only
live incidents (every question asks for those), so that the second filter, the day and a
breakdown's value are all read from the index. Measured at a million incidents: `pause`
with two filters went from 55-140 ms to 3-20 ms on both databases.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

KEYS = ("country", "location", "actor", "kind")
LIVE = sa.text("deleted_at IS NULL")


def upgrade() -> None:
    for key in KEYS:
        op.drop_index(f"ix_incidents_series_{key}_day", table_name="incidents")
        others = [f"{other}_key" for other in KEYS if other != key]
        op.create_index(
            f"ix_incidents_live_{key}_day",
            "incidents",
            ["series_id", f"{key}_key", "occurred_on", *others],
            sqlite_where=LIVE,
            postgresql_where=LIVE,
        )


def downgrade() -> None:
    for key in KEYS:
        op.drop_index(f"ix_incidents_live_{key}_day", table_name="incidents")
        op.create_index(
            f"ix_incidents_series_{key}_day",
            "incidents",
            ["series_id", f"{key}_key", "occurred_on"],
        )
