"""Notes on the timeline through the core: add, list, delete, the audit log, `pause`, bad input."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.commands.core import Caller, Core
from bot.commands.render_text import render_text
from bot.domain.notes import MAX_NOTE_LENGTH
from bot.domain.wording import day_text
from storage.models import AuditEntry, Note
from tests.bot.commands.test_core import ADMIN, READER, ask, refused
from tests.conftest import Clock, make_settings

ATTACK_DAYS = [date(2024, 2, 4), date(2024, 4, 21), date(2024, 4, 22), date(2024, 7, 16)]
# (day, text): one on a day with an attack (16 Jul), one inside the running pause (18 Jul),
# one inside the record pause before it (1 May), one before tracking's last pause.
NOTES = [
    (date(2024, 2, 2), "U.S. strikes on 85 targets in Iraq and Syria"),
    (date(2024, 5, 1), "Talks in Baghdad on the coalition"),
    (date(2024, 7, 16), "Drone attack on Ain al-Assad"),
    (date(2024, 7, 18), "Iraq announces a timetable"),
]
AS_OF = date(2024, 7, 22)


async def stored_notes(core: Core) -> int:
    async with core.database.read() as session:
        return await session.scalar(select(func.count()).select_from(Note)) or 0


async def timeline(core: Core, clock: Clock) -> None:
    """Store the article's attacks and the notes, with the clock on 22 Jul 2024."""
    clock.now = datetime(2024, 7, 22, 12, tzinfo=UTC)
    for day in ATTACK_DAYS:
        await ask(core, f"add {day.isoformat()}")
    for day, text in NOTES:
        await ask(core, f'note add {day.isoformat()} "{text}"')


async def test_a_note_is_added_listed_and_deleted_with_its_audit_rows(
    core: Core, clock: Clock
) -> None:
    clock.now = datetime(2024, 7, 22, 12, tzinfo=UTC)
    added = await ask(core, 'note add 2024-02-02 "U.S. strikes on 85 targets in Iraq and Syria"')
    assert added.startswith("Noted on 2 Feb 2024 in attacks: note #1")
    await ask(core, 'note add 2 Feb 2024 "A second line" us-strikes')
    listed = await ask(core, "note list", READER)  # anyone who sees the series reads them
    assert "U.S. strikes on 85 targets in Iraq and Syria" in listed
    assert "A second line" not in listed  # us-strikes' own note
    assert "A second line" in await ask(core, "note list us-strikes", READER)
    assert "1 note on attacks in February 2024" in await ask(core, "note list in February 2024")
    assert "No notes on attacks in March 2024" in await ask(core, "note list in March 2024")
    deleted = await ask(core, "note delete 1")
    assert deleted.startswith("Deleted note #1 of attacks")
    assert "No notes on attacks" in await ask(core, "note list")
    assert "There is no note #1" in await refused(core, "note delete 1")
    async with core.database.read() as session:
        rows = list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    notes = [(r.action, r.changes["note"], r.changes["date"], r.actor) for r in rows]
    assert notes == [
        ("add note", 1, "2024-02-02", ADMIN.user),
        ("add note", 2, "2024-02-02", ADMIN.user),
        ("delete note", 1, "2024-02-02", ADMIN.user),
    ]
    assert rows[0].changes["text"] == "U.S. strikes on 85 targets in Iraq and Syria"
    async with core.database.read() as session:
        kept = await session.get(Note, 1)
    assert kept is not None and kept.deleted_at is not None  # soft-deleted, as incidents are


async def test_only_the_series_writers_add_and_delete_notes(core: Core, clock: Clock) -> None:
    clock.now = datetime(2024, 7, 22, 12, tzinfo=UTC)
    assert "admins" in await refused(core, 'note add 2024-02-02 "x"', READER)
    await ask(core, 'note add 2024-02-02 "kept"')
    assert "admins" in await refused(core, "note delete 1", READER)
    # A team's admin writes the shared series only when that team is an owner.
    owned = Core(
        database=core.database,
        settings=make_settings(core.settings.database_url, owner_teams=["slack:TOWNER"]),
        clock=clock,
    )
    other_team = Caller(user="U-other", is_admin=True, platform="slack", team="slack:TOTHER")
    said = await refused(owned, 'note add 2024-02-03 "not theirs"', other_team)
    assert "shared by every team and written by its owner teams" in said
    assert "shared by every team" in await refused(owned, "note delete 1", other_team)
    assert await stored_notes(core) == 1


@pytest.mark.parametrize(
    ("written", "said"),
    [
        pytest.param(
            'note add 2024-02-02 "U.S. strikes',
            'A quote is not closed: write values with spaces as note add 2024-02-02 "U.S.',
            id="missing-quote",
        ),
        pytest.param(
            "note add 2024-02-02 U.S. strikes on 85 targets",
            "Put the note's text in quotes, as one value: note add 2024-02-02 \"U.S.",
            id="unquoted-words",
        ),
        pytest.param(
            'note add 2024-02-02 ""',
            "The note has no text; write it in quotes:",
            id="empty-text",
        ),
        pytest.param(
            'note add 2024-02-02 "   "',
            "The note has no text; write it in quotes:",
            id="blank-text",
        ),
        pytest.param(
            f'note add 2024-02-02 "{"x" * (MAX_NOTE_LENGTH + 1)}"',
            f"The note is {MAX_NOTE_LENGTH + 1} characters long; keep it to {MAX_NOTE_LENGTH}",
            id="too-long",
        ),
        pytest.param(
            'note add 2024-07-23 "tomorrow"',
            "date 2024-07-23 is in the future (today is 2024-07-22); give a day that has happened",
            id="future-day",
        ),
        pytest.param(
            'note add tomorrow "tomorrow"',
            "is 2024-07-23, in the future (today is 2024-07-22)",
            id="future-day-in-words",
        ),
        pytest.param(
            'note add 2024-02-02 "strikes" nosuch',
            "`nosuch` is not a series; the series are attacks, us-strikes.",
            id="unknown-series",
        ),
        pytest.param(
            'note add "strikes"',
            "`note add` needs the day first: 'strikes' is not a day;",
            id="no-day",
        ),
        pytest.param(
            "note delete first",
            "`note delete` takes one note's id (1 to 2,147,483,647), not first",
            id="delete-without-an-id",
        ),
        pytest.param("note", "Say which: `note add|list|delete`.", id="no-action"),
    ],
)
async def test_bad_notes_are_refused_with_how_to_write_them(
    core: Core, clock: Clock, written: str, said: str
) -> None:
    clock.now = datetime(2024, 7, 22, 12, tzinfo=UTC)
    message = await refused(core, written)
    assert said in message
    assert "Usage: note add DATE" in message or "write values with spaces" in message
    assert await stored_notes(core) == 0


def notes_in_pause(as_of: date) -> list[tuple[date, str]]:
    """The notes from the last attack day up to `as_of`, counted over the data."""
    last = max(day for day in ATTACK_DAYS if day <= as_of)
    return [(day, text) for day, text in NOTES if last <= day <= as_of]


async def test_pause_names_the_notes_of_the_running_pause(core: Core, clock: Clock) -> None:
    await timeline(core, clock)
    expected = notes_in_pause(AS_OF)
    assert len(expected) == 2  # the one on the attack's day and the one after it
    line = "Since the last attack: 2 notes, " + "; ".join(
        f"{text} on {day_text(day)}" for day, text in expected
    )
    answer = await ask(core, "pause")
    assert line + "." in answer
    # As of a day inside the record pause: its note alone.
    earlier = await ask(core, "pause as-of 2024-06-01")
    [(day, text)] = notes_in_pause(date(2024, 6, 1))
    assert f"Since the last attack: 1 note, {text} on {day_text(day)}." in earlier


async def test_pause_reads_a_new_note_at_once(core: Core, clock: Clock) -> None:
    await timeline(core, clock)
    assert "Iraq announces a timetable" in await ask(core, "pause")
    await ask(core, "note delete 4")  # kept answers are read again after a note write
    assert "Since the last attack: 1 note, Drone attack" in await ask(core, "pause")
    await ask(core, 'note add 2024-07-20 "Another line"')
    assert "Another line on 20 Jul 2024" in await ask(core, "pause")


async def test_a_reply_that_lists_notes_draws_a_table(core: Core, clock: Clock) -> None:
    await timeline(core, clock)
    reply = await core.handle("note list", ADMIN)
    [table] = reply.tables
    expected = [(f"#{n}", day_text(day), text) for n, (day, text) in enumerate(NOTES, start=1)]
    assert list(table.rows) == expected
    assert render_text(reply).startswith(f"{len(NOTES)} notes on attacks")


async def test_a_notes_day_is_read_in_the_channels_zone(core: Core, clock: Clock) -> None:
    # 22:30 UTC on 21 Jul is already 22 Jul in Baghdad (UTC+3), still 21 Jul in UTC.
    clock.now = datetime(2024, 7, 21, 22, 30, tzinfo=UTC)
    baghdad = Caller(user="U-admin", is_admin=True, platform="console", channel="baghdad")
    await ask(core, "timezone Asia/Baghdad", baghdad)
    here = clock.now.astimezone(ZoneInfo("Asia/Baghdad")).date()
    assert f"Noted on {day_text(here)}" in await ask(core, 'note add today "there"', baghdad)
    utc_today = clock.now.date()
    assert f"Noted on {day_text(utc_today)}" in await ask(core, 'note add today "here"')
    said = await refused(core, f'note add {here.isoformat()} "tomorrow here"')
    assert f"in the future (today is {utc_today.isoformat()})" in said
    assert await stored_notes(core) == 2
