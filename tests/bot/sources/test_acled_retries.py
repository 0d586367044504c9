"""ACLED runs through the stand-in: every page read, blips retried within the run, refusals said.

The stand-in is a real server on loopback; a run's waits go to a FakeTime, so nothing sleeps.
"""

from __future__ import annotations

from bot.commands.core import Core
from bot.sources.retry import RETRY_WITHIN_SECONDS
from tests.bot.commands.test_core import ask, refused
from tests.bot.sources.conftest import source_core
from tests.bot.sources.fake_feeds import FakeAcled, FakeTime, acled_event
from tests.bot.sources.test_runs import T0, incidents, source_row
from tests.conftest import Clock

CREDENTIALS = "PAUSEWATCH_ACLED_USERNAME and PAUSEWATCH_ACLED_PASSWORD"


def events(fake: FakeAcled, count: int) -> list[str]:
    ids = [f"IRQ{n}" for n in range(1, count + 1)]
    for n, event_id in enumerate(ids, start=1):
        fake.put(acled_event(event_id, f"2024-07-{n:02d}", T0 + n))
    return ids


async def stored(core: Core) -> list[str]:
    return [str(i[0]) for i in await incidents(core) if not i[3]]


async def test_short_pages_do_not_end_a_run(
    database, database_url: str, clock: Clock, fake_acled: FakeAcled
) -> None:
    core = source_core(database, database_url, clock, fake_acled, acled_page_size=5)
    await core.prepare()
    ids = events(fake_acled, 7)
    fake_acled.page_cap = 2  # asked for 5 a page, ACLED sends 2
    fake_acled.honours_with_total = False  # and no total_count to stop at
    await ask(core, "source add acled kind:acled")
    said = await ask(core, "source run acled")
    assert said.startswith("Source acled: read 7, 7 added"), said
    assert await stored(core) == ids
    # Pages of 2, 2, 2, 1, then an empty one: only that ends a pass. A pass of several
    # requests is read again, and taken when the two agree.
    assert [r["page"] for r in fake_acled.reads()] == ["1", "2", "3", "4", "5"] * 2
    assert {r["limit"] for r in fake_acled.reads()} == {"5"}
    assert (await source_row(core, "acled")).position["timestamp"] == T0 + 7

    # Deletions are paged the same way.
    for event_id in ids[:3]:
        fake_acled.delete(event_id, int(core.clock().timestamp()) + 1)
    said = await ask(core, "source run acled")
    assert "3 deleted" in said, said
    assert await stored(core) == ids[3:]


async def test_total_count_ends_the_paging_when_acled_sends_it(
    database, database_url: str, clock: Clock, fake_acled: FakeAcled
) -> None:
    core = source_core(database, database_url, clock, fake_acled, acled_page_size=5)
    await core.prepare()
    ids = events(fake_acled, 7)
    fake_acled.page_cap = 2
    await ask(core, "source add acled kind:acled")
    assert (await ask(core, "source run acled")).startswith("Source acled: read 7, 7 added")
    assert await stored(core) == ids
    # ACLED sends total_count only when asked (since 2025): every read asks.
    assert {r["with_total"] for r in fake_acled.reads()} == {"true"}
    # 7 of 7 read after page 4: no empty page asked for (and the pass read twice).
    assert [r["page"] for r in fake_acled.reads()] == ["1", "2", "3", "4"] * 2


async def test_a_429_waits_what_retry_after_says(
    feeds_core: Core, fake_acled: FakeAcled, fake_time: FakeTime
) -> None:
    events(fake_acled, 3)
    await ask(feeds_core, "source add acled kind:acled")
    fake_acled.retry_after = "30"
    fake_acled.script = ["429"]
    said = await ask(feeds_core, "source run acled")
    assert said.startswith("Source acled: read 3, 3 added"), said
    assert fake_time.slept == [30.0]
    assert "ok 2026-11-25 12:00 UTC: read 3, 3 added" in await ask(feeds_core, "source list")

    # A Retry-After that is neither seconds nor a date: the backoff's own wait.
    fake_acled.put(acled_event("IRQ9", "2024-07-20", T0 + 9))
    fake_acled.retry_after, fake_time.slept = "soon", []
    fake_acled.script = ["429"]
    # The boundary (the last timestamp seen) is read again, and known already.
    said = await ask(feeds_core, "source run acled")
    assert said.startswith("Source acled: read 2, 1 added, 1 already known"), said
    assert fake_time.slept == [2.0]


async def test_a_429_with_a_date_waits_until_then(
    feeds_core: Core, fake_acled: FakeAcled, fake_time: FakeTime
) -> None:
    events(fake_acled, 1)
    await ask(feeds_core, "source add acled kind:acled")
    fake_acled.script = ["429-date"]  # Retry-After: 12:00:30 GMT, the run starting at 12:00
    said = await ask(feeds_core, "source run acled")
    assert said.startswith("Source acled: read 1, 1 added"), said
    assert fake_time.slept == [30.0]


async def test_a_retry_after_beyond_the_bound_ends_the_run_at_once(
    feeds_core: Core, fake_acled: FakeAcled, fake_time: FakeTime
) -> None:
    events(fake_acled, 1)
    await ask(feeds_core, "source add acled kind:acled")
    fake_acled.retry_after = "3600"
    fake_acled.script = ["429"]
    said = await refused(feeds_core, "source run acled")
    assert (
        'ACLED answered 429 (too many requests) saying "Too many requests" while reading data; '
        "it asked to wait 3,600 s, longer than a run waits (120 s), so the next run tries again"
    ) in said
    assert fake_time.slept == []
    assert await stored(feeds_core) == []


async def test_bad_gateways_are_retried_with_backoff(
    feeds_core: Core, fake_acled: FakeAcled, fake_time: FakeTime
) -> None:
    events(fake_acled, 3)
    await ask(feeds_core, "source add acled kind:acled")
    fake_acled.script = ["502", "502"]
    said = await ask(feeds_core, "source run acled")
    assert said.startswith("Source acled: read 3, 3 added"), said
    assert fake_time.slept == [2.0, 4.0]  # 2 s, doubling (the draw at the top of each step)

    # The jitter: each wait drawn in the upper half of its step.
    fake_acled.put(acled_event("IRQ9", "2024-07-20", T0 + 9))
    fake_time.draw, fake_time.slept = 0.0, []
    fake_acled.script = ["504", "504", "504"]
    # The boundary (the last timestamp seen) is read again, and known already.
    said = await ask(feeds_core, "source run acled")
    assert said.startswith("Source acled: read 2, 1 added, 1 already known"), said
    assert fake_time.slept == [1.0, 2.0, 4.0]


async def test_a_server_that_stays_down_fails_the_run_after_the_bound(
    feeds_core: Core, fake_acled: FakeAcled, fake_time: FakeTime
) -> None:
    events(fake_acled, 3)
    await ask(feeds_core, "source add acled kind:acled")
    fake_acled.always = "503"
    said = await refused(feeds_core, "source run acled")
    # 2 + 4 + 8 + 16 + 32 s waited; a sixth wait (60 s) would pass the bound.
    assert (
        "ACLED answered 503 (service unavailable) with an HTML page while reading data; "
        "tried 6 times over 62 s"
    ) in said
    assert "<" not in said and "nginx" not in said
    assert fake_time.slept == [2.0, 4.0, 8.0, 16.0, 32.0]
    assert sum(fake_time.slept) <= RETRY_WITHIN_SECONDS
    assert len(fake_acled.reads()) == 6
    assert await stored(feeds_core) == []
    assert (await source_row(feeds_core, "acled")).position is None  # no good run yet
    listing = await ask(feeds_core, "source list")
    assert "last run: FAILED 2026-11-25 12:00 UTC\n   last error: ACLED answered 503" in listing


async def test_a_time_out_is_retried(
    database, database_url: str, clock: Clock, fake_acled: FakeAcled, fake_time: FakeTime
) -> None:
    # The stand-in never answers the first read; the client gives up after its time-out.
    core = source_core(
        database, database_url, clock, fake_acled, fake_time, source_timeout_seconds=0.2
    )
    await core.prepare()
    ids = events(fake_acled, 3)
    await ask(core, "source add acled kind:acled")
    fake_acled.script = ["timeout"]
    said = await ask(core, "source run acled")
    assert said.startswith("Source acled: read 3, 3 added"), said
    assert fake_time.slept == [2.0]
    assert await stored(core) == ids


async def test_a_403_says_the_account_has_no_api_access(
    feeds_core: Core, fake_acled: FakeAcled, fake_time: FakeTime
) -> None:
    events(fake_acled, 1)
    await ask(feeds_core, "source add acled kind:acled")
    fake_acled.always = "403"
    said = await refused(feeds_core, "source run acled")
    assert (
        'ACLED answered 403 (forbidden) saying "Access denied: your account does not have API '
        "access.\" while reading data: the account has no access to ACLED's API; ask ACLED to "
        f"add API access to it, or set {CREDENTIALS} to an account that has it"
    ) in said
    assert "{" not in said and "'status'" not in said  # no repr of the body
    assert fake_time.slept == [] and len(fake_acled.reads()) == 1  # not retried


async def test_token_endpoint_failures(
    database, database_url: str, clock: Clock, fake_acled: FakeAcled, fake_time: FakeTime
) -> None:
    events(fake_acled, 1)
    # A blip at the login is retried as one at the data.
    fake_acled.token_script = ["503", "429"]
    core = source_core(database, database_url, clock, fake_acled, fake_time)
    await core.prepare()
    await ask(core, "source add acled kind:acled")
    said = await ask(core, "source run acled")
    assert said.startswith("Source acled: read 1, 1 added"), said
    assert fake_time.slept == [2.0, 60.0]

    # A login that stays down, or answers what is not a token, ends the run in a sentence
    # (each time a bot that has no token yet: a new core).
    for script, message in [
        (
            ["502"] * 10,
            "ACLED's login (/oauth/token) answered 502 (bad gateway) with an HTML page; tried "
            "6 times over 62 s",
        ),
        (
            ["500"],
            "ACLED's login (/oauth/token) answered 500 (internal server error) saying "
            '"Internal Server Error", where a token was expected: check acled_api_url '
            "(PAUSEWATCH_ACLED_API_URL)",
        ),
        (
            ["403"],
            'ACLED refused the account: its login answered 403 (forbidden) saying "Access '
            f'denied: your account does not have API access."; check {CREDENTIALS}',
        ),
    ]:
        fake_acled.token_script = script
        fresh = source_core(database, database_url, clock, fake_acled, FakeTime())
        said = await refused(fresh, "source run acled")
        assert f"Source acled failed: {message}\n" in said, said
        listing = await ask(fresh, "source list")
        assert message in listing
        assert "<" not in listing and "Traceback" not in listing
