"""The API's sources and review queue over real HTTP, with admin tokens, against the loopback feeds.

A sheet on loopback (tests/bot/sources/fake_feeds.py) is read by the real HTTP fetcher; each
request goes through the bot's aiohttp application, and every JSON answer is checked against
the OpenAPI document (tests/bot/web/conftest.py). Both databases.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from bot.commands import tokens
from bot.commands.core import Core
from storage.models import AuditEntry, Incident, ReviewCandidate
from tests.bot.commands.test_core import ask
from tests.bot.sources.conftest import fake_acled, fake_sheet, fake_time, source_core  # noqa: F401
from tests.bot.sources.fake_feeds import FakeAcled, FakeSheet, FakeTime
from tests.bot.test_cli import pausewatch
from tests.bot.web.conftest import Web
from tests.conftest import Clock

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


def test_the_cli_makes_an_admin_token(database_url: str) -> None:
    made = pausewatch("token", "create", "desk", "--admin", url=database_url)
    assert made.returncode == 0, made.stderr
    assert "run sources and decide reviews" in made.stderr and "token:desk" in made.stderr
    listed = pausewatch("token", "list", url=database_url).stdout
    assert listed.startswith("desk  reads, writes, sources and reviews  made ")
    both = pausewatch("token", "create", "odd", "--admin", "--read", url=database_url)
    assert both.returncode == 1 and "either --read or --admin" in both.stderr
    assert "--admin" in pausewatch("token", "create", "--help", url=database_url).stdout
