"""A question from the terminal starts light: it loads no platform, plotting or scheduler library.

`pausewatch ask` is a whole process per question, and its time is mostly imports (bench/ measures
it). Each library below is imported where it is used; these tests fail when one comes back to
the top of a module that a question imports.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from apscheduler.triggers.cron import CronTrigger

from bot.settings import Settings
from tests import console_script
from tests.conftest import NOW

# Libraries, and the project's own modules that pull them or much code in, that answer no
# question: the platforms, charts, the schedule, metrics, migrations, the interactive prompt,
# rich (its error output and progress bar), and what sources and imports need.
NOT_FOR_A_QUESTION = (
    "discord",
    "slack_bolt",
    "slack_sdk",
    "aiohttp",
    "matplotlib",
    "apscheduler",
    "prometheus_client",
    "alembic",
    "prompt_toolkit",
    "rich",
    "dateparser",
    "rapidfuzz",
    "bot.slack.app",
    "bot.discord.app",
    "bot.web",
    "bot.sources",
    "bot.platforms",
    "bot.notify.charts",
    "bot.notify.digests",
    "bot.notify.scheduler",
    "bot.commands.sources",
    "storage.import_formats",
    "storage.importers",
)
# The commands, and questions in words (read without the date parser or the fuzzy matcher:
# their words are all known as written).
QUESTIONS = (
    "since",
    "pause",
    "pauses",
    "stats country:Iraq",
    "last",
    "since as-of 2024-07-15",
    "how many attacks in 2024?",
    "when was the last attack on 16 July 2024?",
)

# Runs in a fresh interpreter: the console script's entry point, one question after another.
ASK = """
import gc, json, sys
from bot.script import main

codes = []
for question in sys.argv[1:]:
    sys.argv = ["pausewatch", "ask", *question.split()]
    try:
        main()
    except SystemExit as exit:
        codes.append(exit.code)
print(json.dumps({
    "codes": codes,
    "modules": sorted(sys.modules),
    "collecting": gc.isenabled(),
    "frozen": gc.get_freeze_count(),
}))
"""


def loaded(modules: list[str], names: tuple[str, ...]) -> list[str]:
    """Return the modules of `modules` that are one of `names` or inside one of them."""
    return [m for m in modules if any(m == n or m.startswith(n + ".") for n in names)]


def test_a_question_loads_no_platform_plotting_or_scheduler_library(database_url: str) -> None:
    environment = {
        "PAUSEWATCH_DATABASE_URL": database_url,
        "PAUSEWATCH_NOW": NOW.isoformat(),
    }
    imported = console_script.pausewatch("import", "--sample", env=environment)
    assert imported.returncode == 0, imported.stderr
    variables = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(console_script.PREFIXES) or k == "PAUSEWATCH_TEST_DATABASE_URL"
    }
    ran = subprocess.run(
        [sys.executable, "-c", ASK, *QUESTIONS],
        capture_output=True,
        text=True,
        env={**variables, **environment},
        timeout=120,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    *replies, last = ran.stdout.strip().splitlines()
    result = json.loads(last)
    assert result["codes"] == [0] * len(QUESTIONS), ran.stderr
    # The questions were answered from the sample, so the imports checked are a real answer's.
    assert "862 days since the last attack" in replies, replies
    assert "At least 1 attack in Iraq since 17 Oct 2023" in replies, replies
    assert "84 days since the last attack" in replies, replies
    assert "4 attacks in 2024 (1 Jan – 31 Dec 2024)" in replies, replies
    modules = result["modules"]
    assert "sqlalchemy.ext.asyncio" in modules and "bot.commands.questions" in modules
    assert loaded(modules, NOT_FOR_A_QUESTION) == []
    # The entry point set aside what the imports made from the collector (bot/script.py), and
    # turned the collector back on for what the commands make.
    assert result["collecting"] is True
    assert result["frozen"] > 10_000
    if database_url.startswith("sqlite"):
        # The PostgreSQL dialect is for PostgreSQL's writes (storage.database.upsert_insert).
        assert loaded(modules, ("sqlalchemy.dialects.postgresql", "asyncpg")) == []


def test_the_default_digest_schedule_is_a_cron_schedule() -> None:
    # Settings do not check their default schedule (that would load APScheduler for every
    # command), so it is checked here.
    default = Settings.model_fields["digest_cron"].default
    assert default == "0 9 * * mon"
    trigger = CronTrigger.from_crontab(default, timezone="UTC")
    assert str(trigger.fields[4]) == "mon"
