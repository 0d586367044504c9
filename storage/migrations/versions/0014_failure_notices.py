"""Keep, per admin, the newest failed message they were told of, so a restart tells none again.

Discord has no Home tab: an admin is told of messages that could not be posted in their next
reply, once. Which they were told of was kept in the process, so a restart told them again.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "failure_notices",
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.String(length=100), nullable=False),
        sa.Column("told_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "user_id", name=op.f("pk_failure_notices")),
    )


def downgrade() -> None:
    op.drop_table("failure_notices")
