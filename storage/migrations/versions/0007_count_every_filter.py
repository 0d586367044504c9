"""Count incident days per location and per actor too, and index each filter key by day.

Day counts covered country and kind; questions filtered by location or actor read the
incidents instead. Every filterable dimension is now counted, and two filters together read
the incidents through an index on (series, key, day) rather than every incident of the series.
Measured at a million incidents: the four indexes make an import about a third slower and a
question with two filters, or a filtered `stats`, about three times faster.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ADDED = ("location", "actor")
KEYS = ("country", "location", "actor", "kind")


def upgrade() -> None:
    for column in ADDED:
        op.execute(f"DELETE FROM day_counts WHERE dimension = '{column}'")  # noqa: S608
        op.execute(
            "INSERT INTO day_counts (series_id, dimension, value, occurred_on, incidents, label) "  # noqa: S608
            f"SELECT series_id, '{column}', coalesce({column}_key, ''), occurred_on, count(*), "
            f"min({column}) FROM incidents WHERE deleted_at IS NULL "
            f"GROUP BY series_id, coalesce({column}_key, ''), occurred_on"
        )
    for column in KEYS:
        op.create_index(
            f"ix_incidents_series_{column}_day",
            "incidents",
            ["series_id", f"{column}_key", "occurred_on"],
        )


def downgrade() -> None:
    for column in KEYS:
        op.drop_index(f"ix_incidents_series_{column}_day", table_name="incidents")
    for column in ADDED:
        op.execute(f"DELETE FROM day_counts WHERE dimension = '{column}'")  # noqa: S608
