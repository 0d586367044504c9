"""A failing source is not silent: `source list`, /metrics and /readyz say it, by the test clock.

ACLED's stand-in answers 503 for hours; the run's retries wait in a FakeTime and the
business clock is the test's Clock, so nothing depends on the real date or sleeps.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from bot.commands import sources
from bot.commands.core import Core
from tests.bot.commands.test_core import ask, refused
from tests.bot.sources.conftest import fake_acled, fake_time, source_core  # noqa: F401
from tests.bot.sources.fake_feeds import FakeAcled, FakeTime, acled_event
from tests.bot.sources.test_runs import T0
from tests.conftest import NOW, Clock

SOURCE = "acled-watch"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Parse Prometheus text into {(sample name, sorted labels): value}."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def of(parsed: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str):
    """Return one sample's value; KeyError when /metrics does not have it."""
    return parsed[(name, tuple(sorted(labels.items())))]


async def scrape(web: Any) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = await web.get("/metrics")
    assert answer.status == 200
    return samples(answer.text)


async def test_a_failing_source_is_listed_counted_and_degraded(
    database,
    database_url: str,
    clock: Clock,
    fake_acled: FakeAcled,  # noqa: F811
    fake_time: FakeTime,  # noqa: F811
    started_web: Callable[..., Any],
) -> None:
    core: Core = source_core(database, database_url, clock, fake_acled, fake_time)
    await core.prepare()
    web = await started_web(core)
    for n in (1, 2, 3):
        fake_acled.put(acled_event(f"IRQ{n}", f"2024-07-0{n}", T0 + n))
    await ask(core, f"source add {SOURCE} kind:acled every:1h")
    # A sheet that never runs: stale since it was added.
    await ask(core, "source add never-read kind:csv url:http://127.0.0.1:9/none.csv every:1h")
    assert (await ask(core, f"source run {SOURCE}")).startswith(f"Source {SOURCE}: read 3, 3 added")

    # ACLED goes down: every run of the next three hours fails after its retries.
    fake_acled.always = "503"
    for hours in (1, 2, 3):
        clock.now = NOW + timedelta(hours=hours)
        said = await refused(core, f"source run {SOURCE}")
        assert "ACLED answered 503" in said
    listing = await ask(core, "source list")
    assert f"• {SOURCE}: acled ACLED's API" in listing
    assert "last run: FAILED 2026-11-25 15:00 UTC\n   last error: ACLED answered 503" in listing
    assert "last success: 2026-11-25 12:00 UTC · next run: due now (within a minute)" in listing
    assert "last success: none yet · next run: due now (within a minute)" in listing

    # The schedule claims the hour's slot (and fails again): the next run is the next slot.
    reports = await sources.run_due(core.context)
    assert {r.name: r.ok for r in reports} == {SOURCE: False, "never-read": False}
    listed = {info.name: info for info in await sources.listing(core.context)}
    upcoming = listed[SOURCE].next_run_at
    assert upcoming is not None and clock.now < upcoming <= clock.now + timedelta(hours=1)
    slot = sources.slot_of(SOURCE, 60, clock.now)
    assert sources.slot_of(SOURCE, 60, upcoming) == slot + 1
    assert sources.slot_of(SOURCE, 60, upcoming - timedelta(seconds=1)) == slot
    listing = await ask(core, "source list")
    assert f"last success: 2026-11-25 12:00 UTC · next run: {upcoming:%Y-%m-%d %H:%M} UTC" in (
        listing
    )
    assert "last error: " in listing.split("never-read")[1]  # its address refused no one

    # /metrics: five runs, four failed, three added; three hours since the last success.
    parsed = await scrape(web)
    assert of(parsed, "pausewatch_source_runs_total", source=SOURCE) == 5
    assert of(parsed, "pausewatch_source_failures_total", source=SOURCE) == 4
    assert of(parsed, "pausewatch_source_rows_total", source=SOURCE, change="added") == 3
    assert of(parsed, "pausewatch_source_rows_total", source=SOURCE, change="updated") == 0
    assert of(parsed, "pausewatch_source_rows_total", source=SOURCE, change="deleted") == 0
    assert of(parsed, "pausewatch_source_seconds_since_success", source=SOURCE) == 3 * 3600
    assert of(parsed, "pausewatch_source_runs_total", source="never-read") == 1
    assert of(parsed, "pausewatch_source_seconds_since_success", source="never-read") == 3 * 3600

    # Exactly three intervals without a success is not yet degraded.
    ready = await web.get("/readyz")
    assert ready.status == 200 and ready.body["status"] == "ready"
    assert ready.body["checks"]["sources"] == {"ok": True, "degraded": []}

    # A second later both are: still 200 and ready, each source named with since when.
    clock.now = NOW + timedelta(hours=3, seconds=1)
    ready = await web.get("/readyz")
    assert ready.status == 200 and ready.body["status"] == "ready"
    check = ready.body["checks"]["sources"]
    assert check["ok"] is False
    degraded = {d["source"]: d for d in check["degraded"]}
    assert degraded[SOURCE]["last_success"] == "2026-11-25T12:00:00+00:00"
    assert degraded[SOURCE]["no_success_since"] == "2026-11-25T12:00:00+00:00"
    assert degraded[SOURCE]["every_minutes"] == 60
    assert degraded[SOURCE]["last_error"].startswith("ACLED answered 503")
    assert degraded["never-read"]["last_success"] is None
    assert degraded["never-read"]["no_success_since"] == "2026-11-25T12:00:00+00:00"
    assert set(degraded) == {SOURCE, "never-read"}
    parsed = await scrape(web)
    assert of(parsed, "pausewatch_source_seconds_since_success", source=SOURCE) == 3 * 3600 + 1

    # ACLED is back, with a correction and a deletion: the run succeeds and it is ok again.
    clock.now = NOW + timedelta(hours=4)
    fake_acled.always = None
    fake_acled.put(acled_event("IRQ2", "2024-07-12", int(clock.now.timestamp())))
    fake_acled.delete("IRQ1", int(clock.now.timestamp()))
    said = await ask(core, f"source run {SOURCE}")
    # The last timestamp seen is read again (>=) and known already.
    assert said.startswith(f"Source {SOURCE}: read 2, 1 updated, 1 deleted, 1 already known"), said
    ready = await web.get("/readyz")
    assert ready.status == 200
    assert [d["source"] for d in ready.body["checks"]["sources"]["degraded"]] == ["never-read"]
    parsed = await scrape(web)
    assert of(parsed, "pausewatch_source_runs_total", source=SOURCE) == 6
    assert of(parsed, "pausewatch_source_failures_total", source=SOURCE) == 4
    assert of(parsed, "pausewatch_source_rows_total", source=SOURCE, change="updated") == 1
    assert of(parsed, "pausewatch_source_rows_total", source=SOURCE, change="deleted") == 1
    assert of(parsed, "pausewatch_source_seconds_since_success", source=SOURCE) == 0
    listing = await ask(core, "source list")
    watch = listing.split(f"• {SOURCE}")[1].split("• never-read")[0]
    assert (
        "last run: ok 2026-11-25 16:00 UTC: read 2, 1 updated, 1 deleted, 1 already known" in watch
    )
    assert "last error" not in watch and "last success: 2026-11-25 16:00 UTC" in watch

    # A removed source leaves /metrics.
    await ask(core, "source remove never-read")
    parsed = await scrape(web)
    assert ("pausewatch_source_runs_total", (("source", "never-read"),)) not in parsed
    assert of(parsed, "pausewatch_source_runs_total", source=SOURCE) == 6
