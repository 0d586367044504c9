"""Large imports stored chunk by chunk: others' writes between chunks, and a failure taken back."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from bot.commands import facts
from bot.commands.context import console_caller
from bot.commands.core import Core
from bot.commands.grammar import parse
from bot.commands.import_store import ImportInProgress
from bot.commands.imports import ImportSummary, import_content, import_file
from bot.commands.incident_writes import IMPORTING_NOTE
from bot.commands.questions import IMPORTING_NOTE as QUESTION_NOTE
from bot.commands.render_text import render_text
from storage.import_formats import ImportFailed
from storage.import_runs import Chunking
from storage.import_tables import DONE, TAKEN_BACK, ImportChunk, ImportRun
from storage.models import AuditEntry, Incident, OutboxMessage, Series
from tests.bot.commands.test_core import ADMIN, ask
from tests.storage.test_importers import days_table_matches_incidents

COUNTRIES = ("Iraq", "Syria", "Jordan")


def rows_file(tmp_path: Path, rows: int, *, name: str = "big.csv", last_day: int = 28) -> Path:
    """Write `rows` rows over January 2024's first `last_day` days, the last on the last."""
    path = tmp_path / name
    lines = ["date,country,kind,location,external_id"]
    for n in range(rows):
        day = 1 + n * (last_day - 1) // max(rows - 1, 1)
        country = COUNTRIES[n % 3]
        lines.append(
            f"2024-01-{day:02d},{country},{'drone' if n % 2 else 'rocket'},B{n % 4},{name}-{n}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class Hold:
    """A hook between chunks that holds the import at its `at`-th call until released."""

    def __init__(self, at: int = 1) -> None:
        self.at = at
        self.calls = 0
        self.reached = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self) -> None:
        self.calls += 1
        if self.calls == self.at:
            self.reached.set()
            await self.release.wait()


async def wait_for(event: asyncio.Event) -> None:
    # A guard against a hang, not a timing: the event comes within a few chunks.
    await asyncio.wait_for(event.wait(), 60)


def importing(core: Core, path: Path, chunking: Chunking) -> asyncio.Task:
    return asyncio.create_task(
        import_file(
            core.context,
            path,
            file_format=None,
            series=None,
            caller=console_caller(),
            chunking=chunking,
        )
    )


async def sent(
    core: Core,
    content: bytes,
    request_key: str,
    between: Callable[[], Awaitable[None]] | None = None,
) -> ImportSummary:
    """Import a CSV's content as the API does, under a request key, three rows a chunk."""
    return await import_content(
        core.context,
        content,
        file_format="csv",
        series=None,
        caller=console_caller(),
        request_key=request_key,
        chunking=Chunking(from_rows=1, rows=3, between=between),
    )


async def count(core: Core, *where: object) -> int:
    async with core.database.read() as session:
        return int(await session.scalar(select(func.count(Incident.id)).where(*where)) or 0)


async def runs(core: Core) -> list[tuple[str, int]]:
    async with core.database.read() as session:
        found = await session.execute(select(ImportRun.state, ImportRun.checked_rows))
        return [tuple(row) for row in found.all()]  # type: ignore[misc]


async def revision(core: Core) -> int:
    async with core.database.read() as session:
        return int(await session.scalar(select(Series.revision).where(Series.name == "attacks")))


async def test_a_large_import_is_stored_in_chunks_counted_and_audited_once(
    core: Core, tmp_path: Path
) -> None:
    hold = Hold(at=0)  # never holds: counts the gaps between chunks
    before = await revision(core)
    result = await import_file(
        core.context,
        rows_file(tmp_path, 10),
        file_format=None,
        series=None,
        caller=console_caller(),
        chunking=Chunking(from_rows=10, rows=3, between=hold),
    )
    assert (result.read, result.added, result.skipped) == (10, 10, 0)
    assert hold.calls == 3  # four chunks
    assert await revision(core) == before + 5  # each chunk its own write, and the last
    assert await runs(core) == [(DONE, 10)]
    async with core.database.read() as session:
        assert await session.scalar(select(func.count(ImportChunk.id))) == 0
        audits = list(
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "import"))
        )
    assert [audit.changes for audit in audits] == [
        {"file": "big.csv", "read": 10, "added": 10, "skipped": 0}
    ]
    await days_table_matches_incidents(core)
    # Below the threshold, one transaction: no import is recorded.
    again = await import_file(
        core.context,
        rows_file(tmp_path, 4, name="small.csv"),
        file_format=None,
        series=None,
        caller=console_caller(),
        chunking=Chunking(from_rows=10, rows=3),
    )
    assert again.added == 4
    assert await runs(core) == [(DONE, 10)]


def test_a_chunks_rows_follow_the_pace_of_the_one_before() -> None:
    paced = Chunking(rows=2_000, hold_s=0.3, min_rows=100, max_rows=20_000)
    assert paced.next_rows(2_000, 0.6) == 1_000  # twice too long: half the rows
    assert paced.next_rows(2_000, 3.0) == 200
    assert paced.next_rows(2_000, 60.0) == 100  # never fewer than min_rows
    assert paced.next_rows(2_000, 0.2) == 3_000
    assert paced.next_rows(2_000, 0.01) == 4_000  # at most twice as many as before
    assert paced.next_rows(15_000, 0.01) == 20_000  # never more than max_rows
    assert paced.next_rows(2_000, 0.0) == 2_000  # no pace measured
    assert Chunking(rows=3).next_rows(3, 5.0) == 3  # without hold_s every chunk alike
    # Rows stored already go quickly: not a pace for new ones. Twice those it added, or as
    # many as the first chunk, whichever is more.
    assert paced.next_rows(4_000, 0.01, added=0) == 2_000
    assert paced.next_rows(4_000, 0.01, added=1_500) == 3_000
    assert paced.next_rows(4_000, 0.6, added=4_000) == 2_000  # slow: the pace decides


@pytest.mark.parametrize(
    ("hold_s", "gaps"),
    [
        (1e-9, 6),  # every chunk too long: 3 rows, then one at a time
        (1e9, 3),  # every chunk quick: 1, 2, 4 rows, then the last 2
    ],
)
async def test_a_large_import_is_cut_by_the_pace_of_its_chunks(
    core: Core, tmp_path: Path, hold_s: float, gaps: int
) -> None:
    hold = Hold(at=0)  # never holds: counts the gaps between chunks
    first = 3 if hold_s < 1 else 1
    chunking = Chunking(
        from_rows=1, rows=first, hold_s=hold_s, min_rows=1, max_rows=4, between=hold
    )
    result = await import_file(
        core.context,
        rows_file(tmp_path, 9),
        file_format=None,
        series=None,
        caller=console_caller(),
        chunking=chunking,
    )
    assert (result.read, result.added) == (9, 9)
    assert hold.calls == gaps
    assert await count(core) == 9
    await days_table_matches_incidents(core)


async def test_an_add_between_two_chunks_is_answered_before_the_import_ends(
    core: Core, tmp_path: Path
) -> None:
    hold = Hold(at=1)
    task = importing(core, rows_file(tmp_path, 9), Chunking(from_rows=1, rows=3, between=hold))
    try:
        await wait_for(hold.reached)
        reply = await core.handle("add 2024-07-16 location:Tower country:Iraq", ADMIN)
        assert reply.headline.startswith("Recorded attack #"), render_text(reply)
        assert IMPORTING_NOTE in reply.details  # its pauses count a half-stored import
        assert not task.done()
        # Questions read the chunks stored so far, and say so: in chat and in the API.
        stats = await core.handle("stats", ADMIN)
        assert "4 attacks" in render_text(stats)
        assert stats.details[-1] == QUESTION_NOTE
        for verb in ("since", "pauses", "last"):
            assert (await core.handle(verb, ADMIN)).details[-1] == QUESTION_NOTE, verb
        asked = await facts.ask(core, parse("since", core.today()), caller=ADMIN)
        assert asked.reply.details[-1] == QUESTION_NOTE
        assert await count(core, Incident.location == "Tower") == 1
    finally:
        hold.release.set()
    result = await task
    assert result.added == 9
    assert await count(core) == 10
    await days_table_matches_incidents(core)
    after = await core.handle("add 2024-07-17", ADMIN)
    assert not after.is_error and IMPORTING_NOTE not in after.details
    for verb in ("stats", "since"):
        assert QUESTION_NOTE not in (await core.handle(verb, ADMIN)).details, verb
    asked = await facts.ask(core, parse("since", core.today()), caller=ADMIN)
    assert QUESTION_NOTE not in asked.reply.details


@asynccontextmanager
async def refusing_inserts(core: Core) -> AsyncIterator[None]:
    """Make the database refuse every new incident (as a full disk or a constraint would)."""
    postgresql = not core.database.is_sqlite
    async with core.database.write() as session:
        if postgresql:
            await session.execute(
                text(
                    "CREATE FUNCTION refuse_incident() RETURNS trigger AS $$ BEGIN "
                    "RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql"
                )
            )
            await session.execute(
                text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON incidents "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_incident()"
                )
            )
        else:
            await session.execute(
                text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON incidents "
                    "BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )
    try:
        yield
    finally:
        async with core.database.write() as session:
            await session.execute(
                text("DROP TRIGGER refuse" + (" ON incidents" if postgresql else ""))
            )
            if postgresql:
                await session.execute(text("DROP FUNCTION refuse_incident()"))


async def test_a_chunk_that_fails_takes_back_the_chunks_before_it_and_only_them(
    core: Core, tmp_path: Path
) -> None:
    await ask(core, "add 2023-12-01 country:Iraq kind:drone")
    kept = await core.handle("stats", ADMIN)  # kept counts, to be refreshed by the take-back
    first_import = await count(core) + 1  # the import's first id
    hold = Hold(at=2)
    edits: list[str] = []

    async def between() -> None:
        if hold.calls == 0:  # after the first chunk: others' writes to its rows and beside
            edits.append(await ask(core, "add 2024-02-01 country:Syria kind:rocket"))
            await ask(core, f"edit {first_import} country:Jordan kind:missile")
            await ask(core, f"delete {first_import + 1} reason:test")
        await hold()

    task = importing(core, rows_file(tmp_path, 9), Chunking(from_rows=1, rows=3, between=between))
    await wait_for(hold.reached)
    assert await count(core) == 1 + 6 + 1  # two chunks and the add
    async with refusing_inserts(core):
        hold.release.set()
        with pytest.raises(DBAPIError, match="refused"):
            await task
    assert await count(core) == 2  # the first add and the one between chunks
    assert await count(core, Incident.id >= first_import, Incident.country == "Syria") == 1
    await days_table_matches_incidents(core)
    assert await runs(core) == [(TAKEN_BACK, 9)]
    async with core.database.read() as session:
        assert await session.scalar(select(func.count(ImportChunk.id))) == 0
        named = await session.execute(
            select(AuditEntry.action, AuditEntry.incident_id).where(
                AuditEntry.action.in_(("edit", "delete"))
            )
        )
        assert sorted(named.all()) == [("delete", None), ("edit", None)]
    # What a question kept before is brought up to date, as a fresh read gives it.
    fresh = Core(database=core.database, settings=core.settings, clock=core.clock)
    assert await core.handle("stats", ADMIN) == await fresh.handle("stats", ADMIN) != kept
    # The same file again is stored whole: nothing of it is left to count as stored.
    again = await import_file(
        core.context,
        rows_file(tmp_path, 9),
        file_format=None,
        series=None,
        caller=console_caller(),
        chunking=Chunking(from_rows=1, rows=3),
    )
    assert again.added == 9
    await days_table_matches_incidents(core)


async def test_a_cancelled_import_is_taken_back(core: Core, tmp_path: Path) -> None:
    hold = Hold(at=2)
    task = importing(core, rows_file(tmp_path, 9), Chunking(from_rows=1, rows=3, between=hold))
    await wait_for(hold.reached)
    assert await count(core) == 6
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await count(core) == 0
    assert await runs(core) == [(TAKEN_BACK, 9)]
    await days_table_matches_incidents(core)


@pytest.mark.parametrize(
    ("added_between", "alerted"),
    [(None, "2024-01-20"), ("2024-01-20", "2024-01-20"), ("2024-02-01", "2024-02-01")],
)
async def test_an_import_alerts_once_and_not_again_for_an_end_an_add_between_alerted(
    core: Core, tmp_path: Path, added_between: str | None, alerted: str
) -> None:
    await ask(core, "subscribe alerts")
    await ask(core, "add 2023-12-01")
    hold = Hold(at=0)

    async def between() -> None:
        if added_between is not None and hold.calls == 0:
            await ask(core, f"add {added_between}")  # ends the running pause, and alerts
        await hold()

    task = importing(
        core, rows_file(tmp_path, 9, last_day=20), Chunking(from_rows=1, rows=3, between=between)
    )
    assert (await task).added == 9
    async with core.database.read() as session:
        messages = list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert [message.key.rsplit(":", 1)[1] for message in messages] == [alerted]
    if added_between == "2024-02-01":
        # Worked out once the import was stored, not from the half stored between chunks.
        headline = messages[0].payload["reply"]["headline"]
        assert headline == "New attack on 1 Feb 2024 ends a 13-day pause"  # 20 Jan → 1 Feb


async def test_an_add_between_chunks_of_an_import_taken_back_alerts_after_the_take_back(
    core: Core, tmp_path: Path
) -> None:
    await ask(core, "subscribe alerts")
    await ask(core, "add 2023-12-01")
    hold = Hold(at=1)
    task = importing(core, rows_file(tmp_path, 9), Chunking(from_rows=1, rows=3, between=hold))
    await wait_for(hold.reached)
    await ask(core, "add 2024-02-01")
    async with core.database.read() as session:
        assert await session.scalar(select(func.count(OutboxMessage.id))) == 0  # held back
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with core.database.read() as session:
        [message] = list(await session.scalars(select(OutboxMessage)))
    headline = message.payload["reply"]["headline"]
    assert headline == "New attack on 1 Feb 2024 ends a 63-day pause"  # 1 Dec → 1 Feb


async def test_a_request_sent_again_during_a_chunked_import_is_refused_and_after_it_replayed(
    core: Core, tmp_path: Path
) -> None:
    content = rows_file(tmp_path, 9).read_bytes()

    def send(between: Callable[[], Awaitable[None]] | None = None) -> Awaitable[ImportSummary]:
        return sent(core, content, "api:import:1", between)

    refused: list[ImportInProgress] = []

    async def between() -> None:
        if not refused:
            # Sent again while the first is storing: refused, saying so (409 over HTTP).
            with pytest.raises(ImportInProgress) as raised:
                await send()
            refused.append(raised.value)

    first = await send(between)
    assert (first.added, first.first_time) == (9, True)
    assert len(refused) == 1
    again = await send()
    assert again == replace(first, first_time=False)
    assert await count(core) == 9
    await days_table_matches_incidents(core)


async def test_a_request_whose_import_was_taken_back_is_stored_when_sent_again(
    core: Core, tmp_path: Path
) -> None:
    content = rows_file(tmp_path, 9).read_bytes()
    hold = Hold(at=1)

    def send(between: Callable[[], Awaitable[None]] | None = None) -> Awaitable[ImportSummary]:
        return sent(core, content, "api:import:2", between)

    task = asyncio.ensure_future(send(hold))
    await wait_for(hold.reached)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await count(core) == 0
    again = await send()
    assert (again.added, again.first_time) == (9, True)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_sqlites_write_ahead_log_starts_over_between_chunks(
    core: Core, database_url: str, tmp_path: Path
) -> None:
    log = Path(database_url.removeprefix("sqlite+aiosqlite:///") + "-wal")
    sizes: list[int] = []

    async def between() -> None:
        sizes.append(await asyncio.to_thread(os.path.getsize, log))  # the most it ever held

    task = importing(core, rows_file(tmp_path, 12), Chunking(from_rows=1, rows=3, between=between))
    assert (await task).added == 12
    # Kept whole, each chunk's pages would be added to the log: three chunks, three times one.
    assert len(sizes) == 3
    assert sizes[-1] < 2 * sizes[0], sizes


async def test_a_key_another_request_used_is_not_taken_for_an_import_in_progress(
    core: Core, tmp_path: Path
) -> None:
    # The key of an add (a client's mistake): the import is not stored, and not said to be
    # storing either.
    await core.handle_once("add 2024-02-01", ADMIN, request_key="api:import:3")
    summary = await sent(core, rows_file(tmp_path, 9).read_bytes(), "api:import:3")
    assert (summary.added, summary.first_time) == (0, False)
    assert await count(core) == 1


async def test_an_import_into_a_series_another_import_is_storing_is_refused(
    core: Core, tmp_path: Path
) -> None:
    # Had it skipped rows as stored by the first, they would be lost if that were taken back.
    hold = Hold(at=1)
    task = importing(core, rows_file(tmp_path, 9), Chunking(from_rows=1, rows=3, between=hold))
    await wait_for(hold.reached)
    again = rows_file(tmp_path, 9, name="big.csv")  # the same rows, imported once more
    with pytest.raises(ImportFailed) as failed:
        await import_file(core.context, again, file_format=None, series=None, caller=ADMIN)
    [error] = failed.value.errors
    assert error.message == (
        "another import into attacks is still being stored, so nothing was stored; import "
        "this file again once it is done"
    )
    assert await count(core) == 3  # the first chunk alone
    hold.release.set()
    assert (await asyncio.wait_for(task, 60)).added == 9
    result = await import_file(core.context, again, file_format=None, series=None, caller=ADMIN)
    assert (result.added, result.skipped) == (0, 9)


async def test_an_add_between_chunks_of_an_import_that_adds_nothing_still_alerts(
    core: Core, tmp_path: Path
) -> None:
    await ask(core, "subscribe alerts")
    rows = rows_file(tmp_path, 9)  # 1-28 Jan 2024
    await import_file(core.context, rows, file_format=None, series=None, caller=ADMIN)
    hold = Hold(at=1)
    task = importing(core, rows, Chunking(from_rows=1, rows=3, between=hold))  # all stored
    await wait_for(hold.reached)
    await ask(core, "add 2024-03-01")  # its alert waits for the import
    hold.release.set()
    assert (await asyncio.wait_for(task, 60)).added == 0
    async with core.database.read() as session:
        [message] = list(await session.scalars(select(OutboxMessage)))
    headline = message.payload["reply"]["headline"]
    assert headline == "New attack on 1 Mar 2024 ends a 34-day pause"  # 28 Jan → 1 Mar
