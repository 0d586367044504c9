"""Fuzzing the HTTP API from the OpenAPI document it serves: no 5xx, no answer that breaks the
document, no write without a write token.

schemathesis (tests/fuzz/api_schema.py, in a process of its own) reads /api/v1/openapi.json
from a server on loopback, the real application on a real database holding the sample data,
and makes requests that fit each operation's parameters and body and requests that do not.
Each answer is checked against the document: a documented status code, its content type and
headers, a body that fits its schema, and never a 5xx. One run carries a write token through
every operation (and an admin token, which the sources and the review queue need); the others
carry no token, or one that may not write, and every write must be refused with nothing
stored, as must every request for the sources and the review queue: those requests go to two
servers on the one database, one with api_public and one without, each checked against the
document it serves (one run's examples for both; two runs took twice the time).

The examples are fixed (derandomized) and bounded (tests/fuzz/api_schema.py's EXAMPLES per
operation and mode), and the clock is the tests' own, so a run is the same on any day.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.commands import tokens
from bot.commands.core import Core
from bot.commands.imports import load_sample_on_first_run
from storage.database import Database
from storage.models import Incident, OutboxMessage, SeenRequest
from tests.bot.commands.test_core import snapshot
from tests.bot.web.conftest import README_DAY
from tests.conftest import Clock, make_settings
from tests.fuzz.api_schema import Request, Run, fuzz

WRITES = {"POST", "PATCH", "PUT", "DELETE"}
# What a request presents, and so what it may do: nothing, a token that is not valid (revoked,
# never made), a token that may only read, a token that may write, an admin token.
NONE, INVALID, READ, WRITE, ADMIN = "none", "invalid", "read", "write", "admin"
# The sources and the review queue: an admin token's only, reads too.
ADMIN_PATHS = ("/api/v1/sources", "/api/v1/reviews")
# What the sample data holds (bot/data/sample-incidents.csv), for the examples steered to it.
SERIES = ["attacks", "us-strikes"]
SAMPLE_VALUES = {
    "country": ["Iraq", "syria"],
    "location": ["Ain al-Assad"],
    "actor": ["United States", "Iran-backed groups in Iraq"],
    "kind": ["drone", "air strike"],
    "by": ["week", "month", "year", "country", "kind", "location", "actor"],
}


def administers(exchange: Any) -> bool:
    """Say whether an exchange asked for the sources or the review queue (admin tokens only)."""
    return exchange.template.startswith(ADMIN_PATHS)


async def _count(database: Database, model: Any) -> int:
    async with database.read() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def _stored(core: Core) -> tuple[Any, ...]:
    """Everything a write stores: incidents, day counts, the audit log, the outbox, request keys."""
    return (
        await snapshot(core),
        await _count(core.database, OutboxMessage),
        await _count(core.database, SeenRequest),
    )


@dataclass
class Served:
    """A server on loopback over the sample data, and what to present to it."""

    core: Core
    url: str
    credentials: dict[str, list[str | None]]
    ids: list[int]
    also: list[str] = field(default_factory=list)

    async def fuzz(self, *kinds: str) -> Run:
        """Fuzz every operation, each request presenting a credential of one of `kinds`
        (and made again to each server of `also`)."""
        run = await fuzz(
            Request(
                url=self.url,
                also=self.also,
                credentials={kind: self.credentials[kind] for kind in kinds},
                series=SERIES,
                ids=self.ids,
                values=SAMPLE_VALUES,
                first_day=README_DAY.date().replace(month=1, day=1).isoformat(),
                last_day=README_DAY.date().isoformat(),
            )
        )
        # schemathesis ran in its own process: this one's Hypothesis is as the suite's other
        # tests need it (see tests/fuzz/api_schema.py).
        assert "schemathesis.generation.hypothesis.builder" not in sys.modules
        return run


@pytest.fixture
async def serve(
    database: Database, database_url: str, clock: Clock, started_web: Callable[..., Any]
) -> Callable[..., Any]:
    """Return what serves the sample data on 22 Jul 2024 with the settings given."""

    async def start(**overrides: Any) -> Served:
        clock.now = README_DAY
        # The fuzzer writes hundreds of times a minute: the rate limit would answer with 429.
        core = Core(
            database=database,
            settings=make_settings(database_url, write_rate_per_minute=100_000, **overrides),
            clock=clock,
        )
        await core.prepare()
        assert await load_sample_on_first_run(core.context) is not None
        write = await tokens.create(core.context, "fuzz")
        revoked = await tokens.create(core.context, "gone")
        assert await tokens.revoke(core.context, "gone")
        reader = await tokens.create(core.context, "reader", scope=tokens.READ)
        admin = await tokens.create(core.context, "chief", scope=tokens.ADMIN)
        credentials: dict[str, list[str | None]] = {
            NONE: [None, "Bearer ", f"Basic {write}", write],
            INVALID: [f"Bearer {revoked}", "Bearer not-a-token", f"Bearer {write}x"],
            READ: [f"Bearer {reader}"],
            WRITE: [f"Bearer {write}", f"bearer {write}"],
            ADMIN: [f"Bearer {admin}"],
        }
        async with database.read() as session:
            ids = list(await session.scalars(select(Incident.id).order_by(Incident.id)))
        web = await started_web(core)
        return Served(core, web.base + "/api/v1/openapi.json", credentials, ids)

    return start


async def also_serve(served: Served, started_web: Callable[..., Any], **overrides: Any) -> int:
    """Start another server on the same database (its tokens, its data) with other settings;
    return its number in the runs' exchanges."""
    core = served.core
    settings = core.settings.model_copy(update=overrides)
    other = Core(database=core.database, settings=settings, clock=core.clock)
    web = await started_web(other)
    served.also.append(web.base + "/api/v1/openapi.json")
    return len(served.also)


async def test_every_operation_with_a_write_token_answers_as_documented(
    serve: Callable[..., Any], database: Database
) -> None:
    served = await serve()
    before = await _count(database, Incident)
    run = await served.fuzz(WRITE, ADMIN)
    # Every problem is listed, not only the first: one found leaves the others to be seen.
    problems = [run.report()] if run.failures else []
    refused = run.listed(
        lambda e: e.status in (401, 403) and (e.credential == ADMIN or not administers(e))
    )
    if refused:
        problems.append(f"A write or admin token was refused:\n{refused}")
    kept_out = run.listed(lambda e: administers(e) and e.credential == WRITE and e.status != 403)
    if kept_out:
        problems.append(f"A write token was not refused the sources or reviews:\n{kept_out}")
    # The writes were carried out, not only refused.
    for method, template, done in [
        ("POST", "/api/v1/incidents", 201),
        ("PATCH", "/api/v1/incidents/{id}", 200),
        ("DELETE", "/api/v1/incidents/{id}", 200),
        ("POST", "/api/v1/imports", 201),
    ]:
        statuses = {e.status for e in run.exchanges if (e.method, e.template) == (method, template)}
        if done not in statuses:
            problems.append(f"No {method} {template} answered {done}, only {sorted(statuses)}")
    # The sources and the review queue let the admin token in (the sample has no source and
    # no review: their lists, their 404s; tests/bot/web/test_api_sources.py runs them).
    admitted = {
        e.template
        for e in run.exchanges
        if administers(e) and e.credential == ADMIN and e.status not in (401, 403)
    }
    if len(admitted) < 3:
        problems.append(f"An admin token reached only {sorted(admitted)}")
    # What the answers say was added is what is stored (a deleted incident keeps its row).
    added = sum(
        e.body["added"] if e.template == "/api/v1/imports" else 1
        for e in run.exchanges
        if e.method == "POST" and e.status == 201 and not e.body["replayed"]
    )
    stored = await _count(database, Incident)
    if stored != before + added:
        problems.append(f"The answers added {added} incidents to {before}; {stored} are stored")
    assert not problems, "\n\n".join(problems)


async def test_no_write_without_a_write_token(
    serve: Callable[..., Any], started_web: Callable[..., Any]
) -> None:
    served = await serve(api_public=False)
    servers = {0: False, await also_serve(served, started_web, api_public=True): True}
    before = await _stored(served.core)
    run = await served.fuzz(NONE, INVALID, READ)
    problems = [run.report()] if run.failures else []
    if await _stored(served.core) != before:
        problems.append("Refused writes changed what is stored")
    for server, api_public in servers.items():
        exchanges = [e for e in run.exchanges if e.server == server]
        problems += refusals(exchanges, api_public)
    assert not problems, "\n\n".join(problems)


def refusals(exchanges: list[Any], api_public: bool) -> list[str]:
    """Check one server's exchanges: every write refused, reads let in as api_public says."""
    server = f"api_public={api_public}"
    listed = Run(exchanges).listed
    problems = []
    written = {e.template for e in exchanges if e.method in WRITES}
    assert written == {
        *("/api/v1/incidents", "/api/v1/incidents/{id}", "/api/v1/imports"),
        *("/api/v1/sources/{name}/run", "/api/v1/reviews/{id}/approve"),
        "/api/v1/reviews/{id}/reject",
        *("/api/v1/notes", "/api/v1/notes/{id}"),
    }, server
    # A read token's write is forbidden (403); anything else has no token to speak of (401).
    # So is any request for the sources or the review queue, whatever api_public says.
    let_through = listed(
        lambda e: (
            (e.method in WRITES or administers(e))
            and e.status != (403 if e.credential == READ else 401)
        )
    )
    if let_through:
        problems.append(f"{server}: writes not refused as they should be:\n{let_through}")
    # Reading the data: a read token is let in (whatever the question then answers), and so is
    # anyone without a token when api_public is set; a token that is not valid never is.
    let_in = {READ, NONE} if api_public else {READ}
    wrong = listed(
        lambda e: (
            e.reads_data
            and not administers(e)
            and ((e.status in (401, 403)) == (e.credential in let_in))
        )
    )
    if wrong:
        problems.append(f"{server}: reads let in or kept out wrongly:\n{wrong}")
    kinds = {e.credential for e in exchanges if e.reads_data}
    assert kinds == {NONE, INVALID, READ}, f"{server}: reads presented only {kinds}"
    return problems
