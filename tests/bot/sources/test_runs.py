"""Source runs against loopback fakes: what is stored, alerted, queued, and said in `source list`."""

from __future__ import annotations

from sqlalchemy import select

from bot.commands.core import Core
from bot.commands.render_text import render_text
from bot.domain.replies import reply_from_data
from storage.models import AuditEntry, Incident, OutboxMessage, Source
from tests.bot.commands.test_core import ADMIN, ask, refused
from tests.bot.sources.conftest import source_core
from tests.bot.sources.fake_feeds import FakeAcled, FakeSheet, acled_event
from tests.conftest import Clock

HEADER = "series,date,country,location,kind,source,external_id\n"
T0 = 1_700_000_000


async def incidents(core: Core) -> list[tuple[str | None, str, str | None, bool]]:
    async with core.database.read() as session:
        rows = await session.scalars(select(Incident).order_by(Incident.occurred_on, Incident.id))
        return [
            (r.external_id, r.occurred_on.isoformat(), r.kind, r.deleted_at is not None)
            for r in rows
        ]


async def alerts(core: Core) -> list[str]:
    async with core.database.read() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "alert").order_by(OutboxMessage.id)
        )
        return [reply_from_data(r.payload["reply"]).headline for r in rows]


async def source_row(core: Core, name: str) -> Source:
    async with core.database.read() as session:
        found = await session.scalar(select(Source).where(Source.name == name))
        assert found is not None
        return found


async def test_acled_pages_updates_and_deletions(feeds_core: Core, fake_acled: FakeAcled) -> None:
    core = feeds_core
    await ask(core, "add 2024-04-22 country:Iraq")
    await ask(core, "subscribe alerts")
    for n, day in enumerate(["2024-07-16", "2024-07-17", "2024-07-18"], start=1):
        fake_acled.put(acled_event(f"IRQ{n}", day, T0 + n))
    fake_acled.put(acled_event("SYR1", "2024-07-18", T0 + 4, country="Syria"))
    said = await ask(core, "source add acled-iraq kind:acled country:Iraq every:6h")
    assert "acled ACLED's API (country:Iraq) → attacks, every 6h, trusted" in said

    said = await ask(core, "source run acled-iraq")
    assert said.startswith("Source acled-iraq: read 3, 3 added")
    assert "1 alert queued." in said
    assert [i[0] for i in await incidents(core)] == [None, "IRQ1", "IRQ2", "IRQ3"]
    # Three events at two a page: two pages, asked with ACLED's parameters.
    first = fake_acled.reads()[:2]
    assert [(r["page"], r["limit"], r["country"], r["_format"]) for r in first] == [
        ("1", "2", "Iraq", "json"),
        ("2", "2", "Iraq", "json"),
    ]
    # An import's one alert: for its newest day, when that ends the current pause.
    assert await alerts(core) == ["New attack on 18 Jul 2024 ends a 2-day pause"]
    assert (await source_row(core, "acled-iraq")).position == {
        "timestamp": T0 + 3,
        "deleted": int(core.clock().timestamp()),
    }

    # Next run: what changed since, the last timestamp seen read again (timestamp >= it, as
    # ACLED's own client reads): an update, a deletion, and IRQ3 known already.
    fake_acled.put(acled_event("IRQ2", "2024-07-17", T0 + 10, sub_event_type="Shelling"))
    fake_acled.delete("IRQ1", int(core.clock().timestamp()) + 5)
    said = await ask(core, "source run acled-iraq")
    assert fake_acled.reads()[-1]["timestamp"] == str(T0 + 3)
    assert fake_acled.reads()[-1]["timestamp_where"] == ">="
    assert said.startswith("Source acled-iraq: read 2, 1 updated, 1 deleted, 1 already known")
    assert await incidents(core) == [
        (None, "2024-04-22", None, False),
        ("IRQ1", "2024-07-16", "Air/drone strike", True),
        ("IRQ2", "2024-07-17", "Shelling", False),
        ("IRQ3", "2024-07-18", "Air/drone strike", False),
    ]
    async with core.database.read() as session:
        actions = list(
            await session.scalars(
                select(AuditEntry.action).where(AuditEntry.actor == "source:acled-iraq")
            )
        )
    assert actions == ["import", "edit", "delete"]
    assert len(await alerts(core)) == 1  # nothing new ended a pause
    # A third run with nothing new reads only the last timestamp seen again, and stores
    # nothing: no edit, no alert.
    said = await ask(core, "source run acled-iraq")
    assert said.startswith("Source acled-iraq: read 1, 1 already known"), said
    listing = await ask(core, "source list")
    assert "ok 2026-11-25 12:00 UTC: read 1, 1 already known" in listing
    async with core.database.read() as session:
        again = list(
            await session.scalars(
                select(AuditEntry.action).where(AuditEntry.actor == "source:acled-iraq")
            )
        )
    assert again == actions and len(await alerts(core)) == 1


async def test_an_event_published_later_with_the_last_timestamp_seen_is_read(
    feeds_core: Core, fake_acled: FakeAcled
) -> None:
    # ACLED publishes in batches that share a timestamp: a run may end between two events of
    # one batch. Reading `timestamp > last` lost the second for good; `>=` reads it next run.
    core = feeds_core
    fake_acled.put(acled_event("IRQ1", "2024-07-16", T0 + 5))
    await ask(core, "source add acled kind:acled country:Iraq")
    assert (await ask(core, "source run acled")).startswith("Source acled: read 1, 1 added")
    fake_acled.put(acled_event("IRQ2", "2024-07-17", T0 + 5))  # the same batch, published late
    fake_acled.delete("IRQ1", int(core.clock().timestamp()))  # deleted in the first run's second
    said = await ask(core, "source run acled")
    assert said.startswith("Source acled: read 1, 1 added, 1 deleted"), said
    assert [(i[0], i[3]) for i in await incidents(core)] == [("IRQ1", True), ("IRQ2", False)]


async def test_acled_failures_are_said_and_keep_the_position(
    database, database_url: str, clock: Clock, fake_acled: FakeAcled
) -> None:
    core = source_core(database, database_url, clock, fake_acled, acled_password="wrong")
    await core.prepare()
    fake_acled.put(acled_event("IRQ1", "2024-07-16", T0 + 1))
    await ask(core, "source add acled kind:acled")
    said = await refused(core, "source run acled")
    # ACLED's own message is quoted (never the password sent), with what to do.
    assert (
        "ACLED refused the account: its login answered 401 (unauthorized) saying "
        '"The user credentials were incorrect."; check PAUSEWATCH_ACLED_USERNAME and '
        "PAUSEWATCH_ACLED_PASSWORD"
    ) in said
    listing = await ask(core, "source list")
    assert (
        "last run: FAILED 2026-11-25 12:00 UTC\n   last error: ACLED refused the account" in listing
    )
    assert "last success: none yet · next run: due now (within a minute)" in listing
    assert await incidents(core) == []

    good = source_core(database, database_url, clock, fake_acled)
    await ask(good, "source run acled")
    position = (await source_row(good, "acled")).position
    fake_acled.put(acled_event("IRQ2", "2024-07-17", T0 + 2))
    # Failures that last past the run's retries, and one not worth retrying.
    for failure, message in [
        (
            "429",
            'ACLED answered 429 (too many requests) saying "Too many requests" while reading '
            "data; tried 3 times over 120 s",
        ),
        (
            "500",
            'ACLED answered 500 (internal server error) saying "Internal Server Error" while '
            "reading data: ACLED's server failed",
        ),
        (
            "503",
            "ACLED answered 503 (service unavailable) with an HTML page while reading data; "
            "tried 6 times over 62 s",
        ),
    ]:
        fake_acled.always = failure
        said = await refused(good, "source run acled")
        assert message in said, said
        assert (await source_row(good, "acled")).position == position
        assert [i[0] for i in await incidents(good)] == ["IRQ1"]
        assert message in await ask(good, "source list")
    fake_acled.always = None
    # A token ACLED stops taking is renewed once, and the run goes on.
    fake_acled.script = ["401"]
    said = await ask(good, "source run acled")
    # IRQ1, the last timestamp seen, is read again with the new event, and known already.
    assert said.startswith("Source acled: read 2, 1 added, 1 already known"), said
    assert "ok 2026-11-25 12:00 UTC: read 2, 1 added" in await ask(good, "source list")


async def test_acled_needs_credentials(
    database, database_url: str, clock: Clock, fake_acled: FakeAcled
) -> None:
    core = source_core(database, database_url, clock, fake_acled, acled_username=None)
    await core.prepare()
    await ask(core, "source add acled kind:acled")
    said = await refused(core, "source run acled")
    assert "set PAUSEWATCH_ACLED_USERNAME and PAUSEWATCH_ACLED_PASSWORD" in said
    assert fake_acled.requests == []


async def test_a_sheet_with_etags(feeds_core: Core, fake_sheet: FakeSheet) -> None:
    core = feeds_core
    await ask(core, "add 2024-04-22")
    await ask(core, "subscribe alerts")
    fake_sheet.publish(HEADER + "attacks,2024-07-16,Iraq,Ain al-Assad,drone,Reuters,S1\n", '"v1"')
    await ask(core, f"source add sheet kind:csv url:{fake_sheet.url}")
    assert (await ask(core, "source run sheet")).startswith("Source sheet: read 1, 1 added")
    assert await alerts(core) == ["New attack on 16 Jul 2024 ends an 86-day pause"]
    assert "If-None-Match" not in fake_sheet.requests[0]

    # Unchanged: the server says 304, nothing is read.
    said = await ask(core, "source run sheet")
    assert said == "Source sheet: unchanged since the last run (the server said 304)"
    assert fake_sheet.requests[-1]["If-None-Match"] == '"v1"'
    assert fake_sheet.requests[-1]["If-Modified-Since"] == "Wed, 25 Nov 2026 10:00:00 GMT"

    # Changed, with a bad row: nothing of it is stored, the old ETag is kept.
    fake_sheet.publish(
        HEADER
        + "attacks,2024-07-16,Iraq,Ain al-Assad,drone,Reuters,S1\n"
        + "attacks,2024-07-20,Iraq,Erbil,drone,Reuters,S2\n"
        + "attacks,2024-13-01,Iraq,Erbil,drone,Reuters,S3\n",
        '"v2"',
    )
    said = await refused(core, "source run sheet")
    assert "Source sheet failed: nothing was stored: line 4: date '2024-13-01'" in said
    assert [i[0] for i in await incidents(core)] == [None, "S1"]
    assert (await source_row(core, "sheet")).etag == '"v1"'
    assert "FAILED" in await ask(core, "source list")

    # Fixed: the row already stored is skipped by its external id, the new one added.
    fake_sheet.publish(
        HEADER
        + "attacks,2024-07-16,Iraq,Ain al-Assad,drone,Reuters,S1\n"
        + "attacks,2024-07-20,Iraq,Erbil,drone,Reuters,S2\n",
        '"v3"',
    )
    said = await ask(core, "source run sheet")
    assert said.startswith("Source sheet: read 2, 1 added, 1 already known")
    assert [i[0] for i in await incidents(core)] == [None, "S1", "S2"]
    assert (await source_row(core, "sheet")).etag == '"v3"'
    assert await alerts(core) == [
        "New attack on 16 Jul 2024 ends an 86-day pause",
        "New attack on 20 Jul 2024 ends a 5-day pause",
    ]


async def test_sheet_errors_and_acled_export_columns(
    feeds_core: Core, fake_sheet: FakeSheet
) -> None:
    core = feeds_core
    await ask(core, f"source add sheet kind:csv url:{fake_sheet.url}")
    fake_sheet.status = 404
    said = await refused(core, "source run sheet")
    assert "answered 404 (no such file) with text/plain, where a CSV file was expected" in said
    assert "check the URL" in said and "nope" not in said  # the body ("nope") is not repeated
    fake_sheet.status = 200
    fake_sheet.publish(
        "event_id_cnty,event_date,country,location,sub_event_type,fatalities\n"
        "IRQ9,16 July 2024,Iraq,Erbil,Air/drone strike,0\n",
        '"a"',
    )
    assert (await ask(core, "source run sheet")).startswith("Source sheet: read 1, 1 added")
    assert await incidents(core) == [("IRQ9", "2024-07-16", "Air/drone strike", False)]


async def test_source_commands_are_for_admins_and_say_how(feeds_core: Core) -> None:
    core = feeds_core
    from tests.bot.commands.test_core import READER

    assert "Only admins may `source`" in await refused(core, "source list", READER)
    assert "needs kind:csv, kind:json or kind:acled" in await refused(core, "source add x")
    assert "needs the file's address: url:https://" in await refused(core, "source add x kind:csv")
    assert "'ftp://x/y' is not a web address" in await refused(
        core, "source add x kind:csv url:ftp://x/y"
    )
    assert "is not an interval" in await refused(core, "source add x kind:acled every:often")
    assert "colour is not what an ACLED source takes" in await refused(
        core, "source add x kind:acled colour:red"
    )
    assert "`nope` is not a series" in await refused(core, "source add x kind:acled series:nope")
    assert "there is no source 'x'" in await refused(core, "source run x")
    assert "Say which: `source add|list|run|remove`" in await refused(core, "source")
    await ask(core, "source add x kind:acled")
    assert "already a source 'x'" in await refused(core, "source add x kind:acled")
    assert "Source x removed" in await ask(core, "source remove x")
    assert "There are no sources" in await ask(core, "source list")
    assert render_text(await core.handle("help source", ADMIN)).startswith("help: source")


async def test_sources_from_the_settings_file(
    database, database_url: str, clock: Clock, fake_acled: FakeAcled
) -> None:
    from bot.settings import SettingsError, SourceSettings

    wanted = SourceSettings(name="acled", kind="acled", every="6h", query={"country": "Iraq"})
    core = source_core(database, database_url, clock, fake_acled, sources=[wanted])
    await core.prepare()
    await core.prepare()  # every start: stored once
    assert "• acled: acled ACLED's API (country:Iraq) → attacks, every 6h, trusted" in await ask(
        core, "source list"
    )
    bad = SourceSettings(name="sheet", kind="csv", series="nope", url="https://x.org/a.csv")
    core = source_core(database, database_url, clock, fake_acled, sources=[bad])
    import pytest

    with pytest.raises(SettingsError, match="setting sources: sheet: `nope` is not a series"):
        await core.prepare()


async def test_odd_addresses_are_refused_in_words(feeds_core: Core) -> None:
    said = await refused(feeds_core, "source add x kind:csv url:http://[::1")
    assert "is not a web address; write url:https://host/path.csv" in said


async def test_source_add_refuses_loopback_unless_the_setting_allows_it(
    database, database_url: str, clock: Clock, fake_acled: FakeAcled, fake_sheet: FakeSheet
) -> None:
    closed = source_core(database, database_url, clock, fake_acled, source_allow_hosts=[])
    await closed.prepare()
    said = await refused(closed, f"source add sheet kind:csv url:{fake_sheet.url}")
    assert "127.0.0.1 is a loopback address" in said
    assert "add it to source_allow_hosts (PAUSEWATCH_SOURCE_ALLOW_HOSTS)" in said
    said = await refused(closed, "source add meta kind:json url:http://169.254.169.254/latest/")
    assert "link-local" in said
    assert "There are no sources" in await ask(closed, "source list")
    assert fake_sheet.requests == []

    opened = source_core(database, database_url, clock, fake_acled)  # allows 127.0.0.1
    assert "Source sheet added" in await ask(
        opened, f"source add sheet kind:csv url:{fake_sheet.url}"
    )


async def test_a_run_never_repeats_what_a_page_that_is_not_a_sheet_says(
    feeds_core: Core, fake_sheet: FakeSheet
) -> None:
    core = feeds_core
    await ask(core, f"source add sheet kind:csv url:{fake_sheet.url}")
    await ask(core, f"source add feed kind:json url:{fake_sheet.url}")
    fake_sheet.publish("SECRET=hunter2\nTOKEN=abc\n", '"s"')
    for name in ("sheet", "feed"):
        said = await refused(core, f"source run {name}")
        assert "hunter2" not in said and "TOKEN" not in said, said
    listing = await ask(core, "source list")
    assert "answered 200 with text/csv, where a CSV file was expected" in listing
    assert "not a JSON file" in listing
    assert "hunter2" not in listing and "TOKEN" not in listing
