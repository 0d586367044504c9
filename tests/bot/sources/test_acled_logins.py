"""ACLED's token is refreshed when it runs out, and the deletions endpoint's failures are said.

The token's lifetime is read on the run's injected clock (a FakeTime), so a test moves time
instead of waiting for it.
"""

from __future__ import annotations

from bot.commands.core import Core
from tests.bot.commands.test_core import ask, refused
from tests.bot.sources.conftest import source_core
from tests.bot.sources.fake_feeds import FakeAcled, FakeTime, acled_event
from tests.bot.sources.test_runs import T0, incidents, source_row
from tests.conftest import Clock

NO_ACCESS = (
    'ACLED answered 403 (forbidden) saying "Access denied: your account does not have API '
    "access.\" while reading deletions: the account has no access to ACLED's API"
)


def refreshes(fake: FakeAcled) -> list[str]:
    return [p["refresh_token"] for path, p in fake.requests if p.get("refresh_token")]


async def test_a_token_that_runs_out_is_refreshed_with_the_refresh_token(
    database, database_url: str, clock: Clock, fake_acled: FakeAcled, fake_time: FakeTime
) -> None:
    fake_acled.expires_in = 3600
    core = source_core(database, database_url, clock, fake_acled, fake_time)
    await core.prepare()
    fake_acled.put(acled_event("IRQ1", "2024-07-01", T0 + 1))
    await ask(core, "source add acled kind:acled")
    assert (await ask(core, "source run acled")).startswith("Source acled: read 1, 1 added")
    assert fake_acled.logins() == ["password"]

    # Within the hour (and more than a minute before its end): the same token.
    fake_time.elapsed += 3000
    await ask(core, "source run acled")
    assert fake_acled.logins() == ["password"]

    # Less than a minute left: renewed with the refresh token ACLED gave, not the password.
    fake_time.elapsed += 541
    fake_acled.put(acled_event("IRQ2", "2024-07-02", T0 + 2))
    said = await ask(core, "source run acled")
    assert said.startswith("Source acled: read 2, 1 added, 1 already known"), said
    assert fake_acled.logins() == ["password", "refresh_token"]
    assert refreshes(fake_acled) == ["refresh-1"]
    login = [p for path, p in fake_acled.requests if path == "/oauth/token"][-1]
    assert "password" not in login and login["client_id"] == "acled"

    # The next renewal uses the new refresh token; one ACLED no longer takes means a login
    # with the password, and the run goes on.
    fake_time.elapsed += 3600
    await ask(core, "source run acled")
    assert refreshes(fake_acled) == ["refresh-1", "refresh-2"]
    fake_acled.forget_refresh_tokens()
    fake_time.elapsed += 3600
    said = await ask(core, "source run acled")
    assert said.startswith("Source acled: read 1, 1 already known"), said
    assert fake_acled.logins() == [
        "password",
        "refresh_token",
        "refresh_token",
        "refresh_token",
        "password",
    ]
    assert "last error" not in await ask(core, "source list")


async def deleting_core(
    database, database_url: str, clock: Clock, fake: FakeAcled, time: FakeTime
) -> Core:
    """A core whose source has run once and whose IRQ1 ACLED has since deleted; a request
    times out after 0.2 s (as in test_acled_retries.py), so a "timeout" waits no longer."""
    core = source_core(database, database_url, clock, fake, time, source_timeout_seconds=0.2)
    await core.prepare()
    fake.put(acled_event("IRQ1", "2024-07-01", T0 + 1))
    fake.put(acled_event("IRQ2", "2024-07-02", T0 + 2))
    await ask(core, "source add acled kind:acled")
    assert (await ask(core, "source run acled")).startswith("Source acled: read 2, 2 added")
    fake.delete("IRQ1", int(clock().timestamp()) + 1)
    fake.put(acled_event("IRQ3", "2024-07-03", T0 + 3))
    return core


async def test_a_blip_at_the_deletions_endpoint_is_retried(
    database, database_url: str, clock: Clock, fake_acled: FakeAcled, fake_time: FakeTime
) -> None:
    core = await deleting_core(database, database_url, clock, fake_acled, fake_time)
    fake_acled.deleted_script = ["502", "timeout"]
    said = await ask(core, "source run acled")
    assert said.startswith("Source acled: read 2, 1 added, 1 deleted, 1 already known"), said
    assert fake_time.slept == [2.0, 4.0]
    assert [(i[0], i[3]) for i in await incidents(core)] == [
        ("IRQ1", True),
        ("IRQ2", False),
        ("IRQ3", False),
    ]


async def test_deletions_endpoint_failures_are_said_and_store_nothing(
    database, database_url: str, clock: Clock, fake_acled: FakeAcled, fake_time: FakeTime
) -> None:
    core = await deleting_core(database, database_url, clock, fake_acled, fake_time)
    position = (await source_row(core, "acled")).position
    for script, message in [
        (["403"], NO_ACCESS),
        (
            ["504"] * 10,
            "ACLED answered 504 (gateway timeout) with an HTML page while reading deletions; "
            "tried 6 times over 62 s",
        ),
    ]:
        fake_acled.deleted_script = script
        said = await refused(core, "source run acled")
        assert f"Source acled failed: {message}" in said, said
        assert "<" not in said and "nginx" not in said and "{" not in said
        # All or nothing: IRQ3, read before the deletions failed, is not stored either.
        assert [(i[0], i[3]) for i in await incidents(core)] == [
            ("IRQ1", False),
            ("IRQ2", False),
        ]
        assert (await source_row(core, "acled")).position == position
        assert message in await ask(core, "source list")
    fake_acled.deleted_script = []
    said = await ask(core, "source run acled")
    assert said.startswith("Source acled: read 2, 1 added, 1 deleted, 1 already known"), said
