"""Queueing: each message once per key, however many a write queues at once."""

from __future__ import annotations

import pytest

from storage import outbox
from storage.database import Database
from tests.conftest import NOW


def message(key: str, channel: str = "C1", held: bool = False) -> outbox.Queued:
    return outbox.Queued(key, "slack", channel, "alert", {"reply": {"headline": key}}, None, held)


async def test_messages_are_queued_once_per_key_and_the_new_ones_counted(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox, "ENQUEUED_PER_STATEMENT", 2)  # three statements for five
    async with database.write() as session:
        first = [message(f"alert:{n}", f"C{n}", held=n == 3) for n in range(5)]
        assert await outbox.enqueue_all(session, first, NOW) == 5
    async with database.write() as session:
        again = [message("alert:1"), message("alert:5"), message("alert:4"), message("alert:6")]
        assert await outbox.enqueue_all(session, again, NOW) == 2
        assert await outbox.enqueue_all(session, [], NOW) == 0
    async with database.read() as session:
        queued = {m.key: m for m in await outbox.unsent(session)}
    assert sorted(queued) == [f"alert:{n}" for n in range(7)]
    # What was queued first stays as it was: a second cause of the same key changes nothing.
    assert queued["alert:1"].channel == "C1" and queued["alert:4"].channel == "C4"
    assert queued["alert:3"].status == outbox.HELD and queued["alert:2"].status == outbox.PENDING
    assert queued["alert:5"].payload == {"reply": {"headline": "alert:5"}}
