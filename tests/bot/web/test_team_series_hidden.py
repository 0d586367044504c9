"""A team's own series over HTTP: read tokens and public readers find it nowhere, write tokens do.

A team's own series (`team series add`) is that team's to see: a read token or a public reader
of the API, the board and the badge is a caller with no team who is no admin, so each of its
questions, its incidents by id, its badge and its board answer 404, as for a name or an id that
does not exist. A token that writes speaks for the install (the README's Teams) and reads it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.commands import facts, tokens
from bot.commands.core import Caller, Core
from tests.bot.web.conftest import Web
from tests.conftest import make_settings

B = "discord:200"
QUESTIONS = ("since", "pause", "pauses", "incidents", "stats")
MISSING_ID = 999_999


async def team_series(core: Core) -> tuple[int, int]:
    """Make team B's own `outages` with one incident, and one shared attack; return their ids."""
    b_admin = Caller(user="admin-b", is_admin=True, platform="discord", channel="C-b", team=B)
    made = await core.handle("team series add outages", b_admin)
    assert not made.is_error, made.headline
    outage = await core.handle("add 2026-03-01 outages location:Erbil", b_admin)
    attack = await core.handle("add 2026-03-02 attacks country:Iraq", Caller("ops", is_admin=True))
    assert outage.incident_id is not None and attack.incident_id is not None
    return outage.incident_id, attack.incident_id


def paths(outage: int) -> list[str]:
    """Every read that names the team's series or its incident."""
    return [
        *(f"/api/v1/series/outages/{question}" for question in QUESTIONS),
        "/api/v1/series/outages/incidents?from=2026-01-01",
        f"/api/v1/incidents/{outage}",
        "/badge/outages.svg",
        "/board/outages",
        "/board/outages/chart.png",
    ]


async def hidden_from(web: Web, outage: int, attack: int, **options: Any) -> None:
    """Check that a reader finds the team's series and incident nowhere, and the shared ones."""
    missing = await web.get(f"/api/v1/incidents/{MISSING_ID}", **options)
    for path in paths(outage):
        answer = await web.get(path, **options)
        assert answer.status == 404, (path, answer.status, answer.text[:200])
        # Not named back among the series, nor its values suggested.
        assert "Erbil" not in answer.text and "outages," not in answer.text, path
    by_id = await web.get(f"/api/v1/incidents/{outage}", **options)
    assert by_id.body["error"] == missing.body["error"].replace(str(MISSING_ID), str(outage))
    listed = await web.get("/api/v1/series", **options)
    assert all(s["name"] != "outages" for s in listed.body["series"])
    board = await web.get("/board", **options)
    assert board.status == 200 and "outages" not in board.text and "Erbil" not in board.text
    # The shared series still reads.
    for path in ("/api/v1/series/attacks/since", f"/api/v1/incidents/{attack}"):
        assert (await web.get(path, **options)).status == 200, path
    assert (await web.get("/badge/attacks.svg", **options)).status == 200


async def test_a_read_token_finds_a_teams_own_series_nowhere(core: Core, web: Web) -> None:
    outage, attack = await team_series(core)
    await hidden_from(web, outage, attack)


async def test_a_public_reader_finds_a_teams_own_series_nowhere(
    core: Core, database_url: str, started_web: Callable[..., Any]
) -> None:
    outage, attack = await team_series(core)
    core.settings = make_settings(
        database_url, api_public=True, board_public=True, badge_public=True
    )
    web = await started_web(core, reader=False)
    await hidden_from(web, outage, attack, anonymous=True)


@pytest.mark.parametrize("scope", [tokens.WRITE, tokens.ADMIN])
async def test_a_token_that_writes_reads_a_teams_own_series(
    core: Core, web: Web, scope: str
) -> None:
    outage, _ = await team_series(core)
    secret = await tokens.create(core.context, "desk", scope=scope)
    bearer = {"headers": {"Authorization": f"Bearer {secret}"}}
    for question in QUESTIONS:
        answer = await web.get(f"/api/v1/series/outages/{question}", **bearer)
        assert answer.status == 200, (question, answer.text[:200])
    listed = await web.get("/api/v1/series/outages/incidents", **bearer)
    assert [i["id"] for i in listed.body["incidents"]] == [outage]
    by_id = await web.get(f"/api/v1/incidents/{outage}", **bearer)
    assert by_id.status == 200 and by_id.body["incident"]["series"] == "outages"
    assert (await web.get("/badge/outages.svg", **bearer)).status == 200
    # It writes the team's series as the install's operators do, and reads the write back.
    edited = await web.write("PATCH", f"/api/v1/incidents/{outage}", secret, {"killed": 2})
    assert edited.status == 200 and edited.body["incident"]["series"] == "outages"
    # The board and the series listed stay the shared series alone, whoever reads.
    assert (await web.get("/board/outages", **bearer)).status == 404
    listed_series = await web.get("/api/v1/series", **bearer)
    assert all(s["name"] != "outages" for s in listed_series.body["series"])


async def test_an_incident_by_id_is_seen_by_its_team_and_the_install_alone(core: Core) -> None:
    outage, attack = await team_series(core)
    b_reader = Caller(user="b", is_admin=False, platform="discord", channel="C-b", team=B)
    other = Caller(user="a", is_admin=True, platform="slack", channel="C-a", team="slack:TA")
    install = Caller(user="token:desk", is_admin=True, platform="api", channel="api")
    nobody = Caller(user="token:wall", is_admin=False, platform="api", channel="api")
    for caller in (b_reader, install):
        found = await facts.incident(core, outage, caller)
        assert found is not None and found.series == "outages"
    for caller in (other, nobody):
        assert await facts.incident(core, outage, caller) is None
        shared = await facts.incident(core, attack, caller)
        assert shared is not None and shared.series == "attacks"
