"""Keep the state of imports stored in chunks, and the incident ids each chunk took.

A large import commits chunk by chunk, so that other writes go on between them; these rows
let a failed or interrupted import be taken back (storage.import_runs).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("series", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("request_key", sa.String(length=200), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_rows", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imports")),
    )
    op.create_index("ix_imports_state", "imports", ["state"])
    op.create_table(
        "import_chunks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("first_id", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"], ["imports.id"], name=op.f("fk_import_chunks_import_id_imports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_chunks")),
    )
    op.create_index("ix_import_chunks_import_id", "import_chunks", ["import_id"])


def downgrade() -> None:
    op.drop_index("ix_import_chunks_import_id", table_name="import_chunks")
    op.drop_table("import_chunks")
    op.drop_index("ix_imports_state", table_name="imports")
    op.drop_table("imports")
