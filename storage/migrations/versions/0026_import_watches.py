"""Keep, with an import stored in chunks, the last incident days its alerts are counted from.

Alerts wait while an import stores; if its process stops, the take-back after the lease
queues the alerts that writes between its chunks held back, against these days.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("imports", sa.Column("watched", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("imports") as table:
        table.drop_column("watched")
