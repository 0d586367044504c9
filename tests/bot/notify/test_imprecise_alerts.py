"""Days known only to the week or month in alerts, record notices and digests: counted as `pause`.

A series that skips them (`imprecise: skip`, the default) hears of no pause ended by one, and
its digest's pause is the pause `pause` gives; one that counts them is told as of any incident.
Counts (stats, the digest's week) hold them either way. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from bot.commands.core import Core
from bot.commands.scheduled import check_records
from bot.domain.wording import day_text
from bot.settings import DEFAULT_SERIES
from tests.bot.commands.test_core import ADMIN, ask
from tests.bot.notify.test_alerts import queued, text_of
from tests.bot.notify.test_digests import digest_of
from tests.conftest import Clock, make_settings

MONTH_PRECISE = 'add 2024-07-16 time_precision:3 location:"Ain al-Assad" country:Iraq kind:drone'


BOTH = pytest.mark.parametrize("imprecise", ["skip", "count"])


@pytest.fixture
async def series_core(database, database_url: str, clock: Clock, imprecise: str) -> Core:
    """Return a core whose attacks series skips or counts the imprecise days (`imprecise`)."""
    series = dict(DEFAULT_SERIES)
    series["attacks"] = series["attacks"].model_copy(update={"imprecise": imprecise})
    core = Core(database=database, settings=make_settings(database_url, series=series), clock=clock)
    await core.prepare()
    return core


async def article_then_month_precise(core: Core) -> None:
    """The article's attacks before July, an alert subscription, then July's known to the month."""
    for text in ["add 2024-02-04", "add 2024-04-21", "add 2024-04-22", "subscribe alerts attacks"]:
        await ask(core, text)
    await ask(core, MONTH_PRECISE)


async def alerts(core: Core) -> list[str]:
    return [text_of(m) for m in await queued(core) if m.kind == "alert"]


def current_pause(text: str) -> int:
    """Return the length of the current pause a reply names."""
    found = re.search(r"The current pause is (?:a new record: )?(\d+) days?", text)
    assert found is not None, text
    return int(found.group(1))


@pytest.mark.parametrize("imprecise", ["skip"])
async def test_a_skipping_series_hears_of_no_pause_ended_by_a_month_precise_attack(
    series_core: Core,
) -> None:
    core = series_core
    await article_then_month_precise(core)
    assert await alerts(core) == []
    # since still counts from the last exact day, and says what it left out.
    said = await ask(core, "since as-of 2024-07-20")
    assert said.startswith("89 days since the last attack"), said
    assert "1 attack known only to the week or month is not counted here" in said
    # The attack is stored and counted.
    assert (await ask(core, "stats as-of 2024-07-20")).startswith("At least 4 attacks")
    assert "Ain al-Assad" in await ask(core, "list July 2024")
    # The next exact attack ends the pause from 22 Apr, and the total holds every attack.
    await ask(core, "add 2024-07-25 country:Syria")
    [alert] = await alerts(core)
    assert alert.startswith("New attack on 25 Jul 2024 ends a 95-day pause"), alert
    assert "(22 Apr → 25 Jul 2024)" in alert
    assert "At least 5 attacks since 17 Oct 2023." in alert
    assert "week or month" not in alert  # an exact day ended it


@pytest.mark.parametrize("imprecise", ["count"])
async def test_a_counting_series_is_told_as_of_any_attack(series_core: Core) -> None:
    core = series_core
    await article_then_month_precise(core)
    [alert] = await alerts(core)
    assert alert.startswith("New attack on 16 Jul 2024 ends an 86-day pause"), alert
    assert "Ain al-Assad, Iraq, drone" in alert
    assert "At least 4 attacks since 17 Oct 2023." in alert
    assert (
        "1 attack known only to the week or month is counted on the day the source gives "
        "(the series counts them: imprecise: count)." in alert
    )
    said = await ask(core, "since as-of 2024-07-20")
    assert said.startswith("4 days since the last attack"), said


@BOTH
async def test_a_filtered_subscription_follows_the_same_rule(
    series_core: Core, imprecise: str
) -> None:
    core = series_core
    await ask(core, "subscribe alerts country:Iraq")
    await ask(core, "add 2024-04-22 country:Iraq")
    await ask(core, MONTH_PRECISE)
    told = await alerts(core)
    if imprecise == "skip":
        assert told == []
    else:
        [alert] = told
        assert alert.startswith("New attack in Iraq on 16 Jul 2024 ends an 86-day pause in Iraq")


@BOTH
@pytest.mark.usefixtures("without_charts")
async def test_the_digest_pause_agrees_with_pause(series_core: Core, imprecise: str) -> None:
    core = series_core
    await article_then_month_precise(core)
    run_day = date(2024, 7, 22)
    digest = await digest_of(core, run_day)
    text = "\n".join([digest.headline, *digest.details])
    pause = await ask(core, "pause as-of 2024-07-22")
    assert current_pause(text) == current_pause(pause), (text, pause)
    # The week counts the attack whatever the setting, as stats do.
    assert digest.headline == "Weekly digest, attacks: 1 attack this week (15 – 21 Jul 2024)"
    assert "This week: 1. At least 4 attacks since 17 Oct 2023." in digest.details
    if imprecise == "skip":
        assert current_pause(text) == 92  # 22 Apr → 22 Jul
        assert "91 days since the last attack (22 Apr 2024)." in text
        assert (
            "1 attack known only to the week or month is not counted in the days since or the "
            "pause (the series skips them: imprecise: skip)." in digest.details
        )
    else:
        assert current_pause(text) == 7  # 16 Jul → 22 Jul
        assert "6 days since the last attack (16 Jul 2024)." in text
        assert "imprecise: count" in text


@BOTH
async def test_record_notices_count_the_running_pause_as_pause_does(
    series_core: Core, clock: Clock, imprecise: str
) -> None:
    core = series_core
    await article_then_month_precise(core)
    clock.now = datetime(2024, 10, 10, 12, tzinfo=UTC)
    assert await check_records(core.context) == 1
    [notice] = [text_of(m) for m in await queued(core) if m.kind == "record"]
    pause = await ask(core, "pause")
    assert current_pause(notice) == current_pause(pause)
    if imprecise == "skip":
        assert notice.startswith("The current pause is a new record: 172 days"), notice
        assert "No attack since 22 Apr 2024" in notice
    else:
        assert notice.startswith("The current pause is a new record: 87 days"), notice
        assert "No attack since 16 Jul 2024" in notice


@BOTH
async def test_the_chart_shades_the_pauses_pause_counts(series_core: Core, imprecise: str) -> None:
    await article_then_month_precise(series_core)
    said = await ask(series_core, "chart as-of 2024-07-22")
    if imprecise == "skip":
        assert "is not counted in the shaded pauses (the series skips them" in said, said
    else:
        assert "is counted on the day the source gives" in said, said


@BOTH
async def test_the_add_reply_says_what_a_month_precise_attack_does_to_the_pauses(
    series_core: Core, imprecise: str
) -> None:
    for text in ["add 2024-02-04", "add 2024-04-21", "add 2024-04-22"]:
        await ask(series_core, text)
    said = await ask(series_core, MONTH_PRECISE)
    if imprecise == "skip":
        assert "known only to the month: it ends no pause and starts none" in said, said
        assert "ends" not in said.replace("ends no pause", ""), said
    else:
        assert "it ends an 86-day pause (22 Apr → 16 Jul 2024)" in said, said
    # An exact attack before it ends the pause when the series skips it, and is a backfill
    # when the series counts it.
    said = await ask(series_core, "add 2024-06-01 country:Syria")
    if imprecise == "skip":
        assert "it ends a 41-day pause (22 Apr → 1 Jun 2024)" in said, said
    else:
        assert "a backfill before the last attack (16 Jul 2024)" in said, said


@BOTH
async def test_the_map_marks_the_last_incident_pause_counts(
    series_core: Core, imprecise: str
) -> None:
    await article_then_month_precise(series_core)
    # The days as the fixture wrote them: three exact, then one known only to the month.
    exact = ["2024-02-04", "2024-04-21", "2024-04-22"]
    month = MONTH_PRECISE.split()[1]
    last = max(exact) if imprecise == "skip" else month
    reply = await series_core.handle(f"map between {min(exact)} and {month}", ADMIN)
    assert not reply.is_error, reply.headline
    assert reply.headline.startswith(f"{len(exact) + 1} attacks")  # the points count them all
    label = f"the last attack ({day_text(date.fromisoformat(last))})"
    marks = [d for d in reply.details if label in d]
    assert marks, reply.details
    if imprecise == "skip":
        # The last exact attacks have no place; the month-known one is not the last.
        assert marks == [f"Not on the map: {label}, without a known place."]
        assert any("is not counted in the marks (the series skips them" in d for d in reply.details)
    else:
        assert marks[0].startswith(f"Ringed: {label}, at Ain al-Assad")
