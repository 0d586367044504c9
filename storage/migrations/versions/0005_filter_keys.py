"""Filter keys: each filterable value stored normalised (NFC, casefolded), and filter_values.

SQLite's lower() folds ASCII only, so filters compare keys computed in Python
(bot.domain.filters.normalised) on both databases. The keys of stored incidents are
filled in here, once per distinct value; the day counts are counted again by those keys,
and filter_values (the values the data holds, for reading plain words) is filled.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from bot.domain.filters import normalised

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Filterable column → the length of its key (casefolding can lengthen text three times).
KEYS = {"country": 300, "location": 600, "actor": 600, "kind": 300}
COUNTED = ("country", "kind")


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        for column, length in KEYS.items():
            batch.add_column(sa.Column(f"{column}_key", sa.String(length=length), nullable=True))
    _fill_keys()
    with op.batch_alter_table("day_counts") as batch:
        batch.alter_column(
            "value", existing_type=sa.String(length=200), type_=sa.String(length=600)
        )
    op.create_table(
        "filter_values",
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=600), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("incidents", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["series_id"], ["series.id"], name=op.f("fk_filter_values_series_id_series")
        ),
        sa.PrimaryKeyConstraint("series_id", "dimension", "value", name=op.f("pk_filter_values")),
    )
    _recount()


def _fill_keys() -> None:
    """Set every incident's keys through a table of distinct values (few, even when rows are many)."""
    bind = op.get_bind()
    op.execute(
        "CREATE TEMPORARY TABLE filter_key_map "
        "(dimension VARCHAR(16), value VARCHAR(200), normal VARCHAR(600), "
        "PRIMARY KEY (dimension, value))"
    )
    insert = sa.text("INSERT INTO filter_key_map (dimension, value, normal) VALUES (:d, :v, :k)")
    for column in KEYS:
        distinct = bind.execute(
            sa.text(f"SELECT DISTINCT {column} FROM incidents WHERE {column} IS NOT NULL")  # noqa: S608
        ).scalars()
        rows = [{"d": column, "v": value, "k": normalised(value)} for value in distinct]
        if rows:
            bind.execute(insert, rows)
            op.execute(
                f"UPDATE incidents SET {column}_key = (SELECT m.normal FROM filter_key_map m "  # noqa: S608
                f"WHERE m.dimension = '{column}' AND m.value = incidents.{column}) "
                f"WHERE {column} IS NOT NULL"
            )
    op.execute("DROP TABLE filter_key_map")


def _recount() -> None:
    """Count the day counts again by the keys, and fill filter_values."""
    live = "FROM incidents WHERE deleted_at IS NULL"
    op.execute("DELETE FROM day_counts")
    op.execute(
        "INSERT INTO day_counts (series_id, dimension, value, occurred_on, incidents, label) "
        f"SELECT series_id, '', '', occurred_on, count(*), NULL {live} "
        "GROUP BY series_id, occurred_on"
    )
    for column in COUNTED:
        op.execute(
            "INSERT INTO day_counts (series_id, dimension, value, occurred_on, incidents, label) "
            f"SELECT series_id, '{column}', coalesce({column}_key, ''), occurred_on, count(*), "
            f"min({column}) {live} GROUP BY series_id, coalesce({column}_key, ''), occurred_on"
        )
    for column in KEYS:
        op.execute(
            "INSERT INTO filter_values (series_id, dimension, value, label, incidents) "
            f"SELECT series_id, '{column}', {column}_key, min({column}), count(*) {live} "
            f"AND {column}_key IS NOT NULL AND {column}_key <> '' "
            f"GROUP BY series_id, {column}_key"
        )


def downgrade() -> None:
    op.drop_table("filter_values")
    with op.batch_alter_table("day_counts") as batch:
        batch.alter_column(
            "value", existing_type=sa.String(length=600), type_=sa.String(length=200)
        )
    with op.batch_alter_table("incidents") as batch:
        for column in KEYS:
            batch.drop_column(f"{column}_key")
