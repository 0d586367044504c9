"""The wall board: /board and /board/SERIES, days since in huge type, updating without a reload.

One server-rendered page; every piece of data is escaped here. A small script asks for the
data's revision every few seconds and, when it changed, swaps in freshly rendered panels.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from html import escape
from importlib import resources
from urllib.parse import quote

from aiohttp import web

from bot import extras
from bot.commands import build, facts
from bot.commands.command import Command, GrammarError
from bot.commands.core import Caller, Core
from bot.domain.incidents import Incident
from bot.domain.wording import counting_text, day_text, incident_text, sentence_case
from bot.web.auth import presented, reader_of
from bot.web.errors import json_error
from bot.web.keys import CORE

routes = web.RouteTableDef()
POLL_SECONDS = 5
LATEST_SHOWN = 3
CHARTS_KEPT = 16
STYLE = (resources.files("bot.web") / "board.css").read_text(encoding="utf-8")
SCRIPT = (resources.files("bot.web") / "board.js").read_text(encoding="utf-8")
CHARTS = web.AppKey("board_charts", OrderedDict)


@dataclass(frozen=True)
class Panel:
    """What the board shows of one series, in the chat's words."""

    series: str
    description: str
    days_since: int | None
    unit: str  # what follows the number: "days since the last attack"
    pause: str  # the pause headline
    standing: tuple[str, ...]  # where the running pause stands against the record
    latest: tuple[Incident, ...]
    latest_title: str
    chart_alt: str
    map_alt: str


async def panel(core: Core, name: str, caller: Caller) -> Panel:
    """Gather one series' panel from the answers chat gives to since, pause and last, as
    `caller` reads them."""
    vocabulary = await facts.vocabulary(core, caller)
    today = core.today()

    def question(verb: str, limit: int | None = None) -> Command:
        return build.question(verb, today=today, vocabulary=vocabulary, series=name, limit=limit)

    since = await facts.ask(core, question("since"), caller=caller, platform="board")
    pause = await facts.ask(core, question("pause"), caller=caller, platform="board")
    last = await facts.ask(
        core, question("last", limit=LATEST_SHOWN), caller=caller, platform="board"
    )
    standing = since.standing
    scope = since.subject.scope
    days = standing.days_since
    headline = since.reply.headline
    unit = headline.removeprefix(f"{days:,} ") if days is not None else headline
    counting = counting_text(standing.counting, standing.record)
    config = core.settings.series_settings(name)
    return Panel(
        series=name,
        description=config.description,
        days_since=days,
        unit=unit,
        pause=pause.reply.headline if days is not None else "",
        standing=tuple(line for line in pause.reply.details if line != counting),
        latest=last.incidents,
        latest_title=f"Latest {scope.nouns}",
        chart_alt=f"{sentence_case(scope.nouns)} per week, {core.settings.chart_weeks} weeks "
        f"to {day_text(today)}, the long pauses shaded",
        map_alt=f"Where the {scope.nouns} of the {core.settings.chart_weeks} weeks to "
        f"{day_text(today)} happened, by place",
    )


def render_figures(item: Panel, revision: str, query: str) -> str:
    """Write the chart's and the map's figures (none without the charts extra: their images
    would answer 422)."""
    if not extras.installed("charts"):
        return ""
    chart = f"/board/{escape(item.series)}/chart.png?v={escape(revision)}{escape(query)}"
    drawn_map = f"/board/{escape(item.series)}/map.png?v={escape(revision)}{escape(query)}"
    return (
        f'<figure><img src="{chart}" alt="{escape(item.chart_alt)}" width="960" height="540">'
        "</figure>"
        f'<figure><img src="{drawn_map}" alt="{escape(item.map_alt)}" width="960" height="540">'
        "</figure>"
    )


def render_panel(item: Panel, revision: str, query: str) -> str:
    """Write one series' panel as HTML, every value escaped."""
    number = "—" if item.days_since is None else f"{item.days_since:,}"
    standing = "".join(f'<p class="standing">{escape(line)}</p>' for line in item.standing)
    latest = "".join(f"<li>{escape(incident_text(i))}</li>" for i in item.latest)
    return (
        f'<section class="series" data-series="{escape(item.series)}">'
        f'<header><h2>{escape(item.series)}</h2><p class="what">{escape(item.description)}</p>'
        "</header>"
        f'<p class="count"><span class="days">{escape(number)}</span> '
        f'<span class="unit">{escape(item.unit)}</span></p>'
        f'<p class="pause">{escape(item.pause)}</p>{standing}'
        '<div class="more">'
        f'<div class="latest"><h3>{escape(item.latest_title)}</h3><ul>{latest}</ul></div>'
        f"{render_figures(item, revision, query)}</div></section>"
    )


def render_panels(panels: list[Panel], revision: str, today: str, query: str) -> str:
    """Write the panels of every series shown, with the revision the script compares."""
    inner = "".join(render_panel(p, revision, query) for p in panels)
    return (
        f'<div class="panels count-{min(len(panels), 3)}" data-revision="{escape(revision)}">'
        f'{inner}</div><p class="stamp">As of {escape(today)}</p>'
    )


def render_page(panels_html: str, title: str) -> str:
    """Write the whole page: the panels, the style and the script that keeps them current."""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f'<body><main id="board" data-poll="{POLL_SECONDS}">{panels_html}</main>'
        f"<script>{SCRIPT}</script></body></html>"
    )


def _carried(request: web.Request) -> str:
    """Return what the chart's address carries on: the ?token= the board was opened with.

    An <img> sends no header, so a board opened with its token in the address passes it on;
    the middleware (bot/web/auth.py) has checked it already.
    """
    token = request.query.get("token")
    return f"&token={quote(token)}" if token else ""


def _private(request: web.Request) -> bool:
    """Say whether an answer was for a token's holder only (not to be kept by shared caches)."""
    public = request.app[CORE].settings.board_public
    return not public or presented(request, allow_query=True) is not None


async def _names(request: web.Request) -> list[str]:
    core = request.app[CORE]
    names = [s.name for s in await facts.series(core)]
    wanted = request.match_info.get("series")
    if wanted is None:
        return names
    if wanted not in names:
        raise json_error(404, f"`{wanted}` is not a series. The series are: {', '.join(names)}.")
    return [wanted]


@routes.get("/board")
@routes.get("/board/{series}")
async def board(request: web.Request) -> web.Response:
    """Show the board of every series, or of one; ?part=panels gives the panels alone, and
    ?part=revision what the script polls (the board's own, so that it needs no API token)."""
    core = request.app[CORE]
    names = await _names(request)
    revision = await facts.revision(core)
    # A token in the address must not leave with a link, and the page is always fresh.
    headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    if request.query.get("part") == "revision":
        return web.json_response({"revision": revision}, headers=headers)
    caller = reader_of(request, "board")
    panels = [await panel(core, name, caller) for name in names]
    html = render_panels(panels, revision, day_text(core.today()), _carried(request))
    if request.query.get("part") == "panels":
        return web.Response(text=html, content_type="text/html", charset="utf-8", headers=headers)
    title = "pausewatch" if len(names) != 1 else f"pausewatch: {names[0]}"
    return web.Response(
        text=render_page(html, title), content_type="text/html", charset="utf-8", headers=headers
    )


@routes.get("/board/{series}/chart.png")
async def chart(request: web.Request) -> web.Response:
    """Serve the weekly chart of a series (the digests' chart), drawn once per revision."""
    return await _image(request, "chart")


@routes.get("/board/{series}/map.png")
async def drawn_map(request: web.Request) -> web.Response:
    """Serve the map of a series (the digests' map: the chart's weeks), drawn once per revision."""
    return await _image(request, "map")


async def _image(request: web.Request, verb: str) -> web.Response:
    core = request.app[CORE]
    name = (await _names(request))[0]
    revision = await facts.revision(core)
    kept: OrderedDict[tuple[str, str], bytes] = request.app[CHARTS]
    key = (f"{verb}:{name}", revision)
    content = kept.get(key)
    if content is None:
        vocabulary = await facts.vocabulary(core, reader_of(request, "board"))
        try:
            command = build.question(verb, today=core.today(), vocabulary=vocabulary, series=name)
        except GrammarError as error:
            raise json_error(404, str(error)) from None
        content = (await facts.chart(core, command, platform="board")).content
        kept[key] = content
        while len(kept) > CHARTS_KEPT:
            kept.popitem(last=False)
    tag = f'"{revision}"'
    cache = "private" if _private(request) else "public"
    headers = {"Cache-Control": f"{cache}, max-age=60", "ETag": tag}
    if request.headers.get("If-None-Match") == tag:
        return web.Response(status=304, headers=headers)
    return web.Response(body=content, content_type="image/png", headers=headers)


def setup(app: web.Application) -> None:
    """Add the board's routes and its cache of charts and maps to the application."""
    app[CHARTS] = OrderedDict()
    app.add_routes(routes)
