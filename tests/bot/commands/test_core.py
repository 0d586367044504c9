"""The command core end to end on a real database: questions, writes, as-of, time zones."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from bot.commands.core import Caller, Core
from bot.commands.render_text import render_text
from bot.domain.pauses import Counting
from storage.models import AuditEntry, DayCount, Incident, OutboxMessage
from tests.conftest import Clock, make_settings

ADMIN = Caller(user="U-admin", is_admin=True)
READER = Caller(user="U-reader", is_admin=False)
ARTICLE_ADDS = [
    "add 2024-02-04",
    "add 2024-04-21 country:Syria kind:rocket",
    'add 2024-04-22 country:Iraq location:"Ain al-Assad" kind:drone',
    'add 2024-07-16 country:Iraq location:"Ain al-Assad" kind:drone quantity:2 killed:0',
]


async def ask(core: Core, text: str, caller: Caller = ADMIN) -> str:
    reply = await core.handle(text, caller)
    assert not reply.is_error, render_text(reply)
    return render_text(reply)


async def refused(core: Core, text: str, caller: Caller = ADMIN) -> str:
    reply = await core.handle(text, caller)
    assert reply.is_error, render_text(reply)
    return render_text(reply)


def ranked_rows(text: str) -> list[str]:
    """Return the table rows of a `pauses` reply."""
    return [line for line in text.splitlines() if re.match(r"\d+ +\d+ days? ", line)]


async def add_article_attacks(core: Core) -> None:
    for text in ARTICLE_ADDS:
        await ask(core, text)


async def snapshot(core: Core) -> tuple[list[tuple], list[tuple], int]:
    """Return every stored row that a failed write must leave as it was."""
    async with core.database.read() as session:
        # Columns, not ORM objects: the fuzz tests take a snapshot before every example.
        columns = (Incident.id, Incident.occurred_on, Incident.kind, Incident.deleted_at)
        incidents = [
            tuple(row) for row in await session.execute(select(*columns).order_by(Incident.id))
        ]
        days = [
            tuple(r)
            for r in (
                await session.execute(
                    select(
                        DayCount.dimension, DayCount.value, DayCount.occurred_on, DayCount.incidents
                    )
                )
            ).all()
        ]
        audits = await session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    return incidents, sorted(days), audits


async def test_the_article_figures(core: Core) -> None:
    await add_article_attacks(core)
    pauses = await ask(core, "pauses as-of 2024-07-16")
    lines = pauses.splitlines()
    first = next(line for line in lines if line.startswith("1 "))
    second = next(line for line in lines if line.startswith("2 "))
    assert "86 days" in first and "22 Apr 2024" in first and "16 Jul 2024" in first
    assert "78 days" in second and "4 Feb 2024" in second and "21 Apr 2024" in second
    since = await ask(core, "since as-of 2024-07-15")
    assert since.startswith("84 days since the last attack")
    assert "The last attack was on 22 Apr 2024" in since


async def test_pause_on_the_day_a_pause_ends_names_the_record_it_beat(core: Core) -> None:
    await add_article_attacks(core)
    text = await ask(core, "pause as-of 2024-07-16")
    assert text.startswith("No pause: there was an attack on 16 Jul 2024")
    assert "It ended an 86-day pause (22 Apr → 16 Jul 2024)" in text
    assert "a new record: the longest since tracking began on 17 Oct 2023" in text
    assert "the previous record was 78 days (4 Feb → 21 Apr 2024)" in text
    assert text.splitlines()[-1] == "Pauses count both end days (22 Apr → 16 Jul 2024 is 86 days)."


async def test_running_pause_against_the_record(core: Core) -> None:
    await add_article_attacks(core)
    text = await ask(core, "pause as-of 2024-05-01")
    assert text.startswith("The current pause is 10 days, since the last attack on 22 Apr 2024")
    assert (
        "It is the longest since 21 Apr 2024, when the 78-day record (4 Feb → 21 Apr 2024) ended; "
        "68 days to go to equal it." in text
    )


async def test_elapsed_counting(database, database_url, clock: Clock) -> None:
    core = Core(
        database=database,
        settings=make_settings(database_url, pause_counting=Counting.ELAPSED),
        clock=clock,
    )
    await core.prepare()
    await add_article_attacks(core)
    rows = ranked_rows(await ask(core, "pauses as-of 2024-07-16"))
    assert ["85 days" in rows[0], "77 days" in rows[1], "1 day " in rows[2]] == [True] * 3
    assert (await ask(core, "since as-of 2024-07-15")).startswith("84 days")


async def test_filters_select_the_incident_days(core: Core) -> None:
    await add_article_attacks(core)
    iraq = ranked_rows(await ask(core, "pauses country:iraq as-of 2024-07-16"))
    assert len(iraq) == 1 and "86 days" in iraq[0]
    syria = await ask(core, "since country:Syria as-of 2024-07-16")
    assert syria.startswith("86 days since the last attack")  # 21 Apr → 16 Jul
    ain = await ask(core, 'since location:"ain al-assad" as-of 2024-07-15')
    assert ain.startswith("84 days")


async def test_same_day_incidents_make_one_incident_day(core: Core) -> None:
    await add_article_attacks(core)
    reply = await ask(core, "add 2024-07-16 kind:rocket country:Syria")
    assert "There was already an attack that day: no pause changes." in reply
    text = await ask(core, "pauses as-of 2024-07-16")
    assert "3 pauses in all" in text
    assert (await ask(core, "since as-of 2024-07-16")).startswith("0 days since the last attack")


async def test_a_backfill_splits_the_record_pause_and_says_so(core: Core) -> None:
    await add_article_attacks(core)
    reply = await ask(core, "add 2024-06-01 country:Iraq")
    assert (
        "It is a backfill before the last attack (16 Jul 2024): it splits an 86-day pause "
        "(22 Apr → 16 Jul 2024) into 41 days and 46 days." in reply
    )
    text = await ask(core, "pauses as-of 2024-07-16")
    rows = ranked_rows(text)
    assert "78 days" in rows[0] and not any("86 days" in row for row in rows)
    assert "4 pauses in all" in text


async def test_a_new_day_says_which_pause_it_ends(core: Core) -> None:
    await ask(core, "add 2024-04-22")
    reply = await ask(core, "add 2024-07-16")
    assert (
        "It is the first attack since 22 Apr 2024: it ends an 86-day pause (22 Apr → 16 Jul 2024),"
        " the first pause since tracking began on 17 Oct 2023." in reply
    )


async def test_delete_removes_the_day_from_every_answer_and_is_audited(core: Core) -> None:
    await add_article_attacks(core)
    deleted = await ask(core, "delete 4 reason:duplicate")
    assert deleted.startswith("Deleted attack #4")
    since = await ask(core, "since as-of 2024-07-16")
    assert since.startswith("85 days since the last attack")  # back to 22 Apr
    again = await refused(core, "delete 4")
    assert "already deleted" in again
    edit = await refused(core, "edit 4 kind:rocket")
    assert "was deleted" in edit
    async with core.database.read() as session:
        actions = list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
        incident = await session.get(Incident, 4)
    assert actions == ["add"] * 4 + ["delete"]
    assert incident is not None and incident.deleted_by == "U-admin"


async def test_edit_moves_an_incident_to_another_day(core: Core) -> None:
    await add_article_attacks(core)
    reply = await ask(core, "edit 4 date:2024-07-20 kind:rocket")
    assert "date: 2024-07-16 → 2024-07-20" in reply and "kind: drone → rocket" in reply
    assert "90 days" in ranked_rows(await ask(core, "pauses as-of 2024-07-20"))[0]
    async with core.database.read() as session:
        days = dict(
            (
                await session.execute(
                    select(DayCount.occurred_on, DayCount.incidents).where(DayCount.dimension == "")
                )
            ).all()
        )
        audit = await session.scalar(select(AuditEntry).where(AuditEntry.action == "edit"))
    assert days[date(2024, 7, 16)] == 0 and days[date(2024, 7, 20)] == 1
    assert audit is not None and audit.changes["kind"] == ["drone", "rocket"]
    unchanged = await ask(core, "edit 4 kind:rocket")
    assert unchanged.startswith("Nothing to change")


async def test_readers_are_refused_writes_and_nothing_changes(core: Core) -> None:
    await add_article_attacks(core)
    before = await snapshot(core)
    for text in ("add 2024-07-20", "edit 1 kind:rocket", "delete 1"):
        message = await refused(core, text, READER)
        assert "Only admins may" in message
    assert await snapshot(core) == before
    assert (await ask(core, "since", READER)).startswith("862 days since the last attack")


async def test_failed_writes_change_nothing(core: Core) -> None:
    await add_article_attacks(core)
    await ask(core, "add 2024-07-17 external_id:acled-1")
    before = await snapshot(core)
    for text, expected in [
        ("add 2024-07-18 external_id:acled-1", "already incident #5"),
        ("add 2024-07-18 killed:-1", "not a whole number"),
        ("add 2024-07-18 time:25:00", "not a time of day"),
        ("add 2024-07-18 nowhere", "is not a series"),
        ("edit 99 kind:rocket", "There is no incident #99"),
        ("edit 1 external_id:acled-1", "already incident #5"),
        ("edit 1 date:2030-01-01", "in the future"),
        ("add 2024-07-18 country:" + "x" * 101, "keep it to 100"),
    ]:
        assert expected in await refused(core, text)
    assert await snapshot(core) == before


async def test_unknown_series_lists_the_known_ones(core: Core) -> None:
    message = await refused(core, "since series:atacks")
    assert "`atacks` is not a series (attacks, us-strikes)" in message
    assert "Did you mean `attacks`?" in message
    # In plain words, the typo is read as the series it is closest to, and said so.
    read = await ask(core, "since atacks")
    assert "Read `atacks` as attacks." in read


async def test_series_are_kept_apart(core: Core) -> None:
    await add_article_attacks(core)
    await ask(core, "add 2024-02-02 us-strikes country:Iraq")
    await ask(core, "add 2024-02-07 us-strikes country:Iraq")
    strikes = await ask(core, "since us-strikes as-of 2024-07-16")
    assert strikes.startswith("160 days since the last strike")
    assert (await ask(core, "since as-of 2024-07-16")).startswith("0 days")


async def test_today_is_the_date_in_the_configured_time_zone(database, database_url) -> None:
    # 23:30 UTC on 16 Jul is already 17 Jul in Baghdad (UTC+3) and still 16 Jul in UTC.
    late = Clock(datetime(2024, 7, 16, 23, 30, tzinfo=UTC))
    baghdad = Core(
        database=database,
        settings=make_settings(database_url, timezone="Asia/Baghdad"),
        clock=late,
    )
    utc = Core(database=database, settings=make_settings(database_url), clock=late)
    await baghdad.prepare()
    await ask(baghdad, "add 2024-07-16")
    assert (await ask(baghdad, "since")).startswith("1 day since the last attack")
    assert (await ask(utc, "since")).startswith("0 days since the last attack")
    # The day that is "tomorrow" in UTC is already today in Baghdad: only Baghdad may add it.
    assert (await ask(baghdad, "add 2024-07-17")).startswith("Recorded attack #2")
    assert "in the future" in await refused(utc, "add 2024-07-17")


async def test_as_of_before_any_incident(core: Core) -> None:
    await add_article_attacks(core)
    assert (await ask(core, "since as-of 2024-01-01")).startswith(
        "No attacks recorded up to 1 Jan 2024"
    )


async def test_last_list_and_stats(core: Core) -> None:
    await add_article_attacks(core)
    last = await ask(core, "last 2")
    assert last.startswith("The last 2 attacks")
    rows = [line for line in last.splitlines() if re.match(r"\d+ +2024-", line)]
    assert [row.split()[0] for row in rows] == ["4", "3"]
    listed = await ask(core, "list from:2024-04-01 to:2024-04-30")
    assert listed.startswith("2 attacks from 1 Apr 2024 to 30 Apr 2024")
    limited = await ask(core, "list from:2024-01-01 limit:1")
    assert "…and 3 more" in limited
    assert "is before from:" in await refused(core, "list from:2024-05-01 to:2024-04-01")
    stats = await ask(core, "stats as-of 2024-07-16")
    assert stats.startswith("At least 4 attacks since 17 Oct 2023")
    assert "On 4 days; 1 in the last 7 days, 1 in the last 30." in stats
    by_country = await ask(core, "stats by:country")
    assert "Iraq" in by_country and "2" in by_country.split("Iraq")[1].splitlines()[0]


async def test_help_lists_every_command(core: Core) -> None:
    text = await ask(core, "help")
    for verb in ("since", "pause", "pauses", "last", "list", "stats", "add", "edit", "delete"):
        assert f"\n• {verb}" in text
    assert "location:" in await ask(core, "help add")


@pytest.mark.parametrize("text", ["pauses", "since", "pause", "stats", "last"])
async def test_questions_on_an_empty_series_answer_plainly(core: Core, text: str) -> None:
    reply = await core.handle(text, READER)
    assert not reply.is_error
    assert "No" in render_text(reply) or "At least 0" in render_text(reply)


async def test_the_issue_cases_read_as_the_definitions_say(core: Core) -> None:
    await add_article_attacks(core)
    after_april = await ask(core, "pause as-of 2024-04-23")
    assert "It is as long as the 2-day pause that ended on 22 Apr 2024" in after_april
    assert "2-day record" not in after_april and "longest since" not in after_april
    after_july = await ask(core, "pause as-of 2024-07-22")
    assert "It is shorter than the 86-day record (22 Apr → 16 Jul 2024): 79 days to go." in (
        after_july
    )
    assert "longest since 16 Jul" not in after_july


async def test_a_running_pause_tied_with_two_earlier_ones_equals_the_first(core: Core) -> None:
    for day in ("2024-01-01", "2024-01-10", "2024-01-19"):
        await ask(core, f"add {day} us-strikes")
    text = await ask(core, "pause us-strikes as-of 2024-01-28")
    assert "It equals the 10-day record (1 Jan → 10 Jan 2024)." in text
    assert "longest since" not in text and "10 Jan → 19 Jan" not in text
    rows = ranked_rows(await ask(core, "pauses us-strikes as-of 2024-01-28"))
    assert rows[0].split()[3:] == ["1", "Jan", "2024", "10", "Jan", "2024", "the", "record"]


async def test_the_add_reply_and_the_alert_each_say_their_scope(core: Core) -> None:
    await ask(core, "add 2024-02-02 us-strikes country:Syria")
    await ask(core, "add 2024-02-07 us-strikes country:Iraq")
    await ask(core, "subscribe alerts us-strikes country:Syria")
    reply = await ask(core, "add 2024-03-01 us-strikes country:Syria")
    assert "It is the first strike since 7 Feb 2024: it ends a 24-day pause" in reply
    async with core.database.read() as session:
        [payload] = list(await session.scalars(select(OutboxMessage.payload)))
    assert payload["reply"]["headline"] == (
        "New strike in Syria on 1 Mar 2024 ends a 29-day pause in Syria"
    )


async def test_plurals_are_right_for_one(core: Core) -> None:
    await ask(core, "add 2024-07-16")
    assert (await ask(core, "last")).startswith("The last attack\n")
    assert (await ask(core, "list from:2024-07-01")).startswith("1 attack from 1 Jul 2024")
    assert (await ask(core, "stats")).startswith("At least 1 attack since 17 Oct 2023")


async def test_stats_of_an_empty_series_shows_no_empty_breakdowns(core: Core) -> None:
    reply = await core.handle("stats", ADMIN)
    assert reply.headline.startswith("At least 0 attacks")
    assert reply.tables == ()
    await ask(core, "add 2024-07-16 country:Iraq")
    filled = await core.handle("stats", ADMIN)
    assert [table.title for table in filled.tables] == ["By month", "By country", "By kind"]


async def test_filter_values_too_long_to_index_together_are_refused_and_the_longest_allowed_kept(
    core: Core,
) -> None:
    # U+1FF7 is 3 bytes and casefolds to 5: at full length, four fields make 3,000 bytes of keys.
    greek = "\u1ff7"
    full = (
        f'country:"{greek * 100}" location:"{greek * 200}" actor:"{greek * 200}" '
        f'kind:"{greek * 100}"'
    )
    before = await snapshot(core)
    message = await refused(core, f"add 2024-07-16 {full}")
    assert "3,000 bytes together as stored; keep them to 2,400" in message
    assert await snapshot(core) == before
    # 2,400 bytes exactly (emoji are 4 bytes, as their keys): stored, indexed and found.
    emoji = "\U0001f600"
    widest = f'country:"{emoji * 100}" location:"{greek * 200}" actor:"{greek * 200}"'
    assert "Recorded attack #1" in await ask(core, f"add 2024-07-16 {widest}")
    found = await ask(core, f'last location:"{greek * 200}" actor:"{greek * 200}"')
    assert "\n1   2024-07-16  " in found
    # An edit that would make the keys too long changes nothing either.
    before = await snapshot(core)
    message = await refused(core, f'edit 1 kind:"{greek * 100}"')
    assert "keep them to 2,400" in message
    assert await snapshot(core) == before


async def test_stats_by_the_filters_own_key_is_one_row_of_every_match(core: Core) -> None:
    for text in (
        "add 2024-07-01 country:Iraq kind:drone",
        "add 2024-07-02 country:IRAQ kind:rocket",
        "add 2024-07-03 country:Syria kind:drone",
        "add 2024-07-04 country:iraq kind:drone",
    ):
        await ask(core, text)
    await ask(core, "delete 4")
    reply = await core.handle("stats country:iraq", ADMIN)
    tables = {table.title: table.rows for table in reply.tables}
    # As first written, and counted as every other breakdown counts (the deleted one is not).
    assert tables["By country"] == (("Iraq", "2"),)
    assert tables["By kind"] == (("drone", "1"), ("rocket", "1"))
    by_kind = await core.handle("stats kind:DRONE by:kind as-of 2024-07-02", ADMIN)
    assert [table.rows for table in by_kind.tables] == [(("drone", "1"),)]
    nothing = await core.handle("stats kind:drone by:kind as-of 2024-06-30", ADMIN)
    assert nothing.tables == ()


@pytest.mark.parametrize("filters", ["", "country:Iraq kind:drone"])
async def test_since_shows_the_first_incidents_of_a_busy_day_and_counts_the_rest(
    core: Core, filters: str
) -> None:
    for n in range(7):
        await ask(core, f"add 2024-07-16 country:Iraq kind:drone location:Base{n}")
    await ask(core, "add 2024-07-16 country:Syria kind:drone location:Elsewhere")
    await ask(core, "delete 1")
    answer = await ask(core, f"since {filters} as-of 2024-07-20")
    shown = [line for line in answer.splitlines() if line.startswith("• ")]
    # Recorded order, the deleted one left out; the Syrian one counts only without filters.
    assert [line.split(", ")[2] for line in shown[:5]] == [f"Base{n}" for n in range(1, 6)]
    assert shown[5:] == ["• and 1 more that day" if filters else "• and 2 more that day"]
