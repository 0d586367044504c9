"""On SQLite, keep the day counts in their key's order (WITHOUT ROWID).

Every read of day_counts is a range of its primary key (a series, a filter, a span of days).
In a rowid table each row found in the key's index costs a second lookup in the table; in a
WITHOUT ROWID table the rows are the index. Measured at a million incidents (sqlite3 alone): the
incident days of a series are read in a third less time, counts by value in half. PostgreSQL
keeps its tables apart from their indexes and is unchanged.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

COLUMNS = "series_id, dimension, value, occurred_on, incidents, label"


def _rebuild(rowid: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE TABLE day_counts_rebuilt ("
        "series_id INTEGER NOT NULL, "
        "dimension VARCHAR(16) NOT NULL, "
        "value VARCHAR(600) NOT NULL, "
        "occurred_on DATE NOT NULL, "
        "incidents INTEGER NOT NULL, "
        "label VARCHAR(200), "
        "CONSTRAINT pk_day_counts PRIMARY KEY (series_id, dimension, value, occurred_on), "
        "CONSTRAINT fk_day_counts_series_id_series FOREIGN KEY(series_id) REFERENCES series (id)"
        f"){rowid}"
    )
    op.execute(f"INSERT INTO day_counts_rebuilt ({COLUMNS}) SELECT {COLUMNS} FROM day_counts")  # noqa: S608
    op.execute("DROP TABLE day_counts")
    op.execute("ALTER TABLE day_counts_rebuilt RENAME TO day_counts")


def upgrade() -> None:
    _rebuild(" WITHOUT ROWID")


def downgrade() -> None:
    _rebuild("")
