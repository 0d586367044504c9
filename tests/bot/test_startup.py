"""A question from the terminal starts light: it loads no platform, plotting or scheduler library."""

from __future__ import annotations

from apscheduler.triggers.cron import CronTrigger

from bot.settings import Settings


def test_the_default_digest_schedule_is_a_cron_schedule() -> None:
    # Settings do not check their default schedule (that would load APScheduler for every
    # command), so it is checked here.
    default = Settings.model_fields["digest_cron"].default
    assert default == "0 9 * * mon"
    trigger = CronTrigger.from_crontab(default, timezone="UTC")
    assert str(trigger.fields[4]) == "mon"
