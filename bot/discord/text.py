"""Discord's text conventions: every piece of text we send escaped, channels as <#123> mentions.

Embeds render markdown and show `<@123>`, `<#123>`, `<@&123>`, `<t:…>` and custom emoji as
mentions or widgets. A reply's text mixes our words with what people typed (a location, a
source), so all of it is escaped: a backslash before each character Discord reads as markup,
which Discord hides when it draws the text. Nothing is dropped: `unescape` gives the text back.
Links are left as they are, so that they stay links. No ping can come from text anyway (every
message is sent with no allowed mentions); escaping is what keeps it from being drawn as one.
"""

from __future__ import annotations

import re

from bot.domain.replies import CHANNEL_CLOSE, CHANNEL_OPEN

# A link as Discord finds one in text; it is shown as typed, never escaped inside.
_URL = r"https?://[^\s<]+[^<.,:;\"')\]\s]"
# Markup anywhere in a line: emphasis, spoilers, code, masked links, mentions, escapes.
_INLINE = r"[\\*_~|`\[\]<@]"
# Markup only at the start of a line: quotes, headings, subtext, lists (1. and 1) too).
_LINE_START = r"(?m:^[ \t]*(?:[>#+-]|\d+[.)]))"
_ESCAPE = re.compile(f"(?P<url>{_URL})|(?P<start>{_LINE_START})|(?P<mark>{_INLINE})")
_ESCAPED = re.compile(r"\\([^0-9A-Za-z\s])")
_CHANNEL_MARK = re.compile(re.escape(CHANNEL_OPEN) + r"([0-9]{1,20})" + re.escape(CHANNEL_CLOSE))


def _escaped(match: re.Match[str]) -> str:
    if match["url"]:
        return match["url"]
    if match["start"]:
        # The mark is the last character ("1." at its dot: a backslash before a digit shows).
        start = match["start"]
        return f"{start[:-1]}\\{start[-1]}"
    return "\\" + match["mark"]


def escape(text: str, *, mentions: bool = True) -> str:
    """Escape text for an embed, then write the channels a reply names as <#123> mentions.

    With `mentions=False` (a title, where Discord draws no mentions) a channel is #123.
    """
    escaped = _ESCAPE.sub(_escaped, text)
    if mentions:
        linked = _CHANNEL_MARK.sub(lambda m: f"<#{m[1]}>", escaped)
    else:
        linked = _CHANNEL_MARK.sub(lambda m: f"\\#{m[1]}", escaped)
    # A mark that does not surround a channel id is dropped rather than shown as a box.
    return linked.replace(CHANNEL_OPEN, "").replace(CHANNEL_CLOSE, "")


def unescape(text: str) -> str:
    """Return escaped text as Discord shows it (for tests and for reading our own embeds)."""
    return _ESCAPED.sub(r"\1", text)


def size(text: str) -> int:
    """Measure text as Discord does its limits (UTF-16 units: an emoji counts two)."""
    return len(text.encode("utf-16-le")) // 2


def fit(text: str, limit: int, *, mentions: bool = True) -> str:
    """Escape text and cut it, with an ellipsis, so that the escaped form is at most `limit`."""
    escaped = escape(text, mentions=mentions)
    if size(escaped) <= limit:
        return escaped
    # Escaping lengthens text unevenly: find the longest prefix whose escaped form fits.
    low, high = 0, min(len(text), limit)
    while low < high:
        middle = (low + high + 1) // 2
        if size(escape(text[:middle], mentions=mentions)) + 1 <= limit:
            low = middle
        else:
            high = middle - 1
    return escape(text[:low], mentions=mentions) + "…"


def fenced(line: str) -> str:
    """Make a line safe inside a code block: nothing in it can close the block early.

    Discord draws no markup or mention inside a code block, so nothing else is escaped.
    """
    line = line.replace(CHANNEL_OPEN, "#").replace(CHANNEL_CLOSE, "")
    return line.replace("``", "`\u200b`").replace("``", "`\u200b`")
