"""The board in a real browser (headless Chromium): it updates after a write, without a reload."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.commands import tokens
from bot.commands.core import Core
from bot.web import board
from tests.bot.web.chromium import Page, chromium_binary
from tests.bot.web.conftest import Web

BINARY = chromium_binary()
pytestmark = pytest.mark.skipif(
    BINARY is None, reason="no Chromium binary here (apt-get install -y chromium)"
)


@pytest.fixture
async def page(tmp_path: Path) -> AsyncIterator[Page]:
    assert BINARY is not None
    opened = Page(BINARY, tmp_path / "profile")
    yield opened
    await opened.close()


async def test_the_board_updates_after_a_write_without_a_reload(
    article: Core, web: Web, page: Page, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The board asks every 5 seconds; asked every 0.2 here, it shows the write as soon.
    monkeypatch.setattr(board, "POLL_SECONDS", 0.2)
    await page.open(web.base + "/board/attacks")
    days = "document.querySelector('.days') && document.querySelector('.days').textContent"
    assert await page.wait_for(days) == "6"
    assert await page.evaluate("document.querySelector('.unit').textContent") == (
        "days since the last attack"
    )
    # A mark that a reload would wipe out.
    await page.evaluate("window.notReloaded = true; document.body.dataset.mark = 'kept'")
    secret = await tokens.create(article, "wall")
    added = await web.write(
        "POST", "/api/v1/incidents", secret, {"date": "2024-07-22", "country": "Syria"}
    )
    assert added.status == 201
    assert await page.wait_for(f"({days}) === '0' && 'updated'") == "updated"
    assert await page.evaluate("window.notReloaded === true && document.body.dataset.mark")
    headline = await page.evaluate("document.querySelector('.unit').textContent")
    assert headline == "days since the last attack: there was one on 22 Jul 2024"
    latest = await page.evaluate("document.querySelector('.latest li').textContent")
    assert latest.startswith("#5, 22 Jul 2024, Syria")
    chart = await page.evaluate("document.querySelector('figure img').getAttribute('src')")
    revision = (await web.get("/api/v1/revision")).body["revision"]
    assert chart == f"/board/attacks/chart.png?v={revision}"  # the chart drawn anew
    assert await page.wait_for("document.querySelector('figure img').complete")
    assert await page.evaluate("document.querySelector('figure img').naturalWidth") == 960
