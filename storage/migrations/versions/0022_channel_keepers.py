"""Keep which team a channel's settings belong to, when a digest was last rescheduled, longer schedules.

A channel two Slack workspaces share is set up by one team; the other's admins may not change it.
A rescheduled digest makes up no run due before the new schedule was set. A schedule naming six
days is 61 characters: the column takes 100.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("channel_settings", sa.Column("team", sa.String(length=64), nullable=True))
    op.add_column(
        "subscriptions",
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=True),
    )
    # SQLite keeps any length in a VARCHAR; PostgreSQL's column is widened in place.
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "subscriptions",
            "schedule",
            type_=sa.String(length=100),
            existing_type=sa.String(length=60),
            existing_nullable=True,
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "subscriptions",
            "schedule",
            type_=sa.String(length=60),
            existing_type=sa.String(length=100),
            existing_nullable=True,
        )
    op.execute("ALTER TABLE subscriptions DROP COLUMN scheduled_at")
    op.execute("ALTER TABLE channel_settings DROP COLUMN team")
