"""The operators' endpoints over HTTP: /healthz, /readyz (and when it fails), /metrics changing."""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.commands.core import Core
from bot.notify.delivery import Delivery, Outgoing, Progress
from storage.database import HEAD_REVISION, migrate, open_database
from tests.bot.notify.test_delivery import alert_queued
from tests.bot.web.conftest import Web
from tests.conftest import PG_URL_VARIABLE, Clock, _asyncpg_dsn, make_settings


def metric(text: str, name: str, **labels: str) -> float:
    """Return one sample's value from Prometheus text, 0 when it is not there yet."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    pattern = re.escape(name) + (r"\{" + re.escape(wanted) + r"\}" if labels else "") + r" (\S+)"
    found = re.search("^" + pattern + "$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


class Posted:
    """A sender that accepts every message and remembers it."""

    platform = "console"

    def __init__(self) -> None:
        self.keys: list[str] = []

    async def send(self, message: Outgoing, progress: Progress) -> None:
        self.keys.append(message.key)
        await progress("message")


async def test_healthz_and_readyz(web: Web) -> None:
    assert (await web.get("/healthz")).body == {"status": "up"}
    ready = await web.get("/readyz")
    assert ready.status == 200 and ready.body["status"] == "ready"
    assert ready.body["checks"]["migrations"]["current"] == HEAD_REVISION
    assert ready.body["checks"]["migrations"]["head"] == HEAD_REVISION
    # No source, none degraded (tests/bot/web/test_source_health.py drives one that is).
    assert ready.body["checks"]["sources"] == {"ok": True, "degraded": []}


async def test_readyz_says_a_platform_is_down(started_web: Callable[..., Any]) -> None:
    web = await started_web(platforms=lambda: {"slack": True, "discord": False})
    ready = await web.get("/readyz")
    assert ready.status == 503 and ready.body["status"] == "not ready"
    assert ready.body["checks"]["platforms"] == {
        "ok": False,
        "connected": {"slack": True, "discord": False},
    }


async def test_readyz_says_when_the_schema_is_behind(
    core: Core, started_web: Callable[..., Any]
) -> None:
    async def set_version(version: str) -> None:
        async with core.database.write() as session:
            await session.execute(
                text("UPDATE alembic_version SET version_num = :v"), {"v": version}
            )

    await set_version("0004")
    try:
        web = await started_web()
        ready = await web.get("/readyz")
    finally:
        await set_version(HEAD_REVISION)  # the PostgreSQL database is shared by the session's tests
    assert ready.status == 503
    assert ready.body["checks"]["migrations"] == {
        "ok": False,
        "current": "0004",
        "head": HEAD_REVISION,
    }
    assert ready.body["checks"]["database"]["ok"] is True


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_readyz_fails_when_the_database_is_gone(
    backend: str, tmp_path: Path, clock: Clock, started_web: Callable[..., Any]
) -> None:
    if backend == "sqlite":
        folder = tmp_path / "data"
        folder.mkdir()
        url = f"sqlite+aiosqlite:///{folder / 'gone.db'}"
    else:
        base = os.environ.get(PG_URL_VARIABLE)
        if not base:
            pytest.skip(f"{PG_URL_VARIABLE} is not set")
        name = f"pausewatch_gone_{uuid.uuid4().hex[:8]}"
        admin = await asyncpg.connect(_asyncpg_dsn(base))
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = make_url(base).set(database=name).render_as_string(hide_password=False)
    database = open_database(url)
    await migrate(database)
    core = Core(database=database, settings=make_settings(url), clock=clock)
    await core.prepare()
    web = await started_web(core)
    try:
        assert (await web.get("/readyz")).status == 200
        await database.engine.dispose()
        if backend == "sqlite":
            shutil.rmtree(folder)
        else:
            await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        ready = await web.get("/readyz")
        assert ready.status == 503
        assert ready.body["checks"]["database"]["ok"] is False
        assert ready.body["checks"]["database"]["problem"]
        assert (await web.get("/healthz")).status == 200  # the process is still up
        since = await web.get("/api/v1/series/attacks/since")
        assert since.status == 503 and "not answering" in since.body["error"]
        metrics = await web.get("/metrics")  # the other metrics are still served
        assert metrics.status == 200 and "pausewatch_commands_total" in metrics.text
    finally:
        await database.dispose()
        if backend == "postgresql":
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()


async def test_metrics_change_after_a_question_and_a_delivery(
    core: Core, clock: Clock, web: Web
) -> None:
    before = (await web.get("/metrics")).text
    assert before.startswith("# HELP") and "pausewatch_outbox_pending 0.0" in before
    assert (
        metric(before, "pausewatch_commands_total", verb="since", platform="api", result="ok") == 0
    )
    await web.get("/api/v1/series/attacks/since")
    await core.handle(
        "pause", __import__("tests.bot.commands.test_core").bot.commands.test_core.ADMIN
    )
    await alert_queued(core)
    asked = (await web.get("/metrics")).text
    assert (
        metric(asked, "pausewatch_commands_total", verb="since", platform="api", result="ok") == 1
    )
    assert (
        metric(asked, "pausewatch_commands_total", verb="pause", platform="console", result="ok")
        == 1
    )
    assert (
        metric(asked, "pausewatch_command_duration_seconds_count", verb="since", platform="api")
        == 1
    )
    assert metric(asked, "pausewatch_outbox_pending") == 1
    assert metric(asked, "pausewatch_last_successful_delivery_timestamp_seconds") == 0
    sender = Posted()
    delivery = Delivery(core.database, [sender], clock=clock, metrics=core.metrics)
    clock.now = clock.now.replace(minute=5)
    assert await delivery.run_once() == 1
    assert len(sender.keys) == 1
    delivered = (await web.get("/metrics")).text
    labels = {"platform": "console", "kind": "alert", "result": "sent"}
    assert metric(delivered, "pausewatch_deliveries_total", **labels) == 1
    assert metric(delivered, "pausewatch_outbox_pending") == 0
    assert metric(delivered, "pausewatch_last_successful_delivery_timestamp_seconds") == (
        clock.now.timestamp()
    )
    assert metric(delivered, "pausewatch_digests_sent_total") == 0


async def test_the_oldest_pending_message_has_an_age(core: Core, clock: Clock, web: Web) -> None:
    await alert_queued(core)
    clock.now = clock.now.replace(hour=13)
    text = (await web.get("/metrics")).text
    assert metric(text, "pausewatch_outbox_oldest_pending_age_seconds") == 3600.0
