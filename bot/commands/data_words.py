"""The words the stored data knows (series names, filter values), made again only when they change.

Plain-word commands ("since attacks in iraq") are read with these words. Every command reads
them, so they are kept: after a write only the filter values it changed are read, and the
words are made again only when a value appeared or went, or a series was added.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands.cache import RevisionCache
from bot.commands.kept import ValueKeeper
from bot.commands.plain_words import Vocabulary
from bot.settings import Settings
from storage.catalog import SeriesRef


class DataWords:
    """Keep the vocabulary of the stored series and filter values, per change of either."""

    def __init__(self) -> None:
        self._vocabulary = RevisionCache(size=1)
        self._values = ValueKeeper()

    async def of(
        self, session: AsyncSession, catalog: dict[str, SeriesRef], settings: Settings
    ) -> Vocabulary:
        """Return the words of the series in `catalog` (as just read) and of their values."""
        # Only the filter values a write changed are read; the words are made again only
        # when a value appeared or went, or a series was added.
        await self._values.bring_up(session, {ref.id: ref.revision for ref in catalog.values()})
        version = (tuple(sorted(catalog)), self._values.version)
        known = self._vocabulary.get("words", version)
        if known is None:
            names = {ref.id: name for name, ref in catalog.items()}
            owners = {
                key: tuple(sorted(names[i] for i in ids if i in names))
                for key, ids in self._values.owners().items()
            }
            known = words(settings, sorted(catalog), self._values.values(), owners)
            self._vocabulary.put("words", version, known)
        return known


def words(
    settings: Settings,
    names: list[str],
    filter_values: list[tuple[str, str]],
    owners: dict[tuple[str, str], tuple[str, ...]] | None = None,
) -> Vocabulary:
    """Make the words for series `names` (and their nouns) and for (key, label) values.

    `owners` names, per (key, value as matched), the series that hold it.
    """
    series: dict[str, str] = {}
    for name in names:
        config = settings.series_settings(name)
        for word in (name, config.noun, config.nouns, name.removesuffix("s")):
            series.setdefault(word.casefold(), name)
        for alias in config.aliases:
            for word in (alias, f"{alias}s", alias.removesuffix("s")):
                series.setdefault(word.casefold(), name)
        tail = name.rsplit("-", 1)[-1]
        for word in (tail, tail.removesuffix("s")):
            if sum(1 for n in names if n.rsplit("-", 1)[-1] == tail) == 1:
                series.setdefault(word.casefold(), name)
    values: dict[str, tuple[str, str]] = {}
    labels: dict[tuple[str, str], str] = {}
    for key, label in filter_values:
        folded = label.casefold()
        labels.setdefault((key, folded), label)
        if folded not in series:
            values.setdefault(folded, (key, label))
    entries = tuple(dict.fromkeys(filter_values))
    return Vocabulary(
        series=series,
        values=values,
        labels=labels,
        entries=entries,
        owners=owners or {},
        default_series=settings.default_series,
    )
