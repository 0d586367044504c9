"""How a series counts its pauses when some days are known only to the week or month.

Questions (since, pause, pauses, chart), alerts, record notices and digests all ask here,
so that each counts a pause as the others do (bot.domain.filters.pause_filters holds the rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.filters import Filters, pause_filters
from bot.domain.wording import Scope
from bot.settings import Settings
from storage.catalog import SeriesLike
from storage.days import imprecise_incidents


@dataclass(frozen=True)
class PauseCounting:
    """The filters a series' pauses are counted with, and the imprecise incidents behind them."""

    filters: Filters
    imprecise: int  # matching incidents known only to the week or month, up to the day asked
    skipped: bool  # whether they are left out of the pauses (imprecise: skip)

    def note(self, scope: Scope, where: str = "here") -> str | None:
        """Say how the incidents known only to the week or month were counted (none: None)."""
        if not self.imprecise:
            return None
        are = "is" if self.imprecise == 1 else "are"
        known = f"{scope.counted(self.imprecise)} known only to the week or month {are}"
        if self.skipped:
            return f"{known} not counted {where} (the series skips them: imprecise: skip)."
        return (
            f"{known} counted on the day the source gives (the series counts them: "
            "imprecise: count)."
        )


async def pause_counting(
    session: AsyncSession, settings: Settings, series: SeriesLike, filters: Filters, until: date
) -> PauseCounting:
    """Return the filters the series' pauses up to `until` are counted with, by its setting.

    A series without such incidents keeps the filters as they are: the same days, read from
    the day counts rather than the incidents.
    """
    n = await imprecise_incidents(session, series.id, filters, until)
    imprecise = settings.series_settings(series.name).imprecise
    counted = pause_filters(filters, imprecise) if n else filters
    return PauseCounting(counted, n, skipped=imprecise == "skip")
