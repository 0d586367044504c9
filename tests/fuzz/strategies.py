"""Hypothesis strategies for hostile input: commands, CSV and JSON files, and what to check."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from bot.commands.core import UNAVAILABLE
from bot.commands.verbs import VERBS
from bot.domain.replies import Reply

# Deterministic in CI: the same examples every run, no example database.
FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

NASTY = [
    '"',
    "“",
    "”",
    "'",
    "’",
    "«",
    "»",
    "`",
    "&amp;",
    "&lt;",
    "<!channel>",
    "<@U123>",
    "@everyone",
    "@here",
    "🚀",
    "👩‍👩‍👧",
    "\x00",
    "\x1b[31m",
    "\u202e",
    "\u200f",
    "عربى",
    "Ürdün",
    "Ωmega",
    "²",
    "٣",
    "99999999999",
    "99999999999999999999999",
    "-1",
    "0",
    "#12",
    "2024-07-16",
    "2024-02-30",
    "9999-12-31",
    "today",
    "3 days ago",
    "as-of",
    "as",
    "of",
    "public",
    "=HYPERLINK(1)",
    "\t",
    "\n",
    "\udcff",
]
KEYS = [
    "country",
    "location",
    "actor",
    "kind",
    "quantity",
    "killed",
    "wounded",
    "date",
    "time",
    "source",
    "notes",
    "external_id",
    "series",
    "limit",
    "from",
    "to",
    "by",
    "reason",
    "contry",
    "",
]
WORDS = st.one_of(
    st.sampled_from(NASTY),
    st.sampled_from(list(VERBS)),
    st.builds(lambda k, v: f"{k}:{v}", st.sampled_from(KEYS), st.sampled_from(NASTY) | st.text()),
    st.text(max_size=12),
)


@st.composite
def commands(draw: st.DrawFn) -> str:
    """Return a command as a person or an attacker might type it: a verb and hostile words."""
    verb = draw(st.sampled_from([*VERBS, "", "how many days since"]))
    words = draw(st.lists(WORDS, max_size=8))
    glue = draw(st.sampled_from([" ", "  ", "\t", " \u00a0"]))
    return glue.join([verb, *words]) if verb else glue.join(words)


CELLS = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=20),
    st.lists(st.sampled_from(NASTY) | st.text(max_size=3), min_size=2, max_size=4).map("".join),
)
COLUMNS = [key for key in KEYS if key]
SCHEMA = [
    "series",
    "date",
    "time",
    "country",
    "location",
    "actor",
    "kind",
    "quantity",
    "killed",
    "wounded",
    "source",
    "notes",
    "external_id",
]
GOOD_DAYS = st.sampled_from(["2024-07-16", "2023-10-17", "2026-11-25"])


def mostly(good: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Return a strategy that gives a storable value seven times in eight, else hostile."""
    return st.sampled_from([False] * 7 + [True]).flatmap(lambda hostile: CELLS if hostile else good)


def seldom() -> st.SearchStrategy[bool]:
    """Return True one time in eight (hypothesis leans to the first choice, here False)."""
    return st.sampled_from([False] * 7 + [True])


def cell(column: str) -> st.SearchStrategy[str]:
    """Return a cell for a column: mostly storable, often hostile (any text in text fields)."""
    if column in ("date", "event_date"):
        return mostly(GOOD_DAYS)
    if column in ("quantity", "killed", "wounded"):
        return mostly(st.sampled_from(["", "3", "0", "2147483647"]))
    if column == "time":
        return mostly(st.sampled_from(["", "21:30"]))
    if column == "series":
        return mostly(st.sampled_from(["", "attacks", "us-strikes"]))
    return CELLS


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    """Return a CSV file: a header of schema (sometimes other) columns, rows of hostile cells."""
    header = draw(st.lists(st.sampled_from(SCHEMA[2:]), unique=True, max_size=5))
    header = header if draw(seldom()) else ["date", *header]
    if draw(seldom()):
        header.append(draw(st.sampled_from(["contry", "event_id_cnty", "event_date", ""])))
    rows = []
    for _ in range(draw(st.integers(0, 6))):
        row = [draw(cell(column)) for column in header]
        if draw(seldom()) and draw(seldom()):
            row.append(draw(CELLS))  # a row one cell too long
        quote = draw(st.booleans())
        rows.append(",".join(f'"{c.replace(chr(34), chr(34) * 2)}"' if quote else c for c in row))
    text = "\n".join([",".join(header), *rows]).encode("utf-8", "surrogateescape")
    junk = draw(st.binary(max_size=4))
    return text + junk if draw(seldom()) else text


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | CELLS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner),
    max_leaves=8,
)


@st.composite
def json_items(draw: st.DrawFn) -> dict[str, object]:
    """Return one incident object: mostly with a valid day, any other keys and values."""
    item: dict[str, object] = {}
    if not draw(seldom()):
        item["date"] = draw(cell("date"))
    for key in draw(st.lists(st.sampled_from(SCHEMA[2:]), max_size=4)):
        item[key] = draw(JSON_VALUES if draw(seldom()) else cell(key))
    if draw(seldom()):
        item[draw(st.sampled_from(KEYS))] = draw(JSON_VALUES)
    return item


@st.composite
def json_files(draw: st.DrawFn) -> bytes:
    """Return a JSON file: mostly lists of objects with schema keys and any values."""
    items = draw(st.lists(json_items(), max_size=5))
    document = draw(st.sampled_from(["list", "wrapped", "other"]))
    if document == "wrapped":
        value: object = {"incidents": items}
    elif document == "other":
        value = draw(JSON_VALUES)
    else:
        value = items
    text = json.dumps(value, ensure_ascii=draw(st.booleans()))
    return text.encode("utf-8", "surrogatepass")


def assert_clear(reply: Reply) -> None:
    """An error reply says what was wrong: never a crash, never an outage on a healthy database."""
    assert isinstance(reply, Reply)
    if reply.is_error:
        assert reply.headline.strip(), reply
        assert "Something went wrong" not in reply.headline
        assert reply.headline != UNAVAILABLE, reply
        assert "Traceback" not in reply.headline
