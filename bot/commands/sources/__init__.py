"""Sources: feeds read on a schedule, each run an all-or-nothing import with an import's alerts.

One job per module: add.py (adding, listing and removing sources, and their checks),
pipeline.py (a run: fetch, check, store all or nothing), notices.py (what a source's
channels are told when it stops working and when it works again), schedule.py (the schedule's slots
and a source's next run), tally.py (this process's runs counted for /metrics), health.py
(each source's staleness, for /metrics and /readyz), store.py (a
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
from bot.commands.sources.pipeline import run, run_due
from bot.commands.sources.reports import RunReport, SourceInfo
from bot.commands.sources.review_queue import candidate_key
from bot.commands.sources.schedule import next_run, slot_of

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
    "next_run",
    "remove",
    "run",
    "run_due",
    "slot_of",
]
