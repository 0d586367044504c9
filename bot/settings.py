"""Settings: environment variables (PAUSEWATCH_*) over an optional TOML file, loaded once."""

from __future__ import annotations

import os
import re
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from bot.access import TEAM, AccessSettings
from bot.domain.filters import FILTER_KEYS
from bot.domain.pauses import Counting

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_FILE = Path("config/pausewatch.toml")
# Shipped inside the package (config/sample-incidents.csv points at it), so that an installed
# pausewatch finds it from any directory.
SAMPLE_DATA = Path(str(resources.files("bot") / "data" / "sample-incidents.csv"))

# A driver-less URL is what people paste; the bot only speaks the async drivers.
ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
}
SUPPORTED_URLS = "sqlite+aiosqlite:///pausewatch.db or postgresql+asyncpg://user@host/dbname"


_SCHEME = re.compile(r"^\s*[A-Za-z][A-Za-z0-9+.-]*:/*")
_SECRET_QUERY = re.compile(r"(?i)((?:password|passwd|pwd|secret|token)=)[^&#\s]*")


def redacted_url(url: object) -> str:
    """Write a database URL for a message or a log line, with no secret in it.

    Everything before the host's `@` may hold a password (`user:pw@`, `user%3Apw@`, a
    malformed URL that does not parse), so none of it is shown; nor is a password in the
    query.
    """
    text = url.render_as_string(hide_password=True) if isinstance(url, URL) else str(url)
    head = text.split("?", 1)[0]
    if "@" in head:
        scheme = _SCHEME.match(text)
        prefix = scheme.group(0).strip() if scheme else ""
        text = prefix + "***@" + text[head.rindex("@") + 1 :]
    return _SECRET_QUERY.sub(r"\1***", text)


def is_series_name(name: str) -> bool:
    """Say whether a series name is one: letters, digits, - and _, not digits alone."""
    return (
        0 < len(name) <= 64 and all(c.isalnum() or c in "-_" for c in name) and not name.isdigit()
    )


class SettingsError(Exception):
    """A setting that is missing or malformed, said in words a user can act on."""


class StartupError(Exception):
    """The bot cannot start; the message says why and what to change."""


class SeriesSettings(BaseModel):
    """One tracked series: what its incidents are called and when tracking began."""

    model_config = ConfigDict(extra="forbid")

    noun: str = "incident"
    plural: str | None = None
    # Other words people use for its incidents ("downtime" for outages), read in questions.
    aliases: list[str] = Field(default_factory=list)
    tracking_start: date | None = None
    description: str = ""
    # Incidents whose day is known only to the week or month (ACLED's time_precision 2 or 3):
    # "skip" leaves them out of since, pause and pauses (each reply says how many), "count"
    # counts them on the day the source gives (and says so). Counts (stats, list) hold them.
    imprecise: Literal["skip", "count"] = "skip"

    @property
    def nouns(self) -> str:
        """Return the plural noun ("attacks")."""
        return self.plural or f"{self.noun}s"


class SubscriptionSettings(BaseModel):
    """A subscription given in the settings file rather than by a chat command."""

    model_config = ConfigDict(extra="forbid")

    platform: str = "console"
    channel: str = "terminal"
    kind: Literal["alerts", "digest"]
    series: str = "attacks"
    filters: dict[str, str] = Field(default_factory=dict)
    # The team whose channel it is ("slack:T0123ABCD"): needed with many Slack workspaces.
    team: str | None = None

    @field_validator("team")
    @classmethod
    def _team(cls, value: str | None) -> str | None:
        if value is not None and not TEAM.match(value):
            raise ValueError(f"{value!r} is not a team: write slack:T0123ABCD or discord:SERVER_ID")
        return value

    @field_validator("filters")
    @classmethod
    def _filter_keys(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(FILTER_KEYS))
        if unknown:
            raise ValueError(
                f"{', '.join(unknown)} is not a filter; filters are {', '.join(FILTER_KEYS)}"
            )
        return value


SOURCE_KINDS = ("csv", "json", "acled")
# What an ACLED source may take: ACLED's own query parameters, and `from` (the first day).
ACLED_QUERY_KEYS = ("country", "event_type", "sub_event_type", "actor1", "notes", "from")
_EVERY = re.compile(r"^\s*([0-9]{1,5})\s*(m|min|h|d)\s*$", re.IGNORECASE)
EVERY_HINT = "write how often as minutes, hours or days, e.g. 30m, 1h, 1d (at least 5m)"
MIN_EVERY_MINUTES = 5


def parse_every(text: str) -> int:
    """Read how often a source runs ("30m", "1h", "1d") as minutes; raise ValueError saying how."""
    match = _EVERY.match(text)
    if not match:
        raise ValueError(f"{text!r} is not an interval; {EVERY_HINT}")
    number, unit = int(match[1]), match[2].lower()
    minutes = number * {"m": 1, "min": 1, "h": 60, "d": 1440}[unit]
    if minutes < MIN_EVERY_MINUTES:
        raise ValueError(f"{text!r} is too often; {EVERY_HINT}")
    return minutes


def every_text(minutes: int) -> str:
    """Write an interval in minutes the way `parse_every` reads it."""
    if minutes % 1440 == 0:
        return f"{minutes // 1440}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


class SourceSettings(BaseModel):
    """A source given in the settings file rather than by `source add`."""

    model_config = ConfigDict(extra="forbid")

    name: str
    kind: Literal["csv", "json", "acled"]
    url: str | None = None
    series: str = "attacks"
    reviewed: bool = False
    every: str = "1h"
    query: dict[str, str] = Field(default_factory=dict)

    @field_validator("every")
    @classmethod
    def _every(cls, value: str) -> str:
        parse_every(value)
        return value

    @property
    def every_minutes(self) -> int:
        """Return the interval in minutes."""
        return parse_every(self.every)


DEFAULT_SERIES = {
    "attacks": SeriesSettings(
        noun="attack",
        tracking_start=date(2023, 10, 17),
        description="Attacks by Iran-backed militias on U.S. forces in Iraq, Syria and Jordan",
    ),
    "us-strikes": SeriesSettings(
        noun="strike",
        aliases=["airstrike", "raid", "struck", "striking"],
        tracking_start=date(2023, 10, 17),
        description="U.S. strikes against Iran-backed groups in Iraq and Syria",
    ),
}


class Settings(AccessSettings):
    """Every setting of the bot; documented one by one in config/pausewatch.example.toml."""

    model_config = SettingsConfigDict(env_prefix="PAUSEWATCH_", extra="forbid")

    database_url: str = "sqlite+aiosqlite:///pausewatch.db"
    timezone: str = "UTC"
    pause_counting: Counting = Counting.INCLUSIVE
    default_series: str = "attacks"
    series: dict[str, SeriesSettings] = Field(default_factory=lambda: dict(DEFAULT_SERIES))
    load_sample_data: bool = True
    sample_data: Path = SAMPLE_DATA
    alert_min_pause_days: int = Field(default=1, ge=1)
    # The default is not put through _cron (BaseSettings checks defaults too): it is known to
    # parse, and checking it would load APScheduler for every command, a question included.
    digest_cron: str = Field(default="0 9 * * mon", validate_default=False)
    digest_grace_hours: int = Field(default=24, ge=0)
    chart_weeks: int = Field(default=52, ge=4, le=520)
    subscriptions: list[SubscriptionSettings] = Field(default_factory=list)
    delivery_max_attempts: int = Field(default=8, ge=1)
    slack_command: str = "/incidents"
    host: str = "0.0.0.0"  # noqa: S104 (Slack must reach HTTP mode from outside)
    # The moment the bot starts at, instead of the real one (time then runs on from it):
    # to replay a past day in a demo, or to run the bot in a test on a day of its own.
    now: AwareDatetime | None = None
    port: int = Field(default=3000, ge=1, le=65535)
    # The HTTP side (API, board, badge, health, metrics): off unless a port is given.
    web_port: int | None = Field(default=None, ge=0, le=65535)
    web_host: str = "0.0.0.0"  # noqa: S104 (a wall screen and Prometheus reach it from outside)
    write_rate_per_minute: int = Field(default=60, ge=1)
    log_format: Literal["text", "json"] = "text"
    # Sources: ACLED's account (OAuth password grant), where its API is, and how runs behave.
    acled_username: str | None = None
    acled_password: SecretStr | None = None
    acled_api_url: str = "https://acleddata.com"
    acled_page_size: int = Field(default=5000, ge=1, le=5000)
    source_timeout_seconds: float = Field(default=60.0, gt=0)
    source_jitter_seconds: int = Field(default=30, ge=0)
    sources: list[SourceSettings] = Field(default_factory=list)

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        try:
            url = make_url(value)
        except (ArgumentError, ValueError):
            raise ValueError(
                f"{redacted_url(value)!r} is not a database URL; write {SUPPORTED_URLS}"
            ) from None
        driver = ASYNC_DRIVERS.get(url.drivername, url.drivername)
        if driver not in ASYNC_DRIVERS.values():
            raise ValueError(f"{url.drivername!r} is not supported; write {SUPPORTED_URLS}")
        return url.set(drivername=driver).render_as_string(hide_password=False)

    @field_validator("web_port", mode="before")
    @classmethod
    def _no_port(cls, value: Any) -> Any:
        # PAUSEWATCH_WEB_PORT= (empty) means off, as leaving it out does.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("slack_command")
    @classmethod
    def _slash(cls, value: str) -> str:
        if not value.startswith("/") or " " in value:
            raise ValueError(f"{value!r} is not a slash command; write e.g. /incidents")
        return value

    @field_validator("digest_cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        fields = value.split()
        if len(fields) != 5:
            raise ValueError(
                f"{value!r} is not a cron schedule; write five fields: minute hour day month "
                "weekday, e.g. 0 9 * * mon"
            )
        from apscheduler.triggers.cron import CronTrigger  # only for a schedule that is set

        try:
            CronTrigger.from_crontab(value)
        except ValueError as error:
            raise ValueError(
                f"{value!r} is not a cron schedule ({error}); e.g. 0 9 * * mon"
            ) from None
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not a time zone; write an IANA name such as UTC or Asia/Baghdad"
            ) from None
        return value

    @field_validator("series")
    @classmethod
    def _series_names(cls, value: dict[str, SeriesSettings]) -> dict[str, SeriesSettings]:
        for name in value:
            if not is_series_name(name):
                raise ValueError(
                    f"{name!r} is not a series name; use letters, digits, - and _, e.g. us-strikes"
                )
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Read keyword arguments, then the environment, then the TOML file."""
        toml_file = Path(os.environ.get("PAUSEWATCH_CONFIG", DEFAULT_CONFIG_FILE))
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file))

    @property
    def zone(self) -> ZoneInfo:
        """Return the configured time zone."""
        return ZoneInfo(self.timezone)

    def series_settings(self, name: str) -> SeriesSettings:
        """Return the settings of a series, with defaults for one only found in the database."""
        return self.series.get(name) or SeriesSettings()


def load_settings(**overrides: Any) -> Settings:
    """Load the settings, turning validation errors into one readable SettingsError."""
    config_file = os.environ.get("PAUSEWATCH_CONFIG")
    if config_file and not Path(config_file).is_file():
        raise SettingsError(f"PAUSEWATCH_CONFIG names {config_file!r}, which is not a file")
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise SettingsError(describe_validation_error(error)) from None
    except ValueError as error:  # a TOML file that does not parse
        raise SettingsError(f"the settings file could not be read: {error}") from None


def describe_validation_error(error: ValidationError) -> str:
    """Name each bad setting by its environment variable and say what was wrong."""
    lines = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"])
        top = str(item["loc"][0]) if item["loc"] else key
        message = item["msg"].removeprefix("Value error, ")
        if not item["loc"]:  # a rule across settings names them itself
            lines.append(f"settings: {message}")
            continue
        if item["type"] == "extra_forbidden":
            message = "is not a setting; see config/pausewatch.example.toml for the list"
        lines.append(f"setting {key} (PAUSEWATCH_{top.upper()}): {message}")
    return "\n".join(lines)
