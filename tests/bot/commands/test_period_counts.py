"""stats and list over a period, on both databases, against a count of generated incidents."""

from __future__ import annotations

import random
import re
from datetime import date, timedelta

import pytest

from bot.commands.core import Core
from tests.bot.commands.test_core import ADMIN, ask, refused

# The test clock's day is 2026-11-25 (a Wednesday): each period's days, written out.
PERIODS = {
    "in March": (date(2026, 3, 1), date(2026, 3, 31)),
    "March 2025": (date(2025, 3, 1), date(2025, 3, 31)),
    "2025": (date(2025, 1, 1), date(2025, 12, 31)),
    "in 2026": (date(2026, 1, 1), date(2026, 11, 25)),
    "this month": (date(2026, 11, 1), date(2026, 11, 25)),
    "last month": (date(2026, 10, 1), date(2026, 10, 31)),
    "this week": (date(2026, 11, 23), date(2026, 11, 25)),
    "last week": (date(2026, 11, 16), date(2026, 11, 22)),
    "last year": (date(2025, 1, 1), date(2025, 12, 31)),
    "since 2026-11-01": (date(2026, 11, 1), date(2026, 11, 25)),
    "between 2025-12-20 and 2026-01-10": (date(2025, 12, 20), date(2026, 1, 10)),
    "from 20 Dec 2025 to 10 Jan 2026": (date(2025, 12, 20), date(2026, 1, 10)),
    "in the last 45 days": (date(2026, 10, 12), date(2026, 11, 25)),
}
KINDS = ("drone", "rocket")


def generated(seed: int) -> list[tuple[date, str]]:
    """Incidents over two years, several on some days, the last on the clock's day."""
    rng = random.Random(seed)
    start = date(2024, 12, 1)
    found = [(start + timedelta(days=rng.randrange(725)), rng.choice(KINDS)) for _ in range(45)]
    found += [(date(2026, 11, 25), "drone"), (date(2026, 11, 23), "rocket")] * 2
    return found


def counted(text: str) -> int:
    match = re.match(r"(\d[\d,]*|No) ", text)
    assert match, text
    return 0 if match.group(1) == "No" else int(match.group(1).replace(",", ""))


@pytest.mark.parametrize("seed", [1, 2])
async def test_counts_over_periods(core: Core, seed: int) -> None:
    incidents = generated(seed)
    for day, kind in incidents:
        await ask(core, f"add {day.isoformat()} kind:{kind}")
    for text, (first, last) in PERIODS.items():
        for filters, keep in (("", KINDS), (" kind:drone", ("drone",))):
            expected = sum(1 for d, k in incidents if first <= d <= last and k in keep)
            stats = await ask(core, f"stats {text}{filters}")
            assert counted(stats) == expected, (text, filters, stats)
            shown = await ask(core, f"list {text}{filters} limit:500")
            assert counted(shown) == expected, (text, filters, shown)


async def test_a_period_as_of_a_past_day(core: Core) -> None:
    for day in ("2025-03-04", "2025-03-31", "2026-03-02", "2026-02-10"):
        await ask(core, f"add {day}")
    reply = await ask(core, "stats in March as-of 2026-02-10")
    assert reply.startswith("2 attacks in March 2025 (1–31 Mar 2025)")


async def test_how_a_period_is_answered(core: Core) -> None:
    for day in ("2024-03-04", "2024-03-31", "2024-04-02"):
        await ask(core, f"add {day}")
    stats = await ask(core, "stats in March 2024")
    assert stats.splitlines()[0] == "2 attacks in March 2024 (1–31 Mar 2024)"
    assert "On 2 days of 31 days." in stats
    assert "Tracking began" not in stats
    before = await ask(core, "stats 2023")
    assert "Tracking began on 17 Oct 2023: the days before may lack incidents." in before
    shown = await ask(core, "list March 2024")
    assert shown.splitlines()[0].startswith("2 attacks in March 2024 (1–31 Mar 2024)")
    shown = await ask(core, "list between 2024-03-01 and 2024-04-30")
    same = await ask(core, "list from:2024-03-01 to:2024-04-30")
    assert shown == same


async def test_wrong_periods_are_refused_with_one_message(core: Core) -> None:
    future = await refused(core, "stats in 2027")
    assert "2027 begins on 2027-01-01, in the future (today is 2026-11-25)" in future
    backwards = await refused(core, "list between 2026-03-05 and 2026-03-01", ADMIN)
    assert "write the earlier day first: between 2026-03-01 and 2026-03-05" in backwards
    assert "months go from 01 to 12" in await refused(core, "stats 2026-13")
    assert "Give the days once" in await refused(core, "list March from:2026-03-01")
    assert "Give one period" in await refused(core, "stats March 2025 last week")
