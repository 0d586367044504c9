"""The tables of migration 0018 are slack_sdk's own; many workspaces need their three settings."""

from __future__ import annotations

import importlib.util

import pytest
import sqlalchemy as sa
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from bot.settings import SettingsError
from bot.slack.installs import SCOPES
from bot.slack.settings import SlackSettings
from storage.database import MIGRATIONS


def _migration_tables() -> sa.MetaData:
    path = MIGRATIONS / "versions" / "0018_slack_installations.py"
    spec = importlib.util.spec_from_file_location("migration_0018", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tables: sa.MetaData = module._slack_tables()
    return tables


def _slack_sdk_tables() -> sa.MetaData:
    metadata = sa.MetaData()
    SQLAlchemyInstallationStore.build_installations_table(metadata, "slack_installations")
    SQLAlchemyInstallationStore.build_bots_table(metadata, "slack_bots")
    SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, "slack_oauth_states")
    return metadata


def _shape(metadata: sa.MetaData) -> dict[str, object]:
    return {
        name: (
            [
                (
                    c.name,
                    type(c.type).__name__,
                    getattr(c.type, "length", None),
                    c.nullable,
                    c.primary_key,
                )
                for c in table.columns
            ],
            sorted((i.name, tuple(c.name for c in i.columns)) for i in table.indexes),
        )
        for name, table in metadata.tables.items()
    }


def test_the_migration_makes_slack_sdks_tables_exactly() -> None:
    assert _shape(_migration_tables()) == _shape(_slack_sdk_tables())


def test_the_install_asks_for_the_manifests_bot_scopes() -> None:
    manifest = (MIGRATIONS.parent.parent / "config" / "slack-manifest.yml").read_text()
    bot_scopes = manifest.split("bot:", 1)[1].split("settings:", 1)[0]
    listed = [line.strip()[2:] for line in bot_scopes.splitlines() if line.strip().startswith("- ")]
    assert listed == list(SCOPES)


def test_many_workspaces_need_the_client_id_secret_and_signing_secret() -> None:
    with pytest.raises(SettingsError, match="SLACK_CLIENT_SECRET, SLACK_SIGNING_SECRET not set"):
        SlackSettings(slack_client_id="1.2").check()
    with pytest.raises(SettingsError, match="unset SLACK_BOT_TOKEN"):
        SlackSettings(
            slack_client_id="1.2",
            slack_client_secret="s",  # type: ignore[arg-type]
            slack_signing_secret="x",  # type: ignore[arg-type]
            slack_bot_token="xoxb-1",  # type: ignore[arg-type]
        ).check()
    both = SlackSettings(
        slack_client_id="1.2",
        slack_client_secret="s",  # type: ignore[arg-type]
        slack_signing_secret="x",  # type: ignore[arg-type]
    )
    both.check()
    assert both.enabled and both.oauth


def test_one_workspace_is_as_before() -> None:
    one = SlackSettings(slack_bot_token="xoxb-1", slack_signing_secret="x")  # type: ignore[arg-type]
    one.check()
    assert one.enabled and not one.oauth
