"""Keep notes on a series' timeline (what happened around its pauses), and a digest's context series.

A note is a day and a line of text in one series, soft-deleted like an incident. A digest
subscription may name another series whose incidents its chart marks (`with:us-strikes`).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("noted_on", sa.Date(), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("team", sa.String(length=64), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["series_id"], ["series.id"], name=op.f("fk_notes_series_id_series")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notes")),
    )
    op.create_index("ix_notes_series_day", "notes", ["series_id", "noted_on"])
    # A plain ADD COLUMN, nullable: most digests carry no other series. The series is named,
    # as the subscription's filters name their values.
    op.add_column("subscriptions", sa.Column("context_series", sa.String(length=64), nullable=True))


def downgrade() -> None:
    # DROP COLUMN itself (SQLite 3.35 and later have it), as 0020 does.
    op.execute("ALTER TABLE subscriptions DROP COLUMN context_series")
    op.drop_index("ix_notes_series_day", table_name="notes")
    op.drop_table("notes")
