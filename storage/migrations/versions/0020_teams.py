"""Keep the teams: who owns a series, whose a subscription, source and audited write are.

Also a digest's own schedule, and each team's own settings (zone, named admins and roles).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

TEAM_COLUMNS = ("series", "subscriptions", "sources", "audit_log")


def upgrade() -> None:
    # A plain ADD COLUMN: SQLite's batch mode would copy `series`, which the incidents'
    # foreign keys refer to.
    for table in TEAM_COLUMNS:
        op.add_column(table, sa.Column("team", sa.String(length=64), nullable=True))
    op.add_column("subscriptions", sa.Column("schedule", sa.String(length=60), nullable=True))
    op.create_table(
        "team_settings",
        sa.Column("team", sa.String(length=64), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=True),
        sa.Column("admin_users", sa.JSON(), nullable=False),
        sa.Column("admin_roles", sa.JSON(), nullable=False),
        sa.Column("set_by", sa.String(length=100), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team", name=op.f("pk_team_settings")),
    )


def downgrade() -> None:
    op.drop_table("team_settings")
    # DROP COLUMN itself (SQLite 3.35 and later have it), for the reason upgrade adds them so.
    op.execute("ALTER TABLE subscriptions DROP COLUMN schedule")
    for table in reversed(TEAM_COLUMNS):
        op.execute(f"ALTER TABLE {table} DROP COLUMN team")
