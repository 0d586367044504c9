"""Slack's text conventions: command text read back as typed, and our text escaped for mrkdwn.

Slack sends `&`, `<` and `>` in a slash command as `&amp;`, `&lt;`, `&gt;`, and may wrap links,
mentions and channels in angle brackets (`<https://x|x>`, `<@U123|name>`, `<#C123|name>`).
Going out, the same three characters are markup, so every piece of text we send is escaped:
a stored `Camp <!here>` is shown as written and notifies nobody.
"""

from __future__ import annotations

import re

from bot.domain.replies import CHANNEL_CLOSE, CHANNEL_OPEN

_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
# Slack's own forms in command text: <target> or <target|label>. Our text never holds a
# raw < or > there (Slack sends those as entities), so every bracket pair is one of these.
_SLACK_FORM = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
_SPECIAL_MENTIONS = {"here": "@here", "channel": "@channel", "everyone": "@everyone"}
# A channel id between the marks (Slack's are C0123ABC; nothing that could end the link).
_CHANNEL_MARK = re.compile(
    re.escape(CHANNEL_OPEN) + r"([A-Za-z0-9_-]{1,80})" + re.escape(CHANNEL_CLOSE)
)
# A command naming its team's admins, and a user as Slack writes one there: <@U0123|name>.
_TEAM_ADMIN = re.compile(r"\s*team\s+admin\b", re.IGNORECASE)
_USER_ID = re.compile(r"^@[UW][A-Z0-9]{2,30}$")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def _id_of_a_user(match: re.Match[str]) -> str:
    if _USER_ID.match(match[1]):
        return f"<{match[1]}>"
    return _readable(match)


def _readable(match: re.Match[str]) -> str:
    target, label = match[1], match[2] or ""
    if target.startswith("@"):  # a user: <@U123|name>
        return "@" + (label or target[1:])
    if target.startswith("#"):  # a channel: <#C123|general>
        return "#" + (label or target[1:])
    if target.startswith("!"):  # <!here>, <!subteam^S1|@team>, <!date^...|fallback>
        name = target[1:].split("^", 1)[0]
        if name in _SPECIAL_MENTIONS:
            return _SPECIAL_MENTIONS[name]
        return label or "@" + target[1:].split("^")[-1]
    if target.startswith("mailto:"):
        return label or target.removeprefix("mailto:")
    # A link. Slack links what looks like an address (`example.org` becomes
    # <http://example.org|example.org>): then the label is what was typed. Otherwise the
    # URL is the value, whatever text it was shown with.
    if label and target.split("://", 1)[-1] == label:
        return label
    return target


def unescape_command(text: str) -> str:
    """Return slash-command text as the person typed it: links as URLs, mentions as words.

    In `team admin add|remove`, a user's mention is the user it names: it is kept as Slack's
    `<@U0123>`, which the team verb reads as that member's id.
    """
    readable = _id_of_a_user if _TEAM_ADMIN.match(text) else _readable
    text = _SLACK_FORM.sub(readable, text)
    # One pass, so that a typed `&amp;` (sent as `&amp;amp;`) stays `&amp;`.
    return _ENTITY.sub(lambda m: _ENTITIES[m[1]], text)


def escape(text: str) -> str:
    """Escape text for Slack, then write the channels a reply names as <#C123> links.

    After escaping, the only `<` in the result are the channel links made here on purpose.
    """
    escaped = text.translate(_ESCAPES)
    linked = _CHANNEL_MARK.sub(lambda m: f"<#{m[1]}>", escaped)
    # A mark that does not surround a channel id is dropped rather than shown as a box.
    return linked.replace(CHANNEL_OPEN, "").replace(CHANNEL_CLOSE, "")


def fit(text: str, limit: int) -> str:
    """Escape text and cut it, with an ellipsis, so that the escaped form is at most `limit`."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    # Escaping lengthens text unevenly (& becomes five characters): find the longest
    # prefix whose escaped form fits, never cutting an entity in two.
    low, high = 0, min(len(text), limit)
    while low < high:
        middle = (low + high + 1) // 2
        if len(escape(text[:middle])) + 1 <= limit:
            low = middle
        else:
            high = middle - 1
    return escape(text[:low]) + "…"
