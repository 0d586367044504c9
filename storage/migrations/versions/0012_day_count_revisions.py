"""Stamp each day count and filter value with the series revision that last changed it.

A question asked after a write read every incident day again (7,300 rows for twenty years
of daily incidents, 10-15 ms): with the stamps, what a reader kept at revision N is brought
up to date by the few rows stamped after N (about five for one new incident).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TABLES = ("day_counts", "filter_values")


def upgrade() -> None:
    for table in TABLES:
        # Existing rows are stamped 0: a reader with nothing kept reads everything anyway.
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("revision", sa.Integer(), nullable=False, server_default="0")
            )
        op.create_index(f"ix_{table}_changes", table, ["series_id", "revision"])


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_changes", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("revision")
