"""Settings: defaults, environment over TOML file, and readable errors."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from bot.domain.pauses import Counting
from bot.settings import PROJECT_DIR, Settings, SettingsError, load_settings


def test_defaults_are_the_embedded_sqlite_and_utc() -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite+aiosqlite:///pausewatch.db"
    assert settings.timezone == "UTC"
    assert settings.pause_counting is Counting.INCLUSIVE
    assert settings.series["attacks"].tracking_start == date(2023, 10, 17)
    assert settings.admins == []


def test_environment_overrides_the_toml_file(monkeypatch: pytest.MonkeyPatch) -> None:
    Path("config").mkdir()
    Path("config/pausewatch.toml").write_text(
        'timezone = "Asia/Baghdad"\n'
        'pause_counting = "elapsed"\n'
        'admins = ["U1"]\n'
        "[series.outages]\n"
        'noun = "outage"\n'
        'tracking_start = "2025-01-01"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("PAUSEWATCH_ADMINS", "U2, U3")
    settings = load_settings()
    assert settings.timezone == "Asia/Baghdad"
    assert settings.pause_counting is Counting.ELAPSED
    assert settings.admins == ["U2", "U3"]
    assert settings.series["outages"].nouns == "outages"
    assert "attacks" not in settings.series  # a file that names series names all of them


def test_a_driverless_url_gets_the_async_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAUSEWATCH_DATABASE_URL", "postgresql://u:secret@db/pw")
    assert load_settings().database_url == "postgresql+asyncpg://u:secret@db/pw"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PAUSEWATCH_TIMEZONE", "Europe/Atlantis", "'Europe/Atlantis' is not a time zone"),
        (
            "PAUSEWATCH_PAUSE_COUNTING",
            "weeks",
            "setting pause_counting (PAUSEWATCH_PAUSE_COUNTING)",
        ),
        ("PAUSEWATCH_DATABASE_URL", "not a url", "is not a database URL"),
        ("PAUSEWATCH_LOAD_SAMPLE_DATA", "maybe", "setting load_sample_data"),
    ],
)
def test_bad_values_name_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_settings()


def test_a_misspelt_setting_in_the_file_is_refused() -> None:
    Path("config").mkdir()
    Path("config/pausewatch.toml").write_text('time_zone = "UTC"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match=r"setting time_zone .* is not a setting"):
        load_settings()


def test_a_file_that_does_not_parse_is_refused() -> None:
    Path("config").mkdir()
    Path("config/pausewatch.toml").write_text("timezone = \n", encoding="utf-8")
    with pytest.raises(SettingsError, match="the settings file could not be read"):
        load_settings()


def test_a_bad_series_name_is_refused() -> None:
    Path("config").mkdir()
    Path("config/pausewatch.toml").write_text('[series."bad name"]\nnoun = "x"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match="is not a series name"):
        load_settings()


def test_the_example_file_documents_every_setting_and_loads_as_the_defaults() -> None:
    example = PROJECT_DIR / "config" / "pausewatch.example.toml"
    text = example.read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"\n{name} =" in text or f"\n# {name} =" in text or f"[{name}." in text, name
    defaults = load_settings()
    Path("config").mkdir()
    shutil.copy(example, "config/pausewatch.toml")
    assert load_settings() == defaults


def test_pausewatch_config_names_another_file(monkeypatch: pytest.MonkeyPatch) -> None:
    Path("elsewhere.toml").write_text('timezone = "Asia/Baghdad"\n', encoding="utf-8")
    monkeypatch.setenv("PAUSEWATCH_CONFIG", "elsewhere.toml")
    monkeypatch.setenv("PAUSEWATCH_UNRELATED", "x")  # other variables of ours are not settings
    assert load_settings().timezone == "Asia/Baghdad"


def test_platform_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAUSEWATCH_DISCORD_GUILD_IDS", "123, 456")
    monkeypatch.setenv("PAUSEWATCH_SLACK_COMMAND", "/pauses")
    settings = load_settings()
    assert settings.discord_guild_ids == [123, 456]
    assert settings.slack_command == "/pauses"
    monkeypatch.setenv("PAUSEWATCH_DISCORD_GUILD_IDS", "123, my-server")
    with pytest.raises(SettingsError, match="write server ids as digits"):
        load_settings()
    monkeypatch.setenv("PAUSEWATCH_DISCORD_GUILD_IDS", "")
    monkeypatch.setenv("PAUSEWATCH_SLACK_COMMAND", "incidents")
    with pytest.raises(SettingsError, match=r"is not a slash command; write e\.g\. /incidents"):
        load_settings()
