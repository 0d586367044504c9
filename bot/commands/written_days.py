"""A series' incident days as the write under way leaves them, for the alerts an add queues.

An alert works out the pause the add ended from every day of the series: 29 years of days
at a million incidents. The add has just read the days as they stood before it, under its
lock (bot.commands.kept); the day counts it stamped bring them up in one small read. What is
brought up is kept nowhere: the write may yet roll back, and another write could then commit
the same revision with other days.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands.kept import CHANGES_READ, DayKeeper, KeptDays, brought_up
from bot.domain.filters import Filters
from bot.notify.alerts import CountedDays
from storage.catalog import SeriesLike, SeriesRef
from storage.days import DayChange, day_changes

# The revision of days brought up inside a write: none, as they are never kept.
UNKEPT = -1


class WrittenDays:
    """Read a series' days with some filters as the write under way leaves them.

    Days kept before the write (`before`, or in the keeper at the revision it locked) are
    brought up by the rows it stamped, read once for every filters. Others are not read here
    (None): the alert first asks whether the write ended their pause at all.
    """

    def __init__(
        self, keeper: DayKeeper, series: SeriesLike, before: Mapping[Filters, KeptDays]
    ) -> None:
        self.keeper = keeper
        self.series = series  # as read under the write's lock, before it wrote
        self.before = dict(before)
        self._changes: list[DayChange] | None = None
        self._changes_read = False

    async def __call__(self, session: AsyncSession, filters: Filters) -> CountedDays | None:
        """Return the incident days with `filters` and their incidents (None: not kept
        before the write, or it changed too many rows to bring them up)."""
        kept = self.before.get(filters) or self.keeper.kept_at(self.series, filters)
        if kept is not None and kept.revision == self.series.revision:
            if not self._changes_read:
                self._changes = await day_changes(
                    session, self.series.id, self.series.revision, CHANGES_READ
                )
                self._changes_read = True
            if self._changes is not None:
                unkept = SeriesRef(self.series.id, self.series.name, UNKEPT)
                fresh = await brought_up(session, unkept, filters, kept, self._changes)
                return CountedDays(fresh.ordinals, fresh.counts)
        return None
