"""The API's sources and review queue over real HTTP, with admin tokens, against the loopback feeds.

A sheet on loopback (tests/bot/sources/fake_feeds.py) is read by the real HTTP fetcher; each
request goes through the bot's aiohttp application, and every JSON answer is checked against
the OpenAPI document (tests/bot/web/conftest.py). Both databases.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select

from bot.commands import tokens
from bot.commands.core import Core
from storage.import_runs import Chunking
from storage.models import AuditEntry, Incident, ReviewCandidate
from tests.bot.commands.test_core import ask
from tests.bot.sources.conftest import fake_acled, fake_sheet, fake_time, source_core  # noqa: F401
from tests.bot.sources.fake_feeds import FakeAcled, FakeSheet, FakeTime
from tests.bot.test_cli import pausewatch
from tests.bot.web.conftest import Web
from tests.conftest import Clock
from tests.storage.test_chunked_imports import Hold, importing, wait_for

HEADER = "series,date,country,location,kind,source,external_id\n"
ROWS = (
    "attacks,2024-07-16,Iraq,Ain al-Assad,drone,Reuters,S1\n"
    "attacks,2024-07-18,Syria,Tanf,rocket,AP,S2\n"
)
OPERATIONS = [
    ("GET", "/api/v1/sources"),
    ("POST", "/api/v1/sources/sheet/run"),
    ("GET", "/api/v1/reviews"),
    ("POST", "/api/v1/reviews/1/approve"),
    ("POST", "/api/v1/reviews/1/reject"),
]


async def count(core: Core, model: type) -> int:
    async with core.database.read() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def serve_sheet(
    database: Any,
    database_url: str,
    clock: Clock,
    acled: FakeAcled,
    time: FakeTime,
    started_web: Callable[..., Any],
    sheet: FakeSheet,
    *,
    reviewed: bool = False,
) -> tuple[Core, Web, str]:
    """Serve a core that reads the sheet over HTTP; return it, a client, and an admin token."""
    core = source_core(database, database_url, clock, acled, time)
    await core.prepare()
    web = await started_web(core)
    sheet.publish(HEADER + ROWS, '"v1"')
    trust = " reviewed" if reviewed else ""
    await ask(core, f"source add sheet kind:csv url:{sheet.url} every:6h{trust}")
    admin = await tokens.create(core.context, "desk", scope=tokens.ADMIN)
    return core, web, admin


async def test_an_admin_lists_and_runs_a_source(
    database: Any,
    database_url: str,
    clock: Clock,
    fake_acled: FakeAcled,  # noqa: F811
    fake_time: FakeTime,  # noqa: F811
    fake_sheet: FakeSheet,  # noqa: F811
    started_web: Callable[..., Any],
) -> None:
    core, web, admin = await serve_sheet(
        database, database_url, clock, fake_acled, fake_time, started_web, fake_sheet
    )
    listed = await web.write("GET", "/api/v1/sources", admin)
    assert listed.status == 200
    [source] = listed.body["sources"]
    assert source["name"] == "sheet" and source["kind"] == "csv"
    assert source["url"] == fake_sheet.url and source["series"] == "attacks"
    assert (source["reviewed"], source["every_minutes"], source["every"]) == (False, 360, "6h")
    assert (source["status"], source["last_run"], source["last_success"]) == ("never", None, None)
    assert source["last_error"] is None and source["waiting"] == 0 and source["query"] == {}
    assert source["next_run"] is not None
    assert listed.body["words"]["headline"] == "1 source"
    assert fake_sheet.requests == []  # listing reads nothing

    ran = await web.write("POST", "/api/v1/sources/sheet/run", admin)
    assert ran.status == 200, ran.body
    assert ran.body["source"] == "sheet" and ran.body["ok"] is True
    assert (ran.body["added"], ran.body["updated"], ran.body["deleted"]) == (2, 0, 0)
    assert ran.body["queued"] == 0
    assert ran.body["words"]["headline"] == f"Source sheet: {ran.body['message']}"
    assert "2 added" in ran.body["message"]
    assert await count(core, Incident) == 2
    # The same run as chat's: the chat's list says what the API's does.
    assert "last run: ok" in await ask(core, "source list")
    [after] = (await web.write("GET", "/api/v1/sources", admin)).body["sources"]
    assert after["status"] == "ok" and after["last_run"] == after["last_success"]
    assert after["last_success"].startswith(clock.now.date().isoformat())

    # The sheet fails: the run says so (stored nothing), and the list shows the error.
    fake_sheet.status = 500
    failed = await web.write("POST", "/api/v1/sources/sheet/run", admin)
    assert failed.status == 200 and failed.body["ok"] is False
    assert failed.body["added"] == 0 and failed.body["words"]["headline"].startswith(
        "Source sheet failed: "
    )
    [broken] = (await web.write("GET", "/api/v1/sources", admin)).body["sources"]
    assert broken["status"] == "failed" and broken["last_error"] == failed.body["message"]
    assert broken["last_success"] == after["last_success"]
    assert await count(core, Incident) == 2


async def test_a_reviewed_sources_candidates_are_approved_and_rejected_once(
    database: Any,
    database_url: str,
    clock: Clock,
    fake_acled: FakeAcled,  # noqa: F811
    fake_time: FakeTime,  # noqa: F811
    fake_sheet: FakeSheet,  # noqa: F811
    started_web: Callable[..., Any],
) -> None:
    core, web, admin = await serve_sheet(
        database, database_url, clock, fake_acled, fake_time, started_web, fake_sheet, reviewed=True
    )
    ran = await web.write("POST", "/api/v1/sources/sheet/run", admin)
    assert ran.status == 200 and (ran.body["added"], ran.body["queued"]) == (0, 2)
    assert await count(core, Incident) == 0

    waiting = await web.write("GET", "/api/v1/reviews", admin)
    assert waiting.status == 200 and waiting.body["total"] == 2 and waiting.body["source"] is None
    first, second = waiting.body["reviews"]
    assert (first["series"], first["source"]) == ("attacks", "sheet")
    assert "Ain al-Assad, Iraq" in first["incident"] and "Tanf, Syria" in second["incident"]
    assert waiting.body["words"]["headline"] == "2 incidents waiting for review"
    of_sheet = await web.write("GET", "/api/v1/reviews?source=sheet", admin)
    assert (
        of_sheet.body["reviews"] == waiting.body["reviews"] and of_sheet.body["source"] == "sheet"
    )
    [listed] = (await web.write("GET", "/api/v1/sources", admin)).body["sources"]
    assert listed["waiting"] == 2 and listed["reviewed"] is True

    approved = await web.write("POST", f"/api/v1/reviews/{first['id']}/approve", admin)
    assert approved.status == 200, approved.body
    assert approved.body["review"] == first["id"] and approved.body["decision"] == "approved"
    incident = approved.body["incident"]
    assert incident["country"] == "Iraq" and incident["external_id"] == "S1"
    assert approved.body["words"]["headline"].startswith(
        f"Review #{first['id']} approved by token:desk: recorded as incident #{incident['id']}"
    )
    async with core.database.read() as session:
        stored = await session.get(Incident, incident["id"])
        assert stored is not None and stored.recorded_by == "token:desk"
        audited = list(
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "review approve"))
        )
    assert [(a.actor, a.incident_id) for a in audited] == [("token:desk", incident["id"])]

    rejected = await web.write("POST", f"/api/v1/reviews/{second['id']}/reject", admin)
    assert rejected.status == 200 and rejected.body["decision"] == "rejected"
    assert rejected.body["incident"] is None
    assert rejected.body["words"]["headline"] == f"Review #{second['id']} rejected by token:desk"
    assert await count(core, Incident) == 1  # rejecting stored nothing

    # Deciding again, either way: 409, saying who decided what; nothing changes.
    for review, verb in ((first, "approve"), (first, "reject"), (second, "approve")):
        again = await web.write("POST", f"/api/v1/reviews/{review['id']}/{verb}", admin)
        assert again.status == 409, again.body
        assert again.body["error"].startswith(f"Review #{review['id']} was already ")
        assert "by token:desk" in again.body["error"]
        assert "cannot be decided again" in again.body["error"]
    assert await count(core, Incident) == 1
    async with core.database.read() as session:
        statuses = list(await session.scalars(select(ReviewCandidate.status)))
    assert sorted(statuses) == ["approved", "rejected"]
    empty = await web.write("GET", "/api/v1/reviews", admin)
    assert empty.body["total"] == 0 and empty.body["reviews"] == []


async def test_a_review_matching_a_row_of_an_import_still_storing_is_a_conflict(
    database: Any,
    database_url: str,
    clock: Clock,
    fake_acled: FakeAcled,  # noqa: F811
    fake_time: FakeTime,  # noqa: F811
    fake_sheet: FakeSheet,  # noqa: F811
    started_web: Callable[..., Any],
    tmp_path: Path,
) -> None:
    core, web, admin = await serve_sheet(
        database, database_url, clock, fake_acled, fake_time, started_web, fake_sheet, reviewed=True
    )
    await web.write("POST", "/api/v1/sources/sheet/run", admin)
    first = (await web.write("GET", "/api/v1/reviews", admin)).body["reviews"][0]
    big = tmp_path / "big.csv"
    rows = [f"2024-07-{day:02d},Iraq,drone,Erbil,B{day}" for day in range(1, 6)]
    big.write_text(
        "date,country,kind,location,external_id\n2024-07-16,Iraq,drone,Erbil,S1\n"
        + "\n".join(rows)
        + "\n",
        encoding="utf-8",
    )
    hold = Hold(at=1)
    task = importing(core, big, Chunking(from_rows=1, rows=3, between=hold))
    await wait_for(hold.reached)
    waiting = await web.write("POST", f"/api/v1/reviews/{first['id']}/approve", admin)
    assert waiting.status == 409, waiting.body
    assert "still being stored, so nothing was decided" in waiting.body["error"], waiting.body
    hold.release.set()
    assert (await asyncio.wait_for(task, 60)).added == 6
    approved = await web.write("POST", f"/api/v1/reviews/{first['id']}/approve", admin)
    assert approved.status == 200, approved.body
    assert "it was already stored as incident #1" in approved.body["words"]["headline"]


async def test_only_an_admin_token_gets_in_and_nothing_runs_otherwise(
    database: Any,
    database_url: str,
    clock: Clock,
    fake_acled: FakeAcled,  # noqa: F811
    fake_time: FakeTime,  # noqa: F811
    fake_sheet: FakeSheet,  # noqa: F811
    started_web: Callable[..., Any],
) -> None:
    core, web, _ = await serve_sheet(
        database, database_url, clock, fake_acled, fake_time, started_web, fake_sheet, reviewed=True
    )
    await ask(core, "source run sheet")
    fake_sheet.requests.clear()
    writer = await tokens.create(core.context, "newsroom")
    for method, path in OPERATIONS:
        missing = await web.write(method, path, None)
        assert missing.status == 401, (method, path)
        assert missing.body["error"].startswith("Administering sources and reviews needs an API")
        assert "`pausewatch token create NAME --admin`" in missing.body["error"]
        assert missing.headers["WWW-Authenticate"].startswith("Bearer")
        read_only = await web.call(method, path)  # the client's read token
        assert read_only.status == 403, (method, path)
        assert "may only read" in read_only.body["error"]
        assert "--admin" in read_only.body["error"]
        written = await web.write(method, path, writer)
        assert written.status == 403, (method, path)
        assert written.body["error"] == (
            "Administering sources and reviews needs an admin token: the token 'newsroom' "
            "may read and write, not administer. An admin makes one with "
            "`pausewatch token create NAME --admin`."
        )
        assert 'scope="admin"' in written.headers["WWW-Authenticate"]
    assert fake_sheet.requests == []  # nothing ran
    assert await count(core, Incident) == 0
    async with core.database.read() as session:
        statuses = list(await session.scalars(select(ReviewCandidate.status)))
    assert statuses == ["pending", "pending"]
    # An admin token reads and writes the rest of the API too.
    admin = await tokens.create(core.context, "chief", scope=tokens.ADMIN)
    assert (await web.write("GET", "/api/v1/series", admin)).status == 200
    added = await web.write("POST", "/api/v1/incidents", admin, {"date": "2024-07-20"})
    assert added.status == 201


async def test_unknown_sources_and_reviews_are_not_found(
    database: Any,
    database_url: str,
    clock: Clock,
    fake_acled: FakeAcled,  # noqa: F811
    fake_time: FakeTime,  # noqa: F811
    fake_sheet: FakeSheet,  # noqa: F811
    started_web: Callable[..., Any],
) -> None:
    _, web, admin = await serve_sheet(
        database, database_url, clock, fake_acled, fake_time, started_web, fake_sheet
    )
    run = await web.write("POST", "/api/v1/sources/nope/run", admin)
    assert run.status == 404 and run.body["error"] == (
        "There is no source 'nope'; GET /api/v1/sources lists them."
    )
    listed = await web.write("GET", "/api/v1/reviews?source=nope", admin)
    assert listed.status == 404 and "no source 'nope'" in listed.body["error"]
    for verb in ("approve", "reject"):
        missing = await web.write("POST", f"/api/v1/reviews/99/{verb}", admin)
        assert missing.status == 404
        assert missing.body["error"].startswith("There is no review #99")
        bad = await web.write("POST", f"/api/v1/reviews/x1/{verb}", admin)
        assert bad.status == 404 and "is not a review id" in bad.body["error"]
    unknown = await web.write("GET", "/api/v1/reviews?sorce=sheet", admin)
    assert unknown.status == 400 and "sorce" in unknown.body["fields"]
    assert fake_sheet.requests == []


async def test_a_process_without_a_fetcher_says_it_cannot_run(
    core: Core, started_web: Callable[..., Any]
) -> None:
    """`pausewatch serve` alone reads no source: a run says so (503), and nothing is run."""
    web = await started_web(core)
    await ask(core, "source add sheet kind:csv url:https://example.org/sheet.csv")
    admin = await tokens.create(core.context, "desk", scope=tokens.ADMIN)
    assert core.context.fetcher is None
    ran = await web.write("POST", "/api/v1/sources/sheet/run", admin)
    assert ran.status == 503
    assert ran.body["error"].startswith("Source sheet cannot be run by this process")
    [source] = (await web.write("GET", "/api/v1/sources", admin)).body["sources"]
    assert source["status"] == "never"


def sheet_of(first: int, last: int) -> str:
    """A sheet of new events S<first> to S<last>, a day apart."""
    rows = (
        f"attacks,2024-07-{day:02},Iraq,Base {day},drone,Reuters,S{day}\n"
        for day in range(first, last + 1)
    )
    return HEADER + "".join(rows)


async def test_the_review_queue_is_read_a_page_at_a_time(
    database: Any,
    database_url: str,
    clock: Clock,
    fake_acled: FakeAcled,  # noqa: F811
    fake_time: FakeTime,  # noqa: F811
    fake_sheet: FakeSheet,  # noqa: F811
    started_web: Callable[..., Any],
) -> None:
    core, web, admin = await serve_sheet(
        database, database_url, clock, fake_acled, fake_time, started_web, fake_sheet, reviewed=True
    )
    # Two reviewed sources: sheet brings 4 events, then other 3 more from a newer sheet.
    fake_sheet.publish(sheet_of(1, 4), '"v2"')
    assert (await web.write("POST", "/api/v1/sources/sheet/run", admin)).body["queued"] == 4
    await ask(core, f"source add other kind:csv url:{fake_sheet.url} every:6h reviewed")
    fake_sheet.publish(sheet_of(5, 7), '"v3"')
    assert (await web.write("POST", "/api/v1/sources/other/run", admin)).body["queued"] == 3
    async with core.database.read() as session:
        ids = list(await session.scalars(select(ReviewCandidate.id).order_by(ReviewCandidate.id)))
    assert len(ids) == 7

    async def pages(query: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Follow next_offset from the first page to the last; return the pages and reviews."""
        seen: list[dict[str, Any]] = []
        shown: list[dict[str, Any]] = []
        offset: int | None = 0
        while offset is not None:
            page = await web.write("GET", f"/api/v1/reviews?{query}&offset={offset}", admin)
            assert page.status == 200, page.body
            assert page.body["offset"] == offset
            seen.append(page.body)
            shown.extend(page.body["reviews"])
            offset = page.body["next_offset"]
        return seen, shown

    every, shown = await pages("limit=3")
    assert [len(page["reviews"]) for page in every] == [3, 3, 1]
    assert {page["total"] for page in every} == {7} and every[0]["limit"] == 3
    assert [review["id"] for review in shown] == ids  # no repeat, no gap, oldest first
    assert [review["source"] for review in shown] == ["sheet"] * 4 + ["other"] * 3
    first = shown[0]
    assert (first["kind"], first["series"], first["external_id"]) == ("add", "attacks", "S1")
    assert first["fields"]["location"] == "Base 1" and first["incident_id"] is None
    assert first["created_at"].startswith(clock.now.date().isoformat())
    assert "Base 1, Iraq" in first["incident"]
    assert every[0]["words"]["headline"] == "7 incidents waiting for review"
    assert every[0]["words"]["details"][-1] == "…and 4 more."

    # One source's: filtered in the database, so every page is full and total is its own.
    of_other, shown = await pages("source=other&limit=2")
    assert [len(page["reviews"]) for page in of_other] == [2, 1]
    assert {(page["total"], page["source"]) for page in of_other} == {(3, "other")}
    assert [review["id"] for review in shown] == ids[4:]
    _, shown = await pages("source=sheet&limit=500")
    assert [review["id"] for review in shown] == ids[:4]
    beyond = await web.write("GET", "/api/v1/reviews?offset=7", admin)
    assert beyond.body["reviews"] == [] and beyond.body["next_offset"] is None
    assert beyond.body["total"] == 7
    plain = await web.write("GET", "/api/v1/reviews", admin)
    assert plain.body["limit"] == 50 and plain.body["next_offset"] is None
    assert [review["id"] for review in plain.body["reviews"]] == ids

    # Chat's `review list` draws from the same page: the same rows, and the same headline.
    listed = await ask(core, "review list")
    assert listed.startswith("7 incidents waiting for review")
    for review in plain.body["reviews"]:
        assert review["incident"] in listed

    # Bad pages: the incidents' messages.
    for query, key, message in (
        ("limit=0", "limit", "limit:0 is not a number from 1 to 500."),
        ("limit=501", "limit", "limit:501 is not a number from 1 to 500."),
        ("limit=x", "limit", "limit:x is not a number from 1 to 500."),
        ("offset=-1", "offset", "offset '-1' is not a whole number from 0 to 1,000,000,000."),
        ("offset=x", "offset", "offset 'x' is not a whole number from 0 to 1,000,000,000."),
    ):
        bad = await web.write("GET", f"/api/v1/reviews?{query}", admin)
        assert bad.status == 400, (query, bad.body)
        assert bad.body["error"] == message and bad.body["fields"] == {key: message}
    both = await web.write("GET", "/api/v1/reviews?limit=0&offset=x&sorce=y", admin)
    assert both.status == 400 and set(both.body["fields"]) == {"limit", "offset", "sorce"}


@contextmanager
def failing_reads(core: Core, table: str) -> Iterator[None]:
    """Make every statement on `table` fail as a dropped connection does (the driver's error);
    the tokens' table still answers, so the gate lets the request through."""

    def fail(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if table in statement:
            raise ConnectionResetError("the database went away")

    engine = core.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", fail)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", fail)


async def test_a_database_gone_past_the_gate_is_an_outage(
    database: Any,
    database_url: str,
    clock: Clock,
    fake_acled: FakeAcled,  # noqa: F811
    fake_time: FakeTime,  # noqa: F811
    fake_sheet: FakeSheet,  # noqa: F811
    started_web: Callable[..., Any],
) -> None:
    core, web, admin = await serve_sheet(
        database, database_url, clock, fake_acled, fake_time, started_web, fake_sheet, reviewed=True
    )
    await ask(core, "source run sheet")
    for table, method, path in (
        ("sources", "GET", "/api/v1/sources"),
        ("sources", "POST", "/api/v1/sources/sheet/run"),
        ("review_candidates", "GET", "/api/v1/reviews"),
        ("review_candidates", "GET", "/api/v1/reviews?source=sheet"),
        ("review_candidates", "POST", "/api/v1/reviews/1/approve"),
        ("review_candidates", "POST", "/api/v1/reviews/1/reject"),
    ):
        with failing_reads(core, table):
            gone = await web.write(method, path, admin)
        assert gone.status == 503, (path, gone.body)
        assert "not answering" in gone.body["error"] and gone.headers["Retry-After"] == "30"
    # Back again: nothing was decided.
    waiting = await web.write("GET", "/api/v1/reviews", admin)
    assert waiting.status == 200 and waiting.body["total"] == 2


def test_the_cli_makes_an_admin_token(database_url: str) -> None:
    made = pausewatch("token", "create", "desk", "--admin", url=database_url)
    assert made.returncode == 0, made.stderr
    assert "run sources and decide reviews" in made.stderr and "token:desk" in made.stderr
    listed = pausewatch("token", "list", url=database_url).stdout
    assert listed.startswith("desk  reads, writes, sources and reviews  made ")
    both = pausewatch("token", "create", "odd", "--admin", "--read", url=database_url)
    assert both.returncode == 1 and "either --read or --admin" in both.stderr
    assert "--admin" in pausewatch("token", "create", "--help", url=database_url).stdout
