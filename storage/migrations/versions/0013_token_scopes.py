"""Give each API token a scope: "read" (questions, the board, the badge) or "write".

Reads over HTTP are closed by default and open to a token; a token given to a wall screen or
a badge should not also be able to write. Tokens made before this migration were made to
write, and keep that.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(
            sa.Column("scope", sa.String(length=10), nullable=False, server_default="write")
        )


def downgrade() -> None:
    # batch: SQLite drops a column only by copying the table (which Alembic does here).
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("scope")
