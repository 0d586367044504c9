"""Replies kept for requests with a key, and the parts of an outbox message already delivered.

A replayed request gets the reply it was first given; a message with a chart is delivered
only when each part (the text, each file) is, and a retry skips the parts already posted.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("seen_requests") as batch:
        batch.add_column(sa.Column("reply", sa.JSON(), nullable=True))
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("parts_done", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("parts_done")
    with op.batch_alter_table("seen_requests") as batch:
        batch.drop_column("reply")
