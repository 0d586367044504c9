"""A database that stops answering in the middle of an operation, said as an outage.

Chat's core reads the driver's errors itself (its reply says the database is not answering),
so the source and review operations let them through; the API calls them inside `outage()`,
which turns them into Unavailable (503 there), as facts.py and tokens.py do for theirs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError

from bot.commands.context import UNAVAILABLE, Unavailable
from storage.database import is_unavailable


@contextmanager
def outage() -> Iterator[None]:
    """Raise Unavailable for a database that does not answer; any other error goes through."""
    try:
        yield
    except (DBAPIError, OSError) as error:
        if not is_unavailable(error):
            raise
        raise Unavailable(UNAVAILABLE) from None
