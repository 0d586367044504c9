"""The ACLED stand-in answers as ACLED documents: its filters, its order, its fields, its totals.

The source's tests are only as strict as the stand-in they run against; these hold it to
ACLED's documented behaviour, over HTTP as the source reads it.
"""

from __future__ import annotations

from typing import Any

import aiohttp

from tests.bot.sources.fake_feeds import PASSWORD, USERNAME, FakeAcled, acled_event
from tests.bot.sources.test_runs import T0


async def read(fake: FakeAcled, **params: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session:
        form = {"grant_type": "password", "username": USERNAME, "password": PASSWORD}
        async with session.post(
            f"{fake.base}/oauth/token", data=form | {"client_id": "acled"}
        ) as r:
            token = (await r.json())["access_token"]
        async with session.get(
            f"{fake.base}/api/acled/read",
            params={"_format": "json", **params},
            headers={"Authorization": f"Bearer {token}"},
        ) as r:
            assert r.status == 200
            return await r.json()


async def ids(fake: FakeAcled, **params: str) -> list[str]:
    body = await read(fake, **params)
    assert body["success"] is True, body
    return [e["event_id_cnty"] for e in body["data"]]


def some(fake: FakeAcled) -> None:
    fake.put(acled_event("IRQ1", "2024-07-01", T0 + 1))
    fake.put(acled_event("SYR1", "2024-07-02", T0 + 2, country="Syria", actor1="Israel"))
    fake.put(acled_event("YEM1", "2024-07-03", T0 + 3, country="Yemen", event_type="Battles"))
    fake.put(acled_event("IRQ2", "2024-07-03", T0 + 4, sub_event_type="Shelling"))


async def test_latest_event_date_first_and_an_update_moves_its_event(
    fake_acled: FakeAcled,
) -> None:
    some(fake_acled)
    assert await ids(fake_acled) == ["IRQ2", "YEM1", "SYR1", "IRQ1"]
    fake_acled.put(acled_event("YEM1", "2024-07-03", T0 + 9, country="Yemen"))
    assert await ids(fake_acled) == ["YEM1", "IRQ2", "SYR1", "IRQ1"]


async def test_count_and_total_count_only_when_asked(fake_acled: FakeAcled) -> None:
    some(fake_acled)
    body = await read(fake_acled, limit="1")
    assert "count" not in body and "total_count" not in body
    body = await read(fake_acled, limit="1", page="2", with_total="true")
    assert (body["count"], body["total_count"]) == (1, 4)
    assert [e["event_id_cnty"] for e in body["data"]] == ["YEM1"]


async def test_every_filter_the_source_sends(fake_acled: FakeAcled) -> None:
    some(fake_acled)
    assert await ids(fake_acled, country="Iraq") == ["IRQ2", "IRQ1"]
    assert await ids(fake_acled, country="Syria|Yemen") == ["YEM1", "SYR1"]
    assert await ids(fake_acled, iso="368") == ["IRQ2", "IRQ1"]
    assert await ids(fake_acled, event_type="Battles") == ["YEM1"]
    assert await ids(fake_acled, sub_event_type="Shelling") == ["IRQ2"]
    assert await ids(fake_acled, actor1="Israel") == ["SYR1"]
    assert await ids(fake_acled, actor1="israel") == []  # = is exact
    assert await ids(fake_acled, actor1="%RESISTANCE%", actor1_where="LIKE") == [
        "IRQ2",
        "YEM1",
        "IRQ1",
    ]
    assert await ids(
        fake_acled, event_date="2024-07-02|2024-07-03", event_date_where="BETWEEN"
    ) == ["IRQ2", "YEM1", "SYR1"]
    assert await ids(fake_acled, event_date="2024-07-02", event_date_where=">=") == [
        "IRQ2",
        "YEM1",
        "SYR1",
    ]
    assert await ids(fake_acled, timestamp=str(T0 + 3), timestamp_where=">=") == [
        "IRQ2",
        "YEM1",
    ]
    assert await ids(fake_acled, timestamp=str(T0 + 3), timestamp_where=">") == ["IRQ2"]
    assert await ids(fake_acled, country="Iraq", timestamp=str(T0 + 4)) == ["IRQ2"]


async def test_fields_restrict_the_columns_and_unknown_filters_are_refused(
    fake_acled: FakeAcled,
) -> None:
    some(fake_acled)
    body = await read(fake_acled, fields="event_id_cnty|timestamp", country="Syria")
    assert body["data"] == [{"event_id_cnty": "SYR1", "timestamp": str(T0 + 2)}]
    body = await read(fake_acled, contry="Iraq")
    assert body["success"] is False and body["message"] == "Unknown field: contry"
    body = await read(fake_acled, country="Iraq", country_where="SOUNDS LIKE")
    assert body["success"] is False


async def test_a_change_after_a_read_shows_in_the_next(fake_acled: FakeAcled) -> None:
    some(fake_acled)
    fake_acled.after_read = {1: lambda: fake_acled.delete("IRQ2", T0 + 9)}
    assert await ids(fake_acled, limit="2") == ["IRQ2", "YEM1"]
    assert await ids(fake_acled, limit="2", page="2") == ["IRQ1"]
    assert fake_acled.deleted == [{"event_id_cnty": "IRQ2", "deleted_timestamp": str(T0 + 9)}]
