"""The write API over real HTTP: tokens, audit, alerts as from chat, idempotency, per-field errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from bot.commands import tokens
from bot.commands.core import Core
from bot.commands.render_text import render_text
from storage.models import ApiToken, AuditEntry, Incident, OutboxMessage
from tests.bot.commands.test_core import ADMIN, ask, snapshot
from tests.bot.web.conftest import Web
from tests.conftest import make_settings

NEW = {"date": "2024-07-16", "country": "Iraq", "location": "Ain al-Assad", "kind": "drone"}


async def count(core: Core, model: type) -> int:
    async with core.database.read() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def outbox_headlines(core: Core) -> list[str]:
    async with core.database.read() as session:
        rows = await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [row.payload["reply"]["headline"] for row in rows]


async def test_a_write_needs_a_live_token(core: Core, web: Web, token: str) -> None:
    missing = await web.write("POST", "/api/v1/incidents", None, NEW)
    assert missing.status == 401 and "Authorization: Bearer" in missing.body["error"]
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = await web.write("POST", "/api/v1/incidents", token + "x", NEW)
    assert wrong.status == 401 and "not valid" in wrong.body["error"]
    assert await count(core, Incident) == 0
    assert await tokens.revoke(core.context, "newsroom")
    revoked = await web.write("POST", "/api/v1/incidents", token, NEW)
    assert revoked.status == 401
    assert await count(core, Incident) == 0
    for method, path in (("PATCH", "/api/v1/incidents/1"), ("DELETE", "/api/v1/incidents/1")):
        assert (await web.write(method, path, None, {"kind": "rocket"})).status == 401
    assert (
        await web.write("POST", "/api/v1/imports", None, data="date\n2024-01-01\n")
    ).status == 401


async def test_tokens_are_stored_hashed_and_named_once(core: Core, token: str) -> None:
    async with core.database.read() as session:
        [stored] = list(await session.scalars(select(ApiToken)))
    assert stored.name == "newsroom" and token not in stored.token_hash
    assert len(stored.token_hash) == 64 and len(token) >= 40
    for bad in ("", "two words", "x" * 65, "<script>"):
        try:
            await tokens.create(core.context, bad)
        except ValueError as error:
            assert "is not a token name" in str(error)
        else:
            raise AssertionError(f"{bad!r} was accepted")
    try:
        await tokens.create(core.context, "newsroom")
    except ValueError as error:
        assert "already a token called 'newsroom'" in str(error)
    assert [t.name for t in await tokens.listing(core.context)] == ["newsroom"]


async def test_an_add_is_audited_under_the_token_and_alerts_as_chat(
    core: Core, web: Web, token: str
) -> None:
    await core.handle("subscribe alerts", ADMIN)
    await ask(core, "add 2024-04-22")
    answer = await web.write("POST", "/api/v1/incidents", token, NEW)
    assert answer.status == 201
    incident = answer.body["incident"]
    assert incident["id"] == 2 and incident["series"] == "attacks"
    assert incident["location"] == "Ain al-Assad" and incident["deleted"] is False
    assert answer.body["words"]["headline"] == "Recorded attack #2 on 16 Jul 2024"
    assert "it ends an 86-day pause (22 Apr → 16 Jul 2024)" in answer.body["words"]["text"]
    async with core.database.read() as session:
        audit = (await session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()))).first()
        assert audit is not None and audit.actor == "token:newsroom"
        used = await session.scalar(
            select(ApiToken.last_used_at).where(ApiToken.name == "newsroom")
        )
    assert used is not None
    assert await outbox_headlines(core) == ["New attack on 16 Jul 2024 ends an 86-day pause"]
    # The same incident written in chat, after the API's is deleted, says and queues the same.
    await web.write("DELETE", "/api/v1/incidents/2", token)
    said = await core.handle(
        'add 2024-07-16 country:Iraq location:"Ain al-Assad" kind:drone', ADMIN
    )
    assert render_text(said).replace("#3", "#2") == answer.body["words"]["text"]


async def test_a_retry_with_the_same_key_stores_nothing_twice(
    core: Core, web: Web, token: str
) -> None:
    headers = {"Idempotency-Key": "run-42"}
    first = await web.write("POST", "/api/v1/incidents", token, NEW, headers=headers)
    again = await web.write("POST", "/api/v1/incidents", token, NEW, headers=headers)
    assert first.status == again.status == 201
    assert again.body["replayed"] is True and again.headers["Idempotent-Replayed"] == "true"
    assert first.body["replayed"] is False
    assert again.body["words"] == first.body["words"]
    assert again.body["incident"]["id"] == first.body["incident"]["id"]
    assert await count(core, Incident) == 1
    other = await web.write(
        "POST", "/api/v1/incidents", token, NEW, headers={"Idempotency-Key": "run-43"}
    )
    assert other.body["replayed"] is False and await count(core, Incident) == 2
    too_long = await web.write(
        "POST", "/api/v1/incidents", token, NEW, headers={"Idempotency-Key": "k" * 101}
    )
    assert too_long.status == 400 and "Idempotency-Key" in too_long.body["fields"]
    assert await count(core, Incident) == 2


async def test_a_bad_body_gets_the_chats_message_for_each_field(
    core: Core, web: Web, token: str
) -> None:
    before = await snapshot(core)
    answer = await web.write(
        "POST",
        "/api/v1/incidents",
        token,
        {"date": "2024-02-30", "killed": "many", "time": "25:00"},
    )
    assert answer.status == 422
    fields = answer.body["fields"]
    assert set(fields) == {"date", "killed", "time"}
    assert fields["date"] == (await core.handle("add 2024-02-30", ADMIN)).headline
    assert fields["killed"] == (await core.handle("add 2024-07-16 killed:many", ADMIN)).headline
    assert fields["time"] == (await core.handle("add 2024-07-16 time:25:00", ADMIN)).headline
    assert answer.body["error"] in fields.values()
    no_day = await web.write("POST", "/api/v1/incidents", token, {"country": "Iraq"})
    assert no_day.status == 422 and "needs the day it happened" in no_day.body["fields"]["date"]
    unknown = await web.write(
        "POST", "/api/v1/incidents", token, {"date": "2024-07-16", "contry": "Iraq", "killed": 1.5}
    )
    assert set(unknown.body["fields"]) == {"contry", "killed"}
    series = await web.write(
        "POST", "/api/v1/incidents", token, {"date": "2024-07-16", "series": "outages"}
    )
    assert "`outages` is not a series" in series.body["fields"]["series"]
    not_json = await web.write(
        "POST", "/api/v1/incidents", token, data="date=2024-07-16", headers={}
    )
    assert not_json.status == 400 and "not JSON" in not_json.body["error"]
    assert (await web.write("POST", "/api/v1/incidents", token, [1, 2])).status == 400
    assert await snapshot(core) == before


async def test_edit_and_delete(core: Core, web: Web, token: str) -> None:
    await ask(core, "add 2024-07-16 kind:drone")
    edited = await web.write("PATCH", "/api/v1/incidents/1", token, {"kind": "rocket", "killed": 2})
    assert edited.status == 200
    assert edited.body["incident"]["kind"] == "rocket" and edited.body["incident"]["killed"] == 2
    assert edited.body["words"]["headline"] == "Edited attack #1"
    assert "kind: drone → rocket" in edited.body["words"]["text"]
    bad = await web.write("PATCH", "/api/v1/incidents/1", token, {"date": "2031-01-01"})
    assert bad.status == 422 and "future" in bad.body["fields"]["date"]
    assert (await web.write("PATCH", "/api/v1/incidents/1", token, {})).status == 422
    missing = await web.write("PATCH", "/api/v1/incidents/99", token, {"kind": "rocket"})
    assert missing.status == 404 and "There is no incident #99" in missing.body["error"]
    deleted = await web.write("DELETE", "/api/v1/incidents/1", token, {"reason": "duplicate"})
    assert deleted.status == 200 and deleted.body["incident"]["deleted"] is True
    assert deleted.body["words"]["headline"] == "Deleted attack #1"
    again = await web.write("DELETE", "/api/v1/incidents/1", token)
    assert again.status == 422 and "already deleted" in again.body["error"]
    shown = await web.get("/api/v1/incidents/1")
    assert shown.body["incident"]["deleted"] is True
    assert (await web.get("/api/v1/series/attacks/since")).body["days_since"] is None
    async with core.database.read() as session:
        actors = list(await session.scalars(select(AuditEntry.actor).order_by(AuditEntry.id)))
    assert actors[-2:] == ["token:newsroom", "token:newsroom"]


CSV = "date,country,kind\n2024-02-04,Iraq,rocket\n2024-04-21,Syria,rocket\n"


async def test_an_import_is_all_or_nothing(core: Core, web: Web, token: str) -> None:
    headers = {"Content-Type": "text/csv", "Idempotency-Key": "import-1"}
    done = await web.write("POST", "/api/v1/imports", token, data=CSV, headers=headers)
    assert done.status == 201
    assert done.body == {
        "read": 2,
        "added": 2,
        "skipped": 0,
        "added_by_series": {"attacks": 2},
        "replayed": False,
        "notes": False,  # a file of incidents
        "placed": 0,  # no row names a place for the gazetteer
    }
    replay = await web.write("POST", "/api/v1/imports", token, data=CSV, headers=headers)
    assert replay.body["replayed"] is True and replay.body["added"] == 2
    assert await count(core, Incident) == 2
    before = await snapshot(core)
    bad = "date,country\n2024-07-16,Iraq\n2024-13-01,Syria\nnot a day,Iraq\n"
    refused = await web.write(
        "POST", "/api/v1/imports", token, data=bad, headers={"Content-Type": "text/csv"}
    )
    assert refused.status == 422 and refused.body["total_bad_rows"] == 2
    assert [row["where"] for row in refused.body["rows"]] == ["line 3", "line 4"]
    assert await snapshot(core) == before
    body = json.dumps([{"date": "2024-07-16", "country": "Iraq", "quantity": 2}])
    as_json = await web.write(
        "POST", "/api/v1/imports", token, data=body, headers={"Content-Type": "application/json"}
    )
    assert as_json.status == 201 and as_json.body["added"] == 1
    unknown_type = await web.write(
        "POST", "/api/v1/imports", token, data=CSV, headers={"Content-Type": "text/plain"}
    )
    assert unknown_type.status == 415 and "format" in unknown_type.body["fields"]
    async with core.database.read() as session:
        audit = (await session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()))).first()
    assert audit is not None and audit.actor == "token:newsroom" and audit.action == "import"


async def test_writes_are_rate_limited_per_token(
    core: Core, database_url: str, started_web: Callable[..., Any], token: str
) -> None:
    core.settings = make_settings(database_url, write_rate_per_minute=2)
    web = await started_web(core)
    other = await tokens.create(core.context, "wall")
    statuses = [
        (await web.write("POST", "/api/v1/incidents", token, {"date": "2024-07-16"})).status
        for _ in range(3)
    ]
    assert statuses == [201, 201, 429]
    limited = await web.write("POST", "/api/v1/incidents", token, {"date": "2024-07-16"})
    assert limited.status == 429 and int(limited.headers["Retry-After"]) >= 1
    assert "at most 2 a minute" in limited.body["error"]
    assert (
        await web.write("POST", "/api/v1/incidents", other, {"date": "2024-07-16"})
    ).status == 201
    assert await count(core, Incident) == 3
