"""The revision cache: answers are reused only while the series is unchanged, in any process."""

from __future__ import annotations

from bot.commands.cache import RevisionCache
from bot.commands.context import console_caller
from bot.commands.core import Core
from bot.commands.imports import import_file
from bot.settings import SAMPLE_DATA
from tests.bot.commands.test_core import add_article_attacks, ask, ranked_rows
from tests.conftest import Clock, make_settings


def test_revision_cache_forgets_old_revisions_and_old_entries() -> None:
    cache = RevisionCache(size=2)
    cache.put("a", 1, "A1")
    assert cache.get("a", 1) == "A1"
    assert cache.get("a", 2) is None
    cache.put("b", 1, "B1")
    cache.get("a", 1)  # "a" is now the most recently used
    cache.put("c", 1, "C1")
    assert (cache.get("a", 1), cache.get("b", 1), cache.get("c", 1)) == ("A1", None, "C1")


async def test_a_write_by_another_process_is_seen_at_once(
    core: Core, database, database_url: str, clock: Clock
) -> None:
    other = Core(database=database, settings=make_settings(database_url), clock=clock)
    await add_article_attacks(core)
    # The other process warms its cache...
    assert "86 days" in ranked_rows(await ask(other, "pauses as-of 2024-07-16"))[0]
    stats_before = await ask(other, "stats by:country")
    # ...then this one backfills an attack into the 86-day pause, and later deletes one.
    await ask(core, "add 2024-06-01 country:Jordan")
    rows = ranked_rows(await ask(other, "pauses as-of 2024-07-16"))
    assert "78 days" in rows[0] and not any("86 days" in row for row in rows)
    stats_after = await ask(other, "stats by:country")
    assert "Jordan" in stats_after and "Jordan" not in stats_before
    await ask(core, "delete 5")
    assert "86 days" in ranked_rows(await ask(other, "pauses as-of 2024-07-16"))[0]
    await ask(core, "edit 4 date:2024-07-20")
    assert "90 days" in ranked_rows(await ask(other, "pauses as-of 2024-07-20"))[0]


async def test_an_import_is_seen_by_a_warm_cache(core: Core, database, database_url, clock) -> None:
    other = Core(database=database, settings=make_settings(database_url), clock=clock)
    assert "No pauses yet" in await ask(other, "pauses")
    await import_file(
        core.context, SAMPLE_DATA, file_format=None, series=None, caller=console_caller()
    )
    assert "86 days" in ranked_rows(await ask(other, "pauses"))[0]
