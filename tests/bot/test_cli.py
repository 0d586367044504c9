"""The `pausewatch` command line: its commands in-process (Typer's runner), a few as processes."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.settings import SAMPLE_DATA
from storage.database import open_database
from storage.models import AuditEntry, Incident
from tests import console_script
from tests.conftest import NOW
from tests.console_script import Ran

# Each command's clock runs on from PAUSEWATCH_NOW from its own start, so a message queued
# 0.3 s into one command is not yet due 0.1 s into the next: the bot that posts what was
# queued is started a minute later, as it would be.
A_MINUTE_LATER = {"PAUSEWATCH_NOW": (NOW + timedelta(minutes=1)).isoformat()}


def pausewatch(*args: str, url: str, stdin: str = "", env: dict[str, str] | None = None) -> Ran:
    """Run one command of the CLI in this process, as the console script would."""
    environment = {
        "PAUSEWATCH_DATABASE_URL": url,
        "PAUSEWATCH_NOW": NOW.isoformat(),  # the tests' day, not the real one
        **(env or {}),
    }
    return console_script.pausewatch(*args, env=environment, stdin=stdin)


def process(
    *args: str,
    url: str,
    stdin: str = "",
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `pausewatch` as a real process: for what only a process shows (pipes, packaging)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PAUSEWATCH_")}
    environment["PAUSEWATCH_DATABASE_URL"] = url
    environment["PAUSEWATCH_NOW"] = NOW.isoformat()
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
        cwd=cwd,
    )


def stored(url: str) -> tuple[int, int]:
    """Return (incidents, audit entries) in the database at `url`."""

    async def count() -> tuple[int, int]:
        database = open_database(url)
        async with database.read() as session:
            incidents = await session.scalar(select(func.count()).select_from(Incident))
            audits = await session.scalar(select(func.count()).select_from(AuditEntry))
        await database.dispose()
        return incidents or 0, audits or 0

    return asyncio.run(count())


def test_import_then_ask_gives_the_article_figures(database_url: str) -> None:
    imported = pausewatch("import", str(SAMPLE_DATA), url=database_url)
    assert imported.returncode == 0, imported.stderr
    assert "Imported 7 incidents (attacks: 4, us-strikes: 3)" in imported.stdout

    pauses = pausewatch("ask", "pauses", url=database_url)
    assert pauses.returncode == 0, pauses.stderr
    rows = [line.split() for line in pauses.stdout.splitlines() if line[:2] in ("1 ", "2 ")]
    assert rows[0][:8] == ["1", "86", "days", "22", "Apr", "2024", "16", "Jul"]
    assert rows[1][:8] == ["2", "78", "days", "4", "Feb", "2024", "21", "Apr"]

    # PAUSEWATCH_NOW is the tests' day, 25 Nov 2026: 862 days after 16 Jul 2024.
    today = pausewatch("ask", "since", url=database_url)
    assert today.stdout.startswith("862 days since the last attack\n"), today.stdout
    since = pausewatch("ask", "since as-of 2024-07-15", url=database_url)
    assert since.returncode == 0
    assert since.stdout.startswith("84 days since the last attack\n")
    assert "The last attack was on 22 Apr 2024" in since.stdout


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("since as-of 2024-13-01", "is not a day of the calendar; write dates as YYYY-MM-DD"),
        ("since as-of 2099-01-01", "is in the future"),
        ("since contry:Iraq", "`contry:` is not a filter key (did you mean country:?)"),
        ("since series:atacks", "`atacks` is not a series (attacks, us-strikes)"),
        ("add 2024-02-30", "is not a day of the calendar"),
    ],
)
def test_bad_questions_and_writes_exit_non_zero_and_change_nothing(
    database_url: str, command: str, message: str
) -> None:
    assert pausewatch("import", str(SAMPLE_DATA), url=database_url).returncode == 0
    before = stored(database_url)
    result = pausewatch("ask", command, url=database_url)
    assert result.returncode == 1
    assert message in result.stderr
    assert result.stdout == ""
    assert stored(database_url) == before


def test_a_csv_with_a_bad_row_changes_nothing(database_url: str, tmp_path: Path) -> None:
    assert pausewatch("import", str(SAMPLE_DATA), url=database_url).returncode == 0
    before = stored(database_url)
    bad = tmp_path / "bad.csv"
    bad.write_text("date,country\n2024-08-01,Iraq\n2024-08-32,Iraq\n", encoding="utf-8")
    result = pausewatch("import", str(bad), url=database_url)
    assert result.returncode == 1
    assert "was not imported; nothing was changed" in result.stderr
    assert "line 3: date '2024-08-32' is not a day of the calendar" in result.stderr
    assert "went wrong" not in result.stderr and "Traceback" not in result.stderr
    assert stored(database_url) == before


def test_export_then_import_adds_nothing(database_url: str, tmp_path: Path) -> None:
    assert pausewatch("import", str(SAMPLE_DATA), url=database_url).returncode == 0
    out = tmp_path / "all.csv"
    exported = pausewatch("export", "--output", str(out), url=database_url)
    assert exported.returncode == 0 and "Exported 7 incidents" in exported.stderr
    again = pausewatch("import", str(out), url=database_url)
    assert again.returncode == 0
    assert "Imported 0 incidents; skipped 7 already stored" in again.stdout


def test_run_reads_piped_commands_and_loads_the_sample_on_first_run(database_url: str) -> None:
    result = process(
        "run",
        url=database_url,
        stdin="since as-of 2024-07-15\nsinse\nfrobnicate\nadd 2024-07-20\nlast 1\n",
    )
    assert result.returncode == 0, result.stderr
    assert "First run: loaded 7 sample incidents" in result.stderr
    out = result.stdout
    assert "> since as-of 2024-07-15\n84 days since the last attack" in out
    # A typo is read as the word it is closest to, and said; words not read are refused.
    assert "Read `sinse` as since." in out
    assert "I could not read `frobnicate`" in out
    assert "Recorded attack #8 on 20 Jul 2024" in out
    assert "It is the first attack since 16 Jul 2024: it ends a 5-day pause" in out
    # What the first run stored is what the next one finds: no process of its own needed.
    second = pausewatch("run", url=database_url, stdin="since as-of 2024-07-21\n")
    assert "First run" not in second.stderr
    assert "1 day since the last attack" in second.stdout


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "PAUSEWATCH_TIMEZONE",
            "Mars/Olympus",
            "setting timezone (PAUSEWATCH_TIMEZONE): 'Mars/Olympus' is not a time zone",
        ),
        (
            "PAUSEWATCH_PAUSE_COUNTING",
            "weekly",
            "setting pause_counting (PAUSEWATCH_PAUSE_COUNTING)",
        ),
        (
            "PAUSEWATCH_DATABASE_URL",
            "mysql://db/x",
            "'mysql' is not supported; write sqlite+aiosqlite",
        ),
        (
            "PAUSEWATCH_CONFIG",
            "/nonexistent.toml",
            "PAUSEWATCH_CONFIG names '/nonexistent.toml', which is not a file",
        ),
    ],
)
def test_bad_settings_are_named_and_stop_start_up(
    tmp_path: Path, variable: str, value: str, message: str
) -> None:
    result = pausewatch(
        "ask", "since", url=f"sqlite+aiosqlite:///{tmp_path}/x.db", env={variable: value}
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    result = pausewatch("ask", "since", url="postgresql+asyncpg://nobody@127.0.0.1:9/none")
    assert result.returncode == 2
    assert "cannot open the database" in result.stderr
    assert "Traceback" not in result.stderr


def test_migrate_reports_the_database(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/new.db"
    result = pausewatch("migrate", url=url)
    assert result.returncode == 0
    assert "The database is up to date" in result.stdout
    assert stored(url) == (0, 0)


def test_only_configured_admins_may_write_as_a_platform_user(database_url: str) -> None:
    admins = {"PAUSEWATCH_ADMINS": "U-ADMIN, U-OTHER"}
    refused = pausewatch(
        "ask", "--user", "U-READER", "add 2024-07-16", url=database_url, env=admins
    )
    assert refused.returncode == 1
    assert "Only admins may `add`" in refused.stderr
    assert stored(database_url)[0] == 0
    allowed = pausewatch("ask", "--user", "U-ADMIN", "add 2024-07-16", url=database_url, env=admins)
    assert allowed.returncode == 0, allowed.stderr
    assert stored(database_url)[0] == 1
    reader = pausewatch(
        "ask", "--user", "U-READER", "since as-of 2024-07-17", url=database_url, env=admins
    )
    assert reader.stdout.startswith("1 day since the last attack")


def test_the_console_prints_the_alert_of_an_add(database_url: str) -> None:
    assert pausewatch("import", str(SAMPLE_DATA), url=database_url).returncode == 0
    assert pausewatch("ask", "delete 4", url=database_url).returncode == 0  # back to 22 Apr
    commands = (
        'subscribe alerts attacks\nadd 2024-07-16 location:"Ain al-Assad" country:Iraq kind:drone\n'
    )
    result = pausewatch("run", url=database_url, stdin=commands)
    assert result.returncode == 0, result.stderr
    alert = result.stdout.split("[alert for terminal]\n", 1)[1]
    assert alert.startswith("New attack on 16 Jul 2024 ends an 86-day pause\n")
    assert (
        "It ends an 86-day pause (22 Apr → 16 Jul 2024), a new record: the longest since tracking "
        "began on 17 Oct 2023; the previous record was 78 days (4 Feb → 21 Apr 2024)." in alert
    )
    assert result.stdout.count("[alert for terminal]") == 1
    listed = pausewatch("outbox", url=database_url)
    assert listed.stdout.strip() == "The outbox is empty: every message was posted."


def test_alerts_queued_by_an_import_wait_in_the_outbox_for_the_bot(
    database_url: str, tmp_path: Path
) -> None:
    assert pausewatch("import", str(SAMPLE_DATA), url=database_url).returncode == 0
    assert pausewatch("ask", "subscribe alerts", url=database_url).returncode == 0
    later = tmp_path / "later.csv"
    later.write_text("date,country\n2024-08-01,Iraq\n", encoding="utf-8")
    assert pausewatch("import", str(later), url=database_url).returncode == 0
    waiting = pausewatch("outbox", url=database_url)
    assert "#1  pending  alert   console:terminal  tries 0" in waiting.stdout
    assert "ends a 17-day pause" in waiting.stdout
    assert pausewatch("outbox", "retry", "99", url=database_url).returncode == 1
    posted = pausewatch("run", url=database_url, stdin="", env=A_MINUTE_LATER)
    assert posted.stdout.count("[alert for terminal]\nNew attack on 1 Aug 2024") == 1
    again = pausewatch("run", url=database_url, stdin="", env=A_MINUTE_LATER)
    assert "[alert" not in again.stdout


def test_digest_dry_run_prints_the_week_and_writes_the_chart(database_url: str) -> None:
    assert pausewatch("import", str(SAMPLE_DATA), url=database_url).returncode == 0
    result = pausewatch("digest", "--dry-run", "--as-of", "2024-07-22", url=database_url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Weekly digest, attacks: 1 attack this week (15 – 21 Jul 2024)")
    assert "Chart written to charts/attacks-2024-07-22.png" in result.stdout
    assert Path("charts/attacks-2024-07-22.png").read_bytes().startswith(b"\x89PNG")
    assert stored(database_url)[0] == 7  # a dry run posts and stores nothing
    bad = pausewatch("digest", "--dry-run", "--as-of", "22/07/2024", url=database_url)
    assert bad.returncode == 1 and "--as-of '22/07/2024' is not a date" in bad.stderr


def test_a_queued_digest_is_posted_by_the_console_with_its_chart(database_url: str) -> None:
    assert pausewatch("import", str(SAMPLE_DATA), url=database_url).returncode == 0
    assert pausewatch("ask", "subscribe digest", url=database_url).returncode == 0
    queued = pausewatch("digest", "--as-of", "2024-07-22", url=database_url)
    assert queued.stdout.startswith("Queued 1 digest for the week to 22 Jul 2024")
    again = pausewatch("digest", "--as-of", "2024-07-22", url=database_url)
    assert again.stdout.startswith("Queued 0 digests for the week")  # claimed once
    assert "(each was already queued)" in again.stdout
    posted = pausewatch("run", url=database_url, stdin="", env=A_MINUTE_LATER)
    printed = posted.stdout.count("[digest for terminal]\nWeekly digest, attacks: 1 attack")
    assert printed == 1, posted.stdout + posted.stderr
    assert "Chart written to charts/attacks-2024-07-22.png" in posted.stdout
    assert Path("charts/attacks-2024-07-22.png").read_bytes().startswith(b"\x89PNG")


def test_digest_of_one_series_queues_only_that_series(database_url: str) -> None:
    assert pausewatch("import", str(SAMPLE_DATA), url=database_url).returncode == 0
    none = pausewatch("digest", "--as-of", "2024-07-22", url=database_url)
    assert "No channel is subscribed to the weekly digest: `subscribe digest`" in none.stdout
    assert pausewatch("ask", "subscribe digest", url=database_url).returncode == 0
    strikes = pausewatch(
        "digest", "--series", "us-strikes", "--as-of", "2024-07-22", url=database_url
    )
    assert "No channel is subscribed to the weekly digest of us-strikes" in strikes.stdout
    assert "#1 " not in pausewatch("outbox", url=database_url).stdout  # nothing was queued
    unknown = pausewatch("digest", "--series", "nope", url=database_url)
    assert unknown.returncode == 1 and "'nope' is not a series" in unknown.stderr


def test_ask_takes_the_rest_of_the_line_unquoted(database_url: str) -> None:
    assert pausewatch("import", str(SAMPLE_DATA), url=database_url).returncode == 0
    result = pausewatch("ask", "since", "country:Iraq", "as-of", "2024-07-20", url=database_url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("4 days since the last attack in Iraq")


def test_version_and_short_help(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/x.db"
    version = pausewatch("--version", url=url)
    assert version.returncode == 0 and version.stdout.startswith("pausewatch 0.")
    short = pausewatch("-h", url=url)
    assert short.returncode == 0 and "Commands" in short.stdout
    run_help = pausewatch("run", "--help", url=url)
    assert "SLACK_BOT_TOKEN" in run_help.stdout and "DISCORD_TOKEN" in run_help.stdout
    digest_help = pausewatch("digest", "--help", url=url)
    assert "<bool>" not in digest_help.stdout and "--as-of" in digest_help.stdout
    ask_help = pausewatch("ask", "--help", url=url)
    assert "COMMAND..." in ask_help.stdout and "{" not in ask_help.stdout


def test_import_sample_needs_no_path(database_url: str) -> None:
    result = pausewatch("import", "--sample", url=database_url)
    assert result.returncode == 0 and "Imported 7 incidents" in result.stdout
    neither = pausewatch("import", url=database_url)
    assert neither.returncode == 1 and "give a FILE to import, or --sample" in neither.stderr


def test_export_into_a_pipe_that_closes_early_is_quiet(tmp_path: Path) -> None:
    # The pipe, not the database, is under test: SQLite alone.
    database_url = f"sqlite+aiosqlite:///{tmp_path}/pw.db"
    assert pausewatch("import", str(SAMPLE_DATA), url=database_url).returncode == 0
    command = f"{sys.executable} -m bot export | head -2"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PAUSEWATCH_")}
    environment["PAUSEWATCH_DATABASE_URL"] = database_url
    # Many rows, so that the pipe is closed while export still writes.
    result = subprocess.run(
        ["bash", "-c", f"for i in 1 2 3; do {command}; done"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )
    assert result.stdout.count("series,date,") == 3
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr


def test_a_built_wheel_runs_from_any_directory(tmp_path: Path) -> None:
    """A non-editable install finds its migrations and sample data from anywhere."""
    root = Path(__file__).resolve().parents[2]
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",  # the test extra's setuptools, not one downloaded each time
            "-q",
            "-w",
            str(tmp_path / "dist"),
            str(root),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    [wheel] = (tmp_path / "dist").glob("pausewatch-*.whl")
    installed = tmp_path / "site"
    shutil.unpack_archive(wheel, installed, format="zip")  # what pip install puts in place
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    url = f"sqlite+aiosqlite:///{elsewhere}/pw.db"
    env = {"PYTHONPATH": str(installed)}
    where = process("--version", url=url, env=env, cwd=elsewhere)
    assert where.returncode == 0, where.stderr
    imported = subprocess.run(
        [sys.executable, "-c", "import bot, storage; print(bot.__file__, storage.__file__)"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=elsewhere,
        check=True,
    )
    assert str(root) not in imported.stdout and str(installed) in imported.stdout
    sample = process("import", "--sample", url=url, env=env, cwd=elsewhere)
    assert sample.returncode == 0 and "Imported 7 incidents" in sample.stdout, sample.stderr
    since = process("ask", "since", "as-of", "2024-07-20", url=url, env=env, cwd=elsewhere)
    assert since.stdout.startswith("4 days since the last attack"), since.stderr
