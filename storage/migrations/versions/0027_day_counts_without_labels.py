"""Drop the day counts' labels: no reader ever read them, and every write and import wrote them.

A value's label (its first spelling) is kept once per value, in filter_values. Kept per day
as well, it cost an import a grouped first spelling per value and day, and the database a
tenth of the day counts' size. On SQLite dropping the column rewrites the table's rows (some
seconds a million day counts); on PostgreSQL it is at once, and the space comes back as rows
are written again.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("day_counts") as table:
        table.drop_column("label")


def downgrade() -> None:
    # The labels are not made again: nothing read them.
    op.add_column("day_counts", sa.Column("label", sa.String(200), nullable=True))
