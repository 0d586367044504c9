"""Keep the pair counts of a place, an actor or a region only while 1,000 incidents hold it.

Of 730,000 pair rows of 200,000 ACLED-shaped incidents, 380,000 were of places and actors
held by fewer: a breakdown under one of them is now counted from the filter's covering index
(storage.kept_pairs), and a write makes or drops a value's pairs as its count crosses 1,000.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07
"""

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

# As storage.count_tables says them on this day: a migration does not follow later changes.
MANY_VALUED = ("location", "actor", "admin1")
FEW_VALUED = ("country", "kind", "event_type")
PAIRED_FROM = 1_000


def upgrade() -> None:
    many = ", ".join(f"'{key}'" for key in MANY_VALUED)
    op.execute(
        f"DELETE FROM pair_counts WHERE dimension IN ({many}) AND NOT EXISTS ("  # noqa: S608
        "SELECT 1 FROM filter_values f WHERE f.series_id = pair_counts.series_id "
        "AND f.dimension = pair_counts.dimension AND f.value = pair_counts.value "
        f"AND f.incidents >= {PAIRED_FROM})"
    )


def downgrade() -> None:
    # Every value's pairs made again from the live incidents, as every write kept them before.
    many = ", ".join(f"'{key}'" for key in MANY_VALUED)
    op.execute(f"DELETE FROM pair_counts WHERE dimension IN ({many})")  # noqa: S608
    for key in MANY_VALUED:
        for other in FEW_VALUED:
            op.execute(
                "INSERT INTO pair_counts (series_id, dimension, value, other_dimension, "  # noqa: S608
                f"other_value, incidents) SELECT series_id, '{key}', {key}_key, '{other}', "
                f"COALESCE({other}_key, ''), count(*) FROM incidents WHERE deleted_at IS NULL "
                f"AND {key}_key IS NOT NULL AND {key}_key <> '' "
                f"GROUP BY series_id, {key}_key, COALESCE({other}_key, '')"
            )
