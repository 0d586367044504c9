"""The board in a real browser (headless Chromium): it updates after a write, without a reload."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.commands import tokens
from bot.commands.core import Core
from bot.web import board
from tests.bot.web.chromium import Page, chromium_binary
from tests.bot.web.conftest import Web
from tests.conftest import make_settings

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


@pytest.mark.parametrize("opened", ["with a read token", "public"])
async def test_the_board_updates_after_a_write_without_a_reload(
    article: Core,
    database_url: str,
    started_web: Callable[..., Any],
    page: Page,
    monkeypatch: pytest.MonkeyPatch,
    opened: str,
) -> None:
    # The board asks every 5 seconds; asked every 0.2 here, it shows the write as soon.
    monkeypatch.setattr(board, "POLL_SECONDS", 0.2)
    # The API stays closed either way: the board's script needs no API token, and passes on
    # the one the board was opened with.
    public = opened == "public"
    article.settings = make_settings(database_url, board_public=public)
    web: Web = await started_web(article)
    assert web.reader is not None
    carried = "" if public else f"&token={web.reader}"
    await page.open(web.base + "/board/attacks" + ("" if public else f"?token={web.reader}"))
    days = "document.querySelector('.days') && document.querySelector('.days').textContent"
    assert await page.wait_for(days) == "6"
    assert await page.evaluate("document.querySelector('.unit').textContent") == (
        "days since the last attack"
    )
    # A mark that a reload would wipe out.
    await page.evaluate("window.notReloaded = true; document.body.dataset.mark = 'kept'")
    secret = await tokens.create(article.context, "wall")
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
    assert chart == f"/board/attacks/chart.png?v={revision}{carried}"  # the chart drawn anew
    assert await page.wait_for("document.querySelector('figure img').complete")
    assert await page.evaluate("document.querySelector('figure img').naturalWidth") == 960
