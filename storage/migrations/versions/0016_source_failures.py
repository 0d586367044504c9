"""Keep, for each source whose runs fail, since when and how many runs in a row.

A source's admins are told once when it starts failing and once when it works again; the
row (made by the first failed run, removed by the next good one) is what says which run
was the change, and what the notice of recovery reports.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "source_failures",
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_source_failures_source_id_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("source_id", name=op.f("pk_source_failures")),
    )


def downgrade() -> None:
    op.drop_table("source_failures")
