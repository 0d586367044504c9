"""Discord's secret under its ecosystem name (DISCORD_TOKEN), and where its API is."""

from __future__ import annotations

from pydantic import SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.settings import SettingsError


class DiscordSettings(BaseSettings):
    """The bot token, and DISCORD_API_URL to point discord.py elsewhere (a proxy, a test)."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    discord_token: SecretStr | None = None
    discord_api_url: str | None = None

    @field_validator("discord_token")
    @classmethod
    def _token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and (
            len(value.get_secret_value()) < 20 or " " in value.get_secret_value()
        ):
            raise ValueError(
                "that is not a bot token: copy it from the Developer Portal (Bot → Reset Token)"
            )
        return value

    @field_validator("discord_api_url")
    @classmethod
    def _api_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} is not a URL; write e.g. https://discord.com/api/v10")
        return value.rstrip("/") if value else None

    @property
    def enabled(self) -> bool:
        """Say whether Discord is configured."""
        return self.discord_token is not None


def load_discord_settings() -> DiscordSettings:
    """Read Discord's settings from the environment, with errors that name the variable."""
    try:
        return DiscordSettings()
    except ValidationError as error:
        lines = [
            f"{str(item['loc'][0]).upper()}: {item['msg'].removeprefix('Value error, ')}"
            for item in error.errors()
        ]
        raise SettingsError("\n".join(lines)) from None
