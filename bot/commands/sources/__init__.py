"""Sources: feeds read on a schedule, each run an all-or-nothing import with an import's alerts.

One job per module: add.py (adding, listing and removing sources, and their checks),
pipeline.py (a run: fetch, check, store all or nothing; the schedule's slots), store.py (a
run's rows stored in one transaction), review_queue.py (a reviewed source's candidates and
their messages), reports.py (what a source is and what a run did), replies.py (what chat is
told) and chat.py (`source ...` carried out). What callers use is named here.
"""

from bot.commands.sources.add import (
    add,
    check_name,
    check_source,
    ensure_configured,
    listing,
    remove,
)
from bot.commands.sources.chat import execute
from bot.commands.sources.pipeline import run, run_due, slot_of
from bot.commands.sources.reports import RunReport, SourceInfo
from bot.commands.sources.review_queue import candidate_key

__all__ = [
    "RunReport",
    "SourceInfo",
    "add",
    "candidate_key",
    "check_name",
    "check_source",
    "ensure_configured",
    "execute",
    "listing",
    "remove",
    "run",
    "run_due",
    "slot_of",
]
