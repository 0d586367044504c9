"""The badge: /badge/SERIES.svg, shields-style ("days since last attack | 12"), cacheable.

It needs a token (?token=... in an <img>'s address) unless `badge_public` is set: see
bot/web/auth.py. A read token or a public reader gets a badge of a shared series alone (a team's
own series is not found, 404).
"""

from __future__ import annotations

import hashlib
from html import escape

from aiohttp import web

from bot.commands import build, facts
from bot.commands.command import GrammarError
from bot.domain.filters import FILTER_KEYS
from bot.web.auth import presented, reader_of
from bot.web.errors import json_error
from bot.web.keys import CORE

routes = web.RouteTableDef()
HEIGHT = 20
PADDING = 6
LABEL_COLOUR = "#555"
VALUE_COLOUR = "#1f4e79"  # the chart's bars
TODAY_COLOUR = "#c00000"  # an incident today: the record's red
# Verdana 11 px, as shields draws it: average advance widths, narrow and wide letters apart.
NARROW, WIDE = set("fijlrt.,:;'|! "), set("mwMW@%")


def text_width(text: str) -> int:
    """Estimate the width in pixels of a text in 11 px Verdana."""
    return round(
        sum(
            3.6 if c in NARROW else 10.0 if c in WIDE else 7.6 if c.isupper() else 6.8 for c in text
        )
    )


def badge_svg(label: str, value: str, colour: str) -> str:
    """Draw a two-part badge, label on grey and value on colour, as SVG text."""
    left = text_width(label) + 2 * PADDING
    right = text_width(value) + 2 * PADDING
    width = left + right
    title = escape(f"{label}: {value}")
    label_text, value_text = escape(label), escape(value)
    shadow = 'fill="#010101" fill-opacity=".3"'
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{HEIGHT}" '
        f'role="img" aria-label="{title}">'
        f"<title>{title}</title>"
        '<linearGradient id="s" x2="0" y2="100%">'
        '<stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
        '<stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{width}" height="{HEIGHT}" rx="3" fill="#fff"/></clipPath>'
        '<g clip-path="url(#r)">'
        f'<rect width="{left}" height="{HEIGHT}" fill="{LABEL_COLOUR}"/>'
        f'<rect x="{left}" width="{right}" height="{HEIGHT}" fill="{colour}"/>'
        f'<rect width="{width}" height="{HEIGHT}" fill="url(#s)"/></g>'
        '<g fill="#fff" text-anchor="middle" '
        'font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="{left / 2:g}" y="15" {shadow}>{label_text}</text>'
        f'<text x="{left / 2:g}" y="14">{label_text}</text>'
        f'<text x="{left + right / 2:g}" y="15" {shadow}>{value_text}</text>'
        f'<text x="{left + right / 2:g}" y="14">{value_text}</text>'
        "</g></svg>"
    )


@routes.get("/badge/{series}.svg")
async def badge(request: web.Request) -> web.Response:
    """Draw the days since the last incident of a series (filters as query parameters)."""
    core = request.app[CORE]
    caller = reader_of(request, "badge")
    vocabulary = await facts.vocabulary(core, caller)
    filters = {k: v for k, v in request.query.items() if k in FILTER_KEYS}
    try:
        command = build.question(
            "since",
            today=core.today(),
            vocabulary=vocabulary,
            series=request.match_info["series"],
            filters=filters,
        )
    except GrammarError as error:
        raise json_error(404, str(error)) from None
    answer = await facts.ask(core, command, caller=caller, platform="badge")
    scope = answer.subject.scope
    days = answer.standing.days_since
    label = f"days since last {scope.one}{scope.where}"
    value = "none yet" if days is None else f"{days:,}"
    svg = badge_svg(label, value, TODAY_COLOUR if days == 0 else VALUE_COLOUR)
    tag = '"' + hashlib.sha256(svg.encode()).hexdigest()[:32] + '"'
    # What a token let through is for its holder's browser only, never a shared cache.
    shared = core.settings.badge_public and presented(request, allow_query=True) is None
    headers = {
        # Short enough that a page shows a new day or a new incident within minutes; the
        # ETag lets a cache ask again for nothing.
        "Cache-Control": f"{'public' if shared else 'private'}, max-age=300",
        "ETag": tag,
    }
    if tag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        return web.Response(status=304, headers=headers)
    return web.Response(text=svg, content_type="image/svg+xml", charset="utf-8", headers=headers)
