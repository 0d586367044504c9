"""Store what the settings name (series, subscriptions, sources) before the first command."""

from __future__ import annotations

from bot.commands.context import Context
from bot.domain.filters import Filters
from bot.settings import SettingsError
from storage import queries, subscriptions
from storage.writes import ensure_series


async def prepare(context: Context) -> None:
    """Store the configured series and subscriptions so that commands can name them, and the
    configured sources."""
    settings, now = context.settings, context.clock()
    async with context.database.write() as session:
        await ensure_series(session, settings.series, now)
        for name in settings.series:
            series = await queries.series_by_name(session, name)
            if series is not None and series.team is not None:
                raise SettingsError(
                    f"setting series: {name!r} is already the own series of the team "
                    f"{series.team}, which only that team sees; give the setting another name"
                )
        for wanted in settings.subscriptions:
            series = await queries.series_by_name(session, wanted.series)
            if series is None:
                raise SettingsError(
                    f"setting subscriptions: series {wanted.series!r} is not a series; "
                    f"the series are {', '.join(await queries.series_names(session))}"
                )
            if series.team not in (None, wanted.team):
                raise SettingsError(
                    f"setting subscriptions: series {wanted.series!r} is the own series of the "
                    f"team {series.team}; a channel of another team cannot subscribe to it"
                )
            target = subscriptions.Target(
                wanted.platform,
                wanted.channel,
                wanted.kind,
                series.id,
                Filters(**wanted.filters),
                wanted.team,
            )
            await subscriptions.subscribe(session, target, actor="settings", now=now)
    if settings.sources:
        # Sources and their importers load only where they are used (not for a question):
        # here and in the `source` command.
        from bot.commands import sources

        await sources.ensure_configured(context)
