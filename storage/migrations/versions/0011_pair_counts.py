"""Count live incidents per pair of filter values, for filtered breakdowns.

`stats country:Iraq` breaks Iraq's incidents down by kind: that read every incident in Iraq
(a hundred thousand at a million incidents, 50-180 ms). The pairs (a value of one key, a
value of another) are few, a few thousand rows, and every write adds its deltas to them as
it does to the day counts.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

KEYS = ("country", "location", "actor", "kind")


def upgrade() -> None:
    op.create_table(
        "pair_counts",
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=600), nullable=False),
        sa.Column("other_dimension", sa.String(length=16), nullable=False),
        sa.Column("other_value", sa.String(length=600), nullable=False),
        sa.Column("incidents", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["series_id"], ["series.id"], name=op.f("fk_pair_counts_series_id_series")
        ),
        sa.PrimaryKeyConstraint(
            "series_id",
            "dimension",
            "value",
            "other_dimension",
            "other_value",
            name=op.f("pk_pair_counts"),
        ),
        sqlite_with_rowid=False,
    )
    for key in KEYS:
        for other in KEYS:
            if other == key:
                continue
            op.execute(
                "INSERT INTO pair_counts (series_id, dimension, value, other_dimension, "  # noqa: S608
                f"other_value, incidents) SELECT series_id, '{key}', {key}_key, '{other}', "
                f"coalesce({other}_key, ''), count(*) FROM incidents "
                f"WHERE deleted_at IS NULL AND {key}_key IS NOT NULL AND {key}_key <> '' "
                f"GROUP BY series_id, {key}_key, coalesce({other}_key, '')"
            )


def downgrade() -> None:
    op.drop_table("pair_counts")
