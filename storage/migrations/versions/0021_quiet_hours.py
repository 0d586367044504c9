"""Keep a channel's quiet hours beside its zone: alerts due within them are held until they end.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs, nullable: a channel without quiet hours has neither.
    op.add_column("channel_settings", sa.Column("quiet_start", sa.Time(), nullable=True))
    op.add_column("channel_settings", sa.Column("quiet_end", sa.Time(), nullable=True))


def downgrade() -> None:
    # DROP COLUMN itself (SQLite 3.35 and later have it), as 0020 does.
    op.execute("ALTER TABLE channel_settings DROP COLUMN quiet_end")
    op.execute("ALTER TABLE channel_settings DROP COLUMN quiet_start")
