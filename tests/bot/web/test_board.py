"""The board and the badge over HTTP: chat's words, every value escaped, valid SVG, caching.

The client reads with a read token (tests/bot/web/conftest.py); who may read without one is
tested in tests/bot/web/test_access.py.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

from bot.commands.core import Core
from tests.bot.commands.test_core import ADMIN, ask
from tests.bot.web.conftest import Web
from tests.conftest import make_settings

HOSTILE = '<script>alert("x")</script> & <!channel> @everyone'


class Page(HTMLParser):
    """Collect a page's elements and the text inside each class of element."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.texts: dict[str, list[str]] = {}
        self._open: list[str] = []
        self.images: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = dict(attrs)
        if tag == "img":
            self.images.append(values.get("src") or "")
        if tag not in ("img", "meta", "br"):
            self._open.append(values.get("class") or tag)

    def handle_endtag(self, tag: str) -> None:
        if self._open and tag not in ("img", "meta", "br"):
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._open and data.strip():
            self.texts.setdefault(self._open[-1], []).append(data.strip())


def read_page(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


async def test_the_board_says_what_chat_says(article: Core, web: Web) -> None:
    answer = await web.get("/board")
    assert answer.status == 200 and answer.headers["Content-Type"].startswith("text/html")
    page = read_page(answer.text)
    assert page.texts["days"] == ["6", "—"]  # attacks; us-strikes has none
    assert page.texts["unit"][0] == "days since the last attack"
    pause = await article.handle("pause", ADMIN)
    assert page.texts["pause"][0] == pause.headline
    assert page.texts["standing"][0] == pause.details[0]
    assert "79 days to go" in page.texts["standing"][0]
    assert page.texts["h3"] == ["Latest attacks", "Latest strikes"]
    assert page.tags.count("script") == 1  # the board's own, nothing else
    assert "/board/attacks/chart.png?v=" in page.images[0]
    one = read_page((await web.get("/board/attacks")).text)
    assert one.texts["days"] == ["6"]
    assert (await web.get("/board/outages")).status == 404


async def test_every_value_is_escaped(core: Core, web: Web) -> None:
    await ask(core, f'add 2024-07-16 location:"{HOSTILE}" country:"Iraq & Syria"')
    answer = await web.get("/board")
    page = read_page(answer.text)
    assert page.tags.count("script") == 1
    assert "<script>alert" not in answer.text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in answer.text
    assert any(HOSTILE in line for line in page.texts["li"])


async def test_the_panels_alone_for_the_script(article: Core, web: Web) -> None:
    revision = (await web.get("/api/v1/revision")).body["revision"]
    part = await web.get("/board?part=panels")
    assert part.text.startswith('<div class="panels count-2"')
    assert f'data-revision="{revision}"' in part.text
    assert "<script" not in part.text
    await ask(article, "add 2024-07-22")
    assert (await web.get("/api/v1/revision")).body["revision"] != revision
    assert read_page((await web.get("/board?part=panels")).text).texts["days"][0] == "0"


async def test_the_chart_is_the_digests_png_and_cached(article: Core, web: Web) -> None:
    chart = await web.get("/board/attacks/chart.png")
    assert chart.status == 200 and chart.headers["Content-Type"] == "image/png"
    content = chart.content
    assert content.startswith(b"\x89PNG\r\n\x1a\n")
    attachment = (await article.handle("chart", ADMIN)).attachments[0].content
    assert content == attachment
    tag = chart.headers["ETag"]
    again = await web.get("/board/attacks/chart.png", headers={"If-None-Match": tag})
    assert again.status == 304


async def test_the_badge_is_valid_svg_and_cacheable(
    article: Core, database_url: str, started_web: Callable[..., Any]
) -> None:
    # A badge for any page: public, and so kept by shared caches too (who may read the
    # board and the badge, and how they are cached then: tests/bot/web/test_access.py).
    article.settings = make_settings(database_url, badge_public=True)
    web = await started_web(article, reader=False)
    answer = await web.get("/badge/attacks.svg")
    assert answer.status == 200 and answer.headers["Content-Type"].startswith("image/svg+xml")
    svg = ElementTree.fromstring(answer.text)
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert texts == ["days since last attack"] * 2 + ["6"] * 2
    assert svg.get("aria-label") == "days since last attack: 6"
    assert int(svg.get("width") or 0) > 150
    assert answer.headers["Cache-Control"] == "public, max-age=300"
    tag = answer.headers["ETag"]
    assert (await web.get("/badge/attacks.svg", headers={"If-None-Match": tag})).status == 304
    await ask(article, "add 2024-07-22")
    changed = await web.get("/badge/attacks.svg", headers={"If-None-Match": tag})
    assert changed.status == 200 and changed.headers["ETag"] != tag
    assert "#c00000" in changed.text  # an incident today
    filtered = ElementTree.fromstring((await web.get("/badge/attacks.svg?country=Syria")).text)
    labels = [t.text for t in filtered.iter("{http://www.w3.org/2000/svg}text")]
    assert labels[0] == "days since last attack in Syria" and labels[2] == "92"
    assert (await web.get("/badge/outages.svg")).status == 404


async def test_the_badge_escapes_what_it_names(core: Core, web: Web) -> None:
    await ask(core, f'add 2024-07-16 country:"{HOSTILE}"')
    answer = await web.get("/badge/attacks.svg", params={"country": HOSTILE})
    svg = ElementTree.fromstring(answer.text)
    label = next(svg.iter("{http://www.w3.org/2000/svg}text")).text
    assert label == f"days since last attack in {HOSTILE}"
    empty = ElementTree.fromstring((await web.get("/badge/us-strikes.svg")).text)
    assert [t.text for t in empty.iter("{http://www.w3.org/2000/svg}text")][2] == "none yet"
