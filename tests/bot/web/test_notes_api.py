"""The notes over real HTTP: read as `note list`, written with a write token, checked per field.

Every JSON answer is checked against the OpenAPI document by the Web client (conftest.py).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.commands.core import Core
from storage.models import AuditEntry, Note
from tests.bot.commands.test_core import ask
from tests.bot.web.conftest import Web
from tests.conftest import Clock

NOTES = [
    ("2024-02-02", "U.S. strikes on 85 targets in Iraq and Syria"),
    ("2024-05-01", "Talks in Baghdad"),
    ("2024-07-18", "Iraq announces a timetable"),
]


async def stored(core: Core) -> int:
    async with core.database.read() as session:
        return await session.scalar(select(func.count()).select_from(Note)) or 0


async def test_notes_are_added_listed_and_deleted_over_http(
    core: Core, web: Web, token: str, clock: Clock
) -> None:
    clock.now = datetime(2024, 7, 22, 12, tzinfo=UTC)
    for day, text in NOTES:
        added = await web.write("POST", "/api/v1/notes", token, {"date": day, "text": text})
        assert added.status == 201, added.body
        assert added.body["note"]["text"] == text and added.body["note"]["series"] == "attacks"
        assert added.body["words"]["headline"].startswith("Noted on")
    listed = await web.get("/api/v1/series/attacks/notes")
    assert listed.status == 200
    assert [(n["date"], n["text"]) for n in listed.body["notes"]] == NOTES
    may = await web.get("/api/v1/series/attacks/notes?period=May 2024")
    assert [n["text"] for n in may.body["notes"]] == [
        t for d, t in NOTES if d.startswith("2024-05")
    ]
    assert (may.body["first"], may.body["last"]) == ("2024-05-01", "2024-05-31")
    first_id = listed.body["notes"][0]["id"]
    deleted = await web.write("DELETE", f"/api/v1/notes/{first_id}", token)
    assert deleted.status == 200 and deleted.body["note"]["id"] == first_id
    again = await web.write("DELETE", f"/api/v1/notes/{first_id}", token)
    assert again.status == 404
    after = await web.get("/api/v1/series/attacks/notes")
    assert len(after.body["notes"]) == len(NOTES) - 1
    async with core.database.read() as session:
        actors = list(
            await session.scalars(
                select(AuditEntry.actor).where(AuditEntry.action.in_(("add note", "delete note")))
            )
        )
    assert actors == ["token:newsroom"] * (len(NOTES) + 1)
    # Chat sees what the API wrote.
    assert "Talks in Baghdad" in await ask(core, "note list")


async def test_a_note_write_is_made_once_per_idempotency_key(
    core: Core, web: Web, token: str, clock: Clock
) -> None:
    clock.now = datetime(2024, 7, 22, 12, tzinfo=UTC)
    body = {"date": "2024-02-02", "text": "Once", "series": "us-strikes"}
    headers = {"Idempotency-Key": "note-1"}
    first = await web.write("POST", "/api/v1/notes", token, body, headers=headers)
    second = await web.write("POST", "/api/v1/notes", token, body, headers=headers)
    assert (first.status, second.status) == (201, 201)
    assert second.body["replayed"] and second.headers["Idempotent-Replayed"] == "true"
    assert await stored(core) == 1


async def test_bad_notes_are_refused_per_field_and_store_nothing(
    core: Core, web: Web, token: str, read_token: str, clock: Clock
) -> None:
    clock.now = datetime(2024, 7, 22, 12, tzinfo=UTC)
    future = await web.write("POST", "/api/v1/notes", token, {"date": "2024-07-23", "text": "x"})
    assert future.status == 422
    assert "in the future (today is 2024-07-22)" in future.body["fields"]["date"]
    empty = await web.write("POST", "/api/v1/notes", token, {"date": "2024-07-01", "text": " "})
    assert empty.status == 422 and "no text" in empty.body["fields"]["text"]
    long = {"date": "2024-07-01", "text": "x" * 301}
    assert "keep it to 300" in (await web.write("POST", "/api/v1/notes", token, long)).body["error"]
    series = {"date": "2024-07-01", "text": "x", "series": "nosuch"}
    wrong = await web.write("POST", "/api/v1/notes", token, series)
    assert wrong.status == 422 and "`nosuch` is not a series" in wrong.body["fields"]["series"]
    missing = await web.write("POST", "/api/v1/notes", token, {"text": "no day"})
    assert missing.status == 422 and "date" in missing.body["fields"]
    extra = await web.write("POST", "/api/v1/notes", token, {"date": "2024-07-01", "x": 1})
    assert extra.status == 422 and "`x` is not a field" in extra.body["fields"]["x"]
    reader = await web.write(
        "POST", "/api/v1/notes", read_token, {"date": "2024-07-01", "text": "x"}
    )
    assert reader.status == 403
    assert (await web.get("/api/v1/series/nosuch/notes")).status == 404
    bad_period = await web.get("/api/v1/series/attacks/notes?period=someday")
    assert bad_period.status == 400
    assert (await web.get("/api/v1/series/attacks/notes?kind=drone")).status == 400
    assert await stored(core) == 0


async def test_a_notes_file_posted_to_the_imports_is_stored_as_notes(
    core: Core, web: Web, token: str, clock: Clock
) -> None:
    clock.now = datetime(2024, 7, 22, 12, tzinfo=UTC)
    csv_body = "series,date,text\n" + "".join(f'attacks,{d},"{t}"\n' for d, t in NOTES)
    headers = {"Content-Type": "text/csv"}
    first = await web.write("POST", "/api/v1/imports", token, data=csv_body, headers=headers)
    assert first.status == 201, first.body
    assert (first.body["added"], first.body["added_by_series"]) == (3, {"attacks": 3})
    # The same notes as JSON, as `pausewatch export --notes --format json` writes them.
    items = [{"series": "attacks", "date": d, "text": t} for d, t in NOTES]
    again = await web.write("POST", "/api/v1/imports", token, items)
    assert again.status == 201 and (again.body["added"], again.body["skipped"]) == (0, 3)
    bad = "series,date,text\nattacks,2024-07-01,fine\nattacks,2024-07-30,later\n"
    refused = await web.write("POST", "/api/v1/imports", token, data=bad, headers=headers)
    assert refused.status == 422 and refused.body["total_bad_rows"] == 1
    assert "in the future" in refused.body["rows"][0]["message"]
    assert await stored(core) == len(NOTES)


async def test_a_notes_file_with_an_unquoted_comma_or_among_incident_columns_is_a_422(
    core: Core, web: Web, token: str, clock: Clock
) -> None:
    clock.now = datetime(2024, 7, 22, 12, tzinfo=UTC)
    headers = {"Content-Type": "text/csv"}
    (day, text), (other_day, other_text) = NOTES[0], NOTES[1]
    comma = f"series,date,text\nattacks,{day},{text}\nattacks,{other_day},{other_text}, too\n"
    refused = await web.write("POST", "/api/v1/imports", token, data=comma, headers=headers)
    assert refused.status == 422, refused.body
    assert [row["where"] for row in refused.body["rows"]] == ["line 3"]
    assert "quote a text that holds commas" in refused.body["rows"][0]["message"]
    mixed = f"date,country,text\n{day},Iraq,{text}\n"
    wrong = await web.write("POST", "/api/v1/imports", token, data=mixed, headers=headers)
    assert wrong.status == 422 and "not an incident's" in wrong.body["rows"][0]["message"]
    assert await stored(core) == 0
    # A header in other case and order is read as it was recognised, and said to be notes.
    shouted = f"Text,Series,Date\n{text},attacks,{day}\n"
    read = await web.write("POST", "/api/v1/imports", token, data=shouted, headers=headers)
    assert read.status == 201 and read.body["notes"] and read.body["added"] == 1
    assert await stored(core) == 1


async def test_a_retried_note_delete_gets_the_first_answer(
    core: Core, web: Web, token: str, clock: Clock
) -> None:
    clock.now = datetime(2024, 7, 22, 12, tzinfo=UTC)
    day, text = NOTES[0]
    added = await web.write("POST", "/api/v1/notes", token, {"date": day, "text": text})
    note_id = added.body["note"]["id"]
    path = f"/api/v1/notes/{note_id}"
    headers = {"Idempotency-Key": "delete-1"}
    first = await web.write("DELETE", path, token, headers=headers)
    retry = await web.write("DELETE", path, token, headers=headers)
    assert (first.status, retry.status) == (200, 200), retry.body
    assert retry.headers["Idempotent-Replayed"] == "true" and retry.body["replayed"]
    assert retry.body["note"] == first.body["note"]
    assert retry.body["words"] == first.body["words"]
    # Another key, or none, finds no note to delete: the first answer is only the retry's.
    other = await web.write("DELETE", path, token, headers={"Idempotency-Key": "delete-2"})
    bare = await web.write("DELETE", path, token)
    assert (other.status, bare.status) == (404, 404)
    async with core.database.read() as session:
        deletes = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "delete note")
        )
    assert deletes == 1
