"""The command core: one grammar for every platform; runs a command against storage, replies.

Adapters hand it text or a typed Command and get a Reply back: they never see a database
session or a row. Every write runs in one transaction that also queues the alerts it causes
and, when the platform gave the request a key, records that key, so that a replayed request
changes nothing.
"""

from __future__ import annotations

import logging
from bisect import bisect_left
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands import reviews
from bot.commands.cache import RevisionCache
from bot.commands.context import UNAVAILABLE, Caller, Context
from bot.commands.fetching import Fetcher
from bot.commands.grammar import (
    ADMIN_VERBS,
    OPERATE_VERBS,
    SUBSCRIBE_VERBS,
    WRITE_VERBS,
    Command,
    CommandError,
    GrammarError,
    Vocabulary,
    parse,
    usage,
)
from bot.commands.kept import ValueKeeper
from bot.commands.metrics import Metrics, Recorder
from bot.commands.questions import Questions
from bot.commands.replies import admin_refusal, help_reply, subscription_reply, subscriptions_reply
from bot.domain.clock import Clock, utc_now
from bot.domain.fields import FieldError
from bot.domain.filters import Filters
from bot.domain.replies import Reply, Subject, reply_data, reply_from_data
from bot.domain.standing import Timeline
from bot.domain.wording import Scope, changes_text, day_text, effect_text, incident_text
from bot.notify import alerts
from bot.settings import Settings, SettingsError
from storage import outbox, queries, seen, subscriptions
from storage.database import Database, is_unavailable
from storage.models import Series
from storage.writes import WriteError, delete_incident, edit_incident, ensure_series

log = logging.getLogger(__name__)
# Commands that write (or run a source): each opens its own transaction.
CHANGING_VERBS = frozenset((*WRITE_VERBS, *SUBSCRIBE_VERBS, *OPERATE_VERBS))


@dataclass(frozen=True)
class Outcome:
    """A reply, and whether the request was new (False: a replay of one already answered)."""

    reply: Reply
    first_time: bool = True


@dataclass(frozen=True)
class FailedDelivery:
    """An alert or digest that could not be posted, and why (`pausewatch outbox` lists it too)."""

    id: int
    channel: str
    kind: str
    headline: str
    error: str
    queued_at: datetime


class Core:
    """Answer commands from any adapter against one database."""

    def __init__(
        self,
        *,
        database: Database,
        settings: Settings,
        clock: Clock = utc_now,
        metrics: Recorder | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.clock = clock
        self.questions = Questions(settings)
        self._vocabulary = RevisionCache(size=1)
        self._values = ValueKeeper()
        self.metrics: Recorder = Metrics() if metrics is None else metrics
        # Called after every write: the delivery loop sets it to wake up for queued alerts.
        self.notify: Callable[[], None] = lambda: None
        # What reads sources over the network (bot/sources); set by the wiring.
        self.fetcher: Fetcher | None = None

    @property
    def context(self) -> Context:
        """Return what an operation is given, as the wiring set it last (taken per call)."""
        return Context(
            database=self.database,
            settings=self.settings,
            clock=self.clock,
            notify=self.notify,
            fetcher=self.fetcher,
        )

    def today(self) -> date:
        """Return today's date in the configured time zone."""
        return self.context.today()

    async def prepare(self) -> None:
        """Store the configured series and subscriptions so that commands can name them."""
        now = self.clock()
        async with self.database.write() as session:
            await ensure_series(session, self.settings.series, now)
            for wanted in self.settings.subscriptions:
                series = await queries.series_by_name(session, wanted.series)
                if series is None:
                    raise SettingsError(
                        f"setting subscriptions: series {wanted.series!r} is not a series; "
                        f"the series are {', '.join(await queries.series_names(session))}"
                    )
                target = subscriptions.Target(
                    wanted.platform,
                    wanted.channel,
                    wanted.kind,
                    series.id,
                    Filters(**wanted.filters),
                )
                await subscriptions.subscribe(session, target, actor="settings", now=now)
        if self.settings.sources:
            # Sources and their importers load only where they are used (not for a question):
            # here and in the `source` command.
            from bot.commands import sources

            await sources.ensure_configured(self.context)

    async def series_names(self) -> list[str]:
        """Return the names of the stored series."""
        async with self.database.read() as session:
            return await queries.series_names(session)

    async def failed_deliveries(self, platform: str, limit: int = 10) -> list[FailedDelivery]:
        """Return the newest messages to a platform that failed for good, for its admins."""
        async with self.database.read() as session:
            rows = await outbox.failed(session, platform=platform, limit=limit)
        return [
            FailedDelivery(
                id=row.id,
                channel=row.channel,
                kind=row.kind,
                headline=str(row.payload.get("reply", {}).get("headline", "")),
                error=row.last_error or "",
                queued_at=row.created_at,
            )
            for row in rows
        ]

    async def vocabulary(self) -> Vocabulary:
        """Return the words the data knows (series and filter values), read once per change."""
        async with self.database.read() as session:
            catalog = await queries.catalog(session)
            return await self._vocabulary_of(session, catalog)

    async def _vocabulary_of(
        self, session: AsyncSession, catalog: dict[str, queries.SeriesRef]
    ) -> Vocabulary:
        # Only the filter values a write changed are read; the words are made again only
        # when a value appeared or went, or a series was added.
        await self._values.bring_up(session, {ref.id: ref.revision for ref in catalog.values()})
        version = (tuple(sorted(catalog)), self._values.version)
        known = self._vocabulary.get("words", version)
        if known is None:
            known = self._words(sorted(catalog), self._values.values())
            self._vocabulary.put("words", version, known)
        return known

    def _words(self, names: list[str], filter_values: list[tuple[str, str]]) -> Vocabulary:
        series: dict[str, str] = {}
        for name in names:
            config = self.settings.series_settings(name)
            for word in (name, config.noun, config.nouns, name.removesuffix("s")):
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
        return Vocabulary(series=series, values=values, labels=labels)

    async def parse(self, text: str) -> Command:
        """Read one command as written; raise GrammarError saying what was wrong."""
        return (await self._parse(text))[0]

    async def _parse(
        self, text: str, session: AsyncSession | None = None
    ) -> tuple[Command, dict[str, queries.SeriesRef] | None]:
        # One read gives both the words of the data and the series the command will name.
        catalog = None
        try:
            async with self._reading(session) as reading:
                catalog = await queries.catalog(reading)
                vocabulary = await self._vocabulary_of(reading, catalog)
        except (DBAPIError, OSError):
            # Plain words need the data; key:value commands (and help) do not.
            log.warning("the words of the data could not be read", exc_info=True)
            vocabulary = Vocabulary()
        return parse(text, self.today(), vocabulary), catalog

    async def handle(self, text: str, caller: Caller) -> Reply:
        """Answer one command as written; domain errors become replies, never exceptions."""
        return (await self.handle_once(text, caller, request_key=None)).reply

    async def handle_once(self, text: str, caller: Caller, *, request_key: str | None) -> Outcome:
        """Answer a command; with a key, a write already made under it is not made again."""
        async with self.database.read() as session:
            try:
                command, catalog = await self._parse(text, session)
            except GrammarError as error:
                self.metrics.refused(error.verb or "unknown", caller.platform)
                return Outcome(Reply.error(str(error)))
            except (DBAPIError, OSError) as error:
                if not is_unavailable(error):
                    raise
                log.warning("the database did not answer: %s", error)
                self.metrics.refused("unknown", caller.platform)
                return Outcome(Reply.error(UNAVAILABLE))
            if catalog is not None and command.verb not in CHANGING_VERBS:
                # A question is answered in the session its words were read in: one
                # transaction and one connection for the whole command.
                return await self.execute_once(
                    command, caller, request_key=request_key, catalog=catalog, session=session
                )
        return await self.execute_once(command, caller, request_key=request_key, catalog=catalog)

    async def execute(self, command: Command, caller: Caller) -> Reply:
        """Carry out a typed command (from text, a form, or a platform's typed options)."""
        return (await self.execute_once(command, caller, request_key=None)).reply

    async def execute_once(
        self,
        command: Command,
        caller: Caller,
        *,
        request_key: str | None,
        catalog: dict[str, queries.SeriesRef] | None = None,
        session: AsyncSession | None = None,
    ) -> Outcome:
        """Carry out a typed command once per `request_key` (see handle_once).

        `catalog` is the series as just read (handle_once has it), so as not to read it twice;
        a question is answered in `session` when one is given.
        """
        with self.metrics.answering(command.verb, caller.platform) as result:
            outcome = await self._execute_once(command, caller, request_key, catalog, session)
            if outcome.reply.is_error:
                result[0] = "error"
        return outcome

    async def _execute_once(
        self,
        command: Command,
        caller: Caller,
        request_key: str | None,
        catalog: dict[str, queries.SeriesRef] | None,
        session: AsyncSession | None,
    ) -> Outcome:
        today = self.today()
        try:
            if command.verb == "help":
                return Outcome(help_reply(command.topic))
            if command.verb in ADMIN_VERBS and not caller.is_admin:
                return Outcome(admin_refusal(command.verb))
            if command.verb in OPERATE_VERBS:
                return Outcome(await self._operate(command, caller))
            if command.verb in WRITE_VERBS or command.verb in SUBSCRIBE_VERBS:
                outcome = await self._write(command, caller, today, request_key)
                if outcome.first_time and command.verb in WRITE_VERBS:
                    self.notify()
                return outcome
            async with self._reading(session) as reading:
                if command.verb == "subscriptions":
                    reply = await self._subscriptions(reading, caller)
                else:
                    if catalog is None:
                        catalog = await queries.catalog(reading)
                    reply = await self._query(reading, command, today, catalog)
        except (CommandError, WriteError) as error:
            return Outcome(Reply.error(str(error)))
        except FieldError as error:
            return Outcome(Reply.error(f"{error}. {usage(command.verb)}"))
        except (DBAPIError, OSError) as error:
            if not is_unavailable(error):
                raise
            log.warning("the database did not answer: %s", error)
            return Outcome(Reply.error(UNAVAILABLE))
        return Outcome(_with_notes(reply, command))

    async def _operate(self, command: Command, caller: Caller) -> Reply:
        if command.verb == "source":
            # Sources and their importers load where they are used, never for a question.
            from bot.commands import sources

            return await sources.execute(self.context, command, caller)
        return await reviews.execute(self.context, command, caller)

    @asynccontextmanager
    async def _reading(self, session: AsyncSession | None) -> AsyncIterator[AsyncSession]:
        """Use the given read session, or open one for this read alone."""
        if session is not None:
            yield session
            return
        async with self.database.read() as opened:
            yield opened

    async def subject(
        self, session: AsyncSession, command: Command, today: date
    ) -> tuple[Series, Subject]:
        """Return the series a command is about and what it asks (scope, day), as chat reads it.

        For the core's own modules (bot/commands); adapters call those instead.
        """
        series = await self._series(session, command.series)
        return series, self._subject(series, command, today)

    def _subject(self, series: queries.SeriesLike, command: Command, today: date) -> Subject:
        config = self.settings.series_settings(series.name)
        return Subject(
            series=series.name,
            scope=Scope(config.noun, config.nouns, command.filters),
            as_of=command.as_of or today,
            today=today,
            tracking_start=config.tracking_start,
        )

    async def _series(self, session: AsyncSession, name: str | None) -> Series:
        name = name or self.settings.default_series
        series = await queries.series_by_name(session, name)
        if series is None:
            raise CommandError(_not_a_series(name, await queries.series_names(session)))
        return series

    async def _query(
        self,
        session: AsyncSession,
        command: Command,
        today: date,
        catalog: dict[str, queries.SeriesRef],
    ) -> Reply:
        name = command.series or self.settings.default_series
        series = catalog.get(name)
        if series is None:
            raise CommandError(_not_a_series(name, sorted(catalog)))
        return await self.questions.answer(
            session, command, series, self._subject(series, command, today)
        )

    async def _write(
        self, command: Command, caller: Caller, today: date, request_key: str | None
    ) -> Outcome:
        now = self.clock()
        async with self.database.write() as session:
            if request_key is not None:
                earlier = await seen.claim(session, request_key, now)
                if earlier is not None:
                    return Outcome(
                        reply_from_data(earlier) if earlier else Reply("Already done"),
                        first_time=False,
                    )
            if command.verb in SUBSCRIBE_VERBS:
                reply = await self._subscribe(session, command, caller, now)
            elif command.verb == "add":
                reply = await self._add(session, command, caller, today, now)
            else:
                reply = await self._change(session, command, caller, today, now)
            reply = _with_notes(reply, command)
            if request_key is not None:
                await seen.answer(session, request_key, reply_data(reply))
        return Outcome(reply)

    async def _add(
        self, session: AsyncSession, command: Command, caller: Caller, today: date, now: datetime
    ) -> Reply:
        assert command.incident is not None
        series, subject = await self.subject(session, command, today)
        # Writers of one series take turns: each reply and alert is computed from the series
        # as this write leaves it, never from a view another writer is changing.
        revision = await queries.lock_series(session, series.id)
        fields = command.incident
        day = fields.occurred_on
        # The series as it stands before this write: the kept days, brought up to the
        # revision read under the lock (the row read before it may be older).
        kept = await self.questions.days.days(
            session, queries.SeriesRef(series.id, series.name, revision), Filters()
        )
        before = kept.timeline(self.settings.pause_counting)
        incident = await alerts.add_alerting(
            session,
            settings=self.settings,
            series=series,
            fields=fields,
            actor=caller.user,
            today=today,
            now=now,
        )
        return Reply(
            headline=f"Recorded {subject.scope.noun} #{incident.id} on {day_text(day)}",
            incident_id=incident.id,
            details=(
                incident_text(queries.to_incident(incident)),
                self._effect(subject, before, day),
            ),
        )

    def _effect(self, subject: Subject, before: Timeline, day: date) -> str:
        scope = Scope(subject.scope.noun, subject.scope.nouns)
        numbers = before.ordinals
        number = day.toordinal()
        last = before.day(-1) if numbers else None
        at = bisect_left(numbers, number)
        same_day = at < len(numbers) and numbers[at] == number
        ended = split = None
        if last is not None and day > last:
            after = Timeline([*numbers, number], before.counting)
            ended = after.standing(day, subject.tracking_start).ended
        elif last is not None and not same_day and 0 < at < len(numbers):
            split = before.pause(at - 1)  # the pause it falls in
        return effect_text(scope, last=last, day=day, same_day=same_day, ended=ended, split=split)

    async def _change(
        self, session: AsyncSession, command: Command, caller: Caller, today: date, now: datetime
    ) -> Reply:
        incident = await queries.incident_row(session, command.incident_id or 0)
        if incident is None:
            raise CommandError(f"There is no incident #{command.incident_id}; `last` shows ids.")
        await queries.lock_series(session, incident.series_id)
        series = await session.get(Series, incident.series_id)
        noun = self.settings.series_settings(series.name if series else "").noun
        if command.verb == "edit":
            changed = await edit_incident(
                session,
                incident=incident,
                changes=dict(command.changes),
                actor=caller.user,
                now=now,
            )
            if not changed:
                return Reply(
                    headline=f"Nothing to change: {noun} #{incident.id} already has those values",
                    incident_id=incident.id,
                )
            return Reply(
                headline=f"Edited {noun} #{incident.id}",
                incident_id=incident.id,
                details=(changes_text(changed), incident_text(queries.to_incident(incident))),
            )
        await delete_incident(
            session, incident=incident, actor=caller.user, now=now, reason=command.reason
        )
        return Reply(
            headline=f"Deleted {noun} #{incident.id}",
            incident_id=incident.id,
            details=(
                incident_text(queries.to_incident(incident)),
                "It no longer counts in any answer; the audit log keeps it.",
            ),
        )

    async def _subscribe(
        self, session: AsyncSession, command: Command, caller: Caller, now: datetime
    ) -> Reply:
        if not caller.channel:
            raise CommandError(f"`{command.verb}` works in a channel: use it there.")
        kind = command.topic or "alerts"
        series = await self._series(session, command.series)
        target = subscriptions.Target(
            caller.platform, caller.channel, kind, series.id, command.filters
        )
        if command.verb == "subscribe":
            changed = await subscriptions.subscribe(session, target, actor=caller.user, now=now)
        else:
            changed = await subscriptions.unsubscribe(session, target)
        return subscription_reply(command.verb, kind, series.name, command.filters, changed)

    async def _subscriptions(self, session: AsyncSession, caller: Caller) -> Reply:
        found = await subscriptions.of_channel(session, caller.platform, caller.channel)
        return subscriptions_reply(
            [(s.kind, name, subscriptions.filters_of(s)) for s, name in found]
        )


def _not_a_series(name: str, known: list[str]) -> str:
    listed = ", ".join(known) if known else "none yet"
    return (
        f"`{name}` is not a series. The series are: {listed}. "
        f"Name one after the command, e.g. `since {known[0] if known else 'attacks'}`."
    )


def _with_notes(reply: Reply, command: Command) -> Reply:
    """Say back how plain words were read ("Read `iraq` as country:Iraq.")."""
    if not command.read_as or reply.is_error:
        return reply
    return replace(reply, details=(*reply.details, *command.read_as))
