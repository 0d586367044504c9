"""Slack for many workspaces: slack_sdk's installation and state tables, and the outbox's team.

The tables are slack_sdk's own (`slack_installations`, `slack_bots`, `slack_oauth_states`),
made from its table definitions so that its stores read them as they expect. An outbox row
carries the Slack team (workspace) it is posted to, so that it is sent with that team's bot
token and dropped when that team uninstalls the app; single-workspace rows leave it empty.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# slack_sdk 3.48's definitions, written out: storage imports no platform library, and a
# test (tests/bot/slack/test_installs.py) holds these to slack_sdk's own.
_BOT_COLUMNS = (
    ("bot_token", 200),
    ("bot_id", 32),
    ("bot_user_id", 32),
    ("bot_scopes", 1000),
    ("bot_refresh_token", 200),
)


def _common(*, with_url: bool) -> list[sa.Column[Any]]:
    columns: list[sa.Column[Any]] = [
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("client_id", sa.String(32), nullable=False),
        sa.Column("app_id", sa.String(32), nullable=False),
        sa.Column("enterprise_id", sa.String(32)),
        sa.Column("enterprise_name", sa.String(200)),
    ]
    if with_url:
        columns.append(sa.Column("enterprise_url", sa.String(200)))
    columns += [sa.Column("team_id", sa.String(32)), sa.Column("team_name", sa.String(200))]
    columns += [sa.Column(name, sa.String(length)) for name, length in _BOT_COLUMNS]
    columns.append(sa.Column("bot_token_expires_at", sa.DateTime()))
    return columns


def _slack_tables() -> sa.MetaData:
    metadata = sa.MetaData()
    now = sa.func.now()
    sa.Table(
        "slack_installations",
        metadata,
        *_common(with_url=True),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("user_token", sa.String(200)),
        sa.Column("user_scopes", sa.String(1000)),
        sa.Column("user_refresh_token", sa.String(200)),
        sa.Column("user_token_expires_at", sa.DateTime()),
        sa.Column("incoming_webhook_url", sa.String(200)),
        sa.Column("incoming_webhook_channel", sa.String(200)),
        sa.Column("incoming_webhook_channel_id", sa.String(200)),
        sa.Column("incoming_webhook_configuration_url", sa.String(200)),
        sa.Column("is_enterprise_install", sa.Boolean(), default=False, nullable=False),
        sa.Column("token_type", sa.String(32)),
        sa.Column("installed_at", sa.DateTime(), nullable=False, default=now),
        sa.Index(
            "slack_installations_idx",
            "client_id",
            "enterprise_id",
            "team_id",
            "user_id",
            "installed_at",
        ),
    )
    sa.Table(
        "slack_bots",
        metadata,
        *_common(with_url=False),
        sa.Column("is_enterprise_install", sa.Boolean(), default=False, nullable=False),
        sa.Column("installed_at", sa.DateTime(), nullable=False, default=now),
        sa.Index("slack_bots_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
    )
    sa.Table(
        "slack_oauth_states",
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("state", sa.String(200), nullable=False),
        sa.Column("expire_at", sa.DateTime(), nullable=False),
    )
    return metadata


def upgrade() -> None:
    _slack_tables().create_all(op.get_bind())
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("team", sa.String(length=32), nullable=True))
    op.create_index("ix_outbox_team_status", "outbox", ["team", "status"])


def downgrade() -> None:
    op.drop_index("ix_outbox_team_status", table_name="outbox")
    # ALTER TABLE ... DROP COLUMN, not a batch's copy of the table (see 0017).
    op.execute("ALTER TABLE outbox DROP COLUMN team")
    _slack_tables().drop_all(op.get_bind())
