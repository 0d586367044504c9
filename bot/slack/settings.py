"""Slack's secrets, read under their ecosystem names (SLACK_BOT_TOKEN, ...), never logged."""

from __future__ import annotations

from pydantic import SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.settings import SettingsError


class SlackSettings(BaseSettings):
    """The Slack app's tokens: with an app token Socket Mode, else HTTP mode."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str | None = None
    # Many workspaces (Bolt's names): each installs the app through the OAuth flow.
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    # The redirect URL registered in the manifest, when Slack must be told it exactly.
    slack_redirect_uri: str | None = None

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("a bot token starts with xoxb-: copy it from OAuth & Permissions")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError(
                "an app-level token starts with xapp-: make one under Basic Information"
            )
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} is not a URL; write e.g. https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @property
    def enabled(self) -> bool:
        """Say whether Slack is configured at all."""
        return self.slack_bot_token is not None or self.oauth

    @property
    def oauth(self) -> bool:
        """Say whether the app serves many workspaces, each installed through the OAuth flow."""
        return self.slack_client_id is not None or self.slack_client_secret is not None

    def check(self) -> None:
        """Refuse a configuration that cannot connect, saying what is missing."""
        if self.oauth:
            self._check_oauth()
            return
        if self.slack_bot_token is None:
            raise SettingsError("SLACK_BOT_TOKEN is not set")
        if self.slack_app_token is None and self.slack_signing_secret is None:
            raise SettingsError(
                "SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN (Socket Mode) nor "
                "SLACK_SIGNING_SECRET (HTTP mode) is: set one of them"
            )

    def _check_oauth(self) -> None:
        missing = [
            name
            for name, value in (
                ("SLACK_CLIENT_ID", self.slack_client_id),
                ("SLACK_CLIENT_SECRET", self.slack_client_secret),
                ("SLACK_SIGNING_SECRET", self.slack_signing_secret),
            )
            if value is None
        ]
        if missing:
            raise SettingsError(
                f"{', '.join(missing)} not set: many workspaces (OAuth) need SLACK_CLIENT_ID, "
                "SLACK_CLIENT_SECRET and SLACK_SIGNING_SECRET"
            )
        if self.slack_bot_token is not None or self.slack_app_token is not None:
            raise SettingsError(
                "SLACK_CLIENT_ID is set: each workspace's token comes from its installation; "
                "unset SLACK_BOT_TOKEN and SLACK_APP_TOKEN (Socket Mode serves one workspace)"
            )


def load_slack_settings() -> SlackSettings:
    """Read Slack's settings from the environment, with errors that name the variable."""
    try:
        return SlackSettings()
    except ValidationError as error:
        lines = [
            f"{str(item['loc'][0]).upper()}: {item['msg'].removeprefix('Value error, ')}"
            for item in error.errors()
        ]
        raise SettingsError("\n".join(lines)) from None
