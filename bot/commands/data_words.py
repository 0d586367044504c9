"""The words the stored data knows (series names, filter values), made again only when they change.

Plain-word commands ("since attacks in iraq") are read with these words. Every command reads
them, so they are kept: after a write only the filter values it changed are read, and the
words are made again only when a value appeared or went, or a series was added.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands.asking import begins_with_a_verb
from bot.commands.cache import RevisionCache
from bot.commands.command import GrammarError
from bot.commands.grammar import parse
from bot.commands.kept import ValueKeeper
from bot.commands.plain_words import Vocabulary
from bot.commands.verbs import QUERY_VERBS
from bot.settings import Settings
from storage.catalog import SeriesRef


class DataWords:
    """Keep the vocabulary of the stored series and filter values, per change of either."""

    def __init__(self) -> None:
        self._vocabulary = RevisionCache(size=2)  # the words, and the series' words alone
        self._values = ValueKeeper()

    async def of(
        self,
        session: AsyncSession,
        catalog: dict[str, SeriesRef],
        settings: Settings,
        *,
        text: str | None = None,
        today: date | None = None,
    ) -> Vocabulary:
        """Return the words of the series in `catalog` (as just read) and of their values.

        Given the `text` to be read (and its `today`), a question that reads the same without
        the data's values gets the series' words alone: a process that answers one command
        (`pausewatch ask since`) does not read and index every value the data holds.
        """
        if text is not None and today is not None:
            named = self._series_words(catalog, settings)
            if reads_without_values(text, today, named):
                return named
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

    def _series_words(self, catalog: dict[str, SeriesRef], settings: Settings) -> Vocabulary:
        names = tuple(sorted(catalog))
        known = self._vocabulary.get("series", names)
        if known is None:
            known = words(settings, list(names), [])
            self._vocabulary.put("series", names, known)
        return known


def reads_without_values(text: str, today: date, series_words: Vocabulary) -> bool:
    """Say whether a question written as a command reads the same without the data's values:
    it parses with the series' words alone and names no filter (whose label they give)."""
    if not begins_with_a_verb(text):
        return False  # words of a question, a follow-up or a pick read values
    try:
        command = parse(text, today, series_words)
    except GrammarError:
        return False  # a plain word that may be a value: read again with them
    return command.verb in QUERY_VERBS and not command.filters


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
