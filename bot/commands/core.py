"""The command core: one grammar for every platform; runs a command against storage, replies.

Adapters hand it text or a typed Command and get a Reply back: they never see a database
session or a row. The core reads the command, checks who may run it and sends it on: questions
to questions.py, writes to writing.py (one transaction that also queues the alerts it causes
and records the request's key, so that a replayed request changes nothing), the operators'
commands to sources and reviews. The words of the data are kept in data_words.py.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date, datetime

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands import conversing, noting, preparing, reviews, team_command, writing
from bot.commands.asking import Reading, begins_with_a_verb, looks_like_a_command
from bot.commands.channel_zones import ChannelZone, resolve, zone_of
from bot.commands.command import Command, CommandError, GrammarError
from bot.commands.context import UNAVAILABLE, Caller, Context
from bot.commands.data_words import DataWords
from bot.commands.failed_deliveries import (
    FailedDelivery,
    newest_failed,
    told_team,
    untold_failures,
)
from bot.commands.fetching import Fetcher
from bot.commands.grammar import parse
from bot.commands.metrics import Metrics, Recorder
from bot.commands.plain_words import Vocabulary
from bot.commands.questions import Questions
from bot.commands.replies import admin_refusal, help_reply
from bot.commands.subjects import not_a_series, subject_of, with_notes
from bot.commands.subscribing import channel_subscriptions
from bot.commands.teams import not_a_team_admin, seen_names
from bot.commands.verbs import (
    ADMIN_VERBS,
    CHANGING_VERBS,
    OPERATE_VERBS,
    QUERY_VERBS,
    SUBSCRIBE_VERBS,
    WRITE_VERBS,
    usage,
)
from bot.commands.writing import Outcome
from bot.domain.clock import Clock, utc_now
from bot.domain.fields import FieldError
from bot.domain.replies import Reply
from bot.settings import Settings
from storage import queries
from storage.database import Database, is_unavailable
from storage.writes import WriteError

log = logging.getLogger(__name__)
# Adapters import these from here, with Caller and Core.
__all__ = ["UNAVAILABLE", "Caller", "Core", "FailedDelivery", "Outcome"]


def _unavailable(error: DBAPIError | OSError) -> Outcome:
    """Say that the database did not answer; raise any other database error again."""
    if not is_unavailable(error):
        raise error
    log.warning("the database did not answer: %s", error)
    return Outcome(Reply.error(UNAVAILABLE))


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
        self._words = DataWords()
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
        """Return today's date in the configured time zone (a channel's: ChannelZone.today)."""
        return self.context.today()

    async def prepare(self) -> None:
        """Store the configured series, subscriptions and sources (bot/commands/preparing.py)."""
        await preparing.prepare(self.context)

    async def series_names(self, team: str | None = None) -> list[str]:
        """Return the names of the stored series a team sees (with no team, of all)."""
        async with self.database.read() as session:
            return await queries.series_names(session, team)

    async def failed_deliveries(
        self, platform: str, limit: int = 10, caller: Caller | None = None
    ) -> list[FailedDelivery]:
        """Return the newest messages to a platform that failed for good, for its admins: of
        the caller's team's channels, unless they speak for the install."""
        team = told_team(caller, self.settings)
        return await newest_failed(self.database, platform=platform, limit=limit, team=team)

    async def untold_failures(
        self, caller: Caller, *, limit: int, since: datetime
    ) -> list[FailedDelivery]:
        """Return the failures an admin was not told of yet (of their team's channels), and
        remember them as told."""
        return await untold_failures(
            self.database,
            platform=caller.platform,
            user=caller.user,
            limit=limit,
            since=since,
            team=told_team(caller, self.settings),
        )

    async def vocabulary(self) -> Vocabulary:
        """Return the words the data knows (series and filter values), read once per change."""
        async with self.database.read() as session:
            catalog = await queries.catalog(session)
            return await self._words.of(session, catalog, self.settings)

    async def words_for(self, caller: Caller) -> tuple[date, Vocabulary]:
        """Return the caller's today (in their channel's zone) and the words of the series they
        see: what a platform's typed options are read with."""
        async with self.database.read() as session:
            zone, _, vocabulary = await self._words_in(session, caller)
        return zone.today(self.clock()), vocabulary

    async def _words_in(
        self, session: AsyncSession, caller: Caller, text: str | None = None
    ) -> tuple[ChannelZone, dict[str, queries.SeriesRef], Vocabulary]:
        """Read, in `session`, the caller's channel's zone, the series, and the words of the
        series the caller sees (those `text` needs, when given)."""
        zone = await zone_of(session, caller, self.settings)
        catalog = await queries.catalog(session)
        today, seen = zone.today(self.clock()), seen_names(catalog, caller)
        vocabulary = await self._words.of(
            session, catalog, self.settings, text=text, today=today, seen=seen
        )
        return zone, catalog, self._words.seen_by(vocabulary, seen)

    async def parse(self, text: str, caller: Caller | None = None) -> Command:
        """Read one command as written (its days in the caller's channel's zone); raise
        GrammarError saying what was wrong."""
        return (await self._parse(text, caller))[0]

    async def _parse(
        self, text: str, caller: Caller | None, session: AsyncSession | None = None
    ) -> tuple[Command, dict[str, queries.SeriesRef] | None, ChannelZone]:
        # One read gives the words of the data, the series the command will name and the
        # zone of the channel it was typed in.
        catalog = None
        zone = resolve(None, self.settings)
        try:
            async with self._reading(session) as reading:
                if caller is not None:
                    zone, catalog, vocabulary = await self._words_in(reading, caller, text)
                else:
                    catalog = await queries.catalog(reading)
                    vocabulary = await self._words.of(reading, catalog, self.settings)
        except (DBAPIError, OSError):
            # Plain words need the data; key:value commands (and help) do not.
            log.warning("the words of the data could not be read", exc_info=True)
            vocabulary = Vocabulary()
        return parse(text, zone.today(self.clock()), vocabulary), catalog, zone

    async def handle(self, text: str, caller: Caller) -> Reply:
        """Answer one command as written; domain errors become replies, never exceptions."""
        return (await self.handle_once(text, caller, request_key=None)).reply

    async def handle_once(self, text: str, caller: Caller, *, request_key: str | None) -> Outcome:
        """Answer a command; with a key, a write already made under it is not made again.

        Words that are not a command are read as a question (see ask), with no thread.
        """
        if not begins_with_a_verb(text) and not looks_like_a_command(text):
            return await self.ask(text, caller, request_key=request_key)
        async with self.database.read() as session:
            try:
                command, catalog, zone = await self._parse(text, caller, session)
            except GrammarError as error:
                if not looks_like_a_command(text):
                    command = None
                else:
                    self.metrics.refused(error.verb or "unknown", caller.platform)
                    return Outcome(Reply.error(str(error)))
            except (DBAPIError, OSError) as error:
                self.metrics.refused("unknown", caller.platform)
                return _unavailable(error)
            if command is not None and catalog is not None and command.verb not in CHANGING_VERBS:
                # A question is answered in the session its words were read in: one
                # transaction and one connection for the whole command.
                return await self.execute_once(
                    command,
                    caller,
                    request_key=request_key,
                    catalog=catalog,
                    session=session,
                    zone=zone,
                )
        if command is None:
            return await self.ask(text, caller, request_key=request_key)
        return await self.execute_once(
            command, caller, request_key=request_key, catalog=catalog, zone=zone
        )

    async def ask(
        self,
        text: str,
        caller: Caller,
        *,
        thread: str | None = None,
        save_as: str | None = None,
        request_key: str | None = None,
    ) -> Outcome:
        """Answer a question in people's words, or a command, asked in a thread.

        `thread` names where the question before it was asked (its follow-ups change one part
        of it, a number picks one of the choices offered); the question is kept under
        `save_as` (`thread` when not given). With `request_key`, a question asked again
        under the same key (a platform's retry, on any replica) is not answered again.
        """
        save_as = save_as or thread
        try:
            async with self.database.read() as session:
                # One read: the data's words, the thread's question before, and the answer.
                zone, catalog, vocabulary = await self._words_in(session, caller, text)
                asked = await conversing.recalled(session, thread, self.clock())
                read = conversing.reading_of(text, zone.today(self.clock()), vocabulary, asked)
                if isinstance(read, Reading):
                    reply, kept = await self._answer(read, caller, asked, catalog, session, zone)
        except (DBAPIError, OSError) as error:
            return _unavailable(error)
        if isinstance(read, Reply):
            return Outcome(read)
        if isinstance(read, Command):
            return await self.execute_once(read, caller, request_key=request_key, zone=zone)
        first_time = await conversing.kept(
            self.database,
            self.clock,
            key=save_as,
            request_key=request_key,
            asked=kept,
            offered=read.choices,
        )
        return Outcome(reply, first_time=first_time)

    async def _answer(
        self,
        reading: Reading,
        caller: Caller,
        asked: conversing.Thread,
        catalog: dict[str, queries.SeriesRef],
        session: AsyncSession,
        zone: ChannelZone,
    ) -> tuple[Reply, Command | None]:
        """Answer a reading in `session`; return the reply and the question to keep."""
        if reading.choices:
            return conversing.choices_reply(reading), asked.previous
        if reading.command is None:
            self.metrics.refused("unknown", caller.platform)
            return conversing.not_read_reply(reading), None
        outcome = await self.execute_once(
            reading.command, caller, request_key=None, catalog=catalog, session=session, zone=zone
        )
        question = reading.command.verb in QUERY_VERBS and not outcome.reply.is_error
        return outcome.reply, reading.command if question else None

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
        zone: ChannelZone | None = None,
    ) -> Outcome:
        """Carry out a typed command once per `request_key` (see handle_once).

        `catalog` is the series as just read (handle_once has it), so as not to read it twice;
        a question is answered in `session` when one is given. `zone` is the caller's
        channel's, when it was read with the command's words; else it is read here.
        """
        with self.metrics.answering(command.verb, caller.platform) as result:
            outcome = await self._execute_once(command, caller, request_key, catalog, session, zone)
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
        zone: ChannelZone | None,
    ) -> Outcome:
        try:
            if command.verb == "help":
                return Outcome(help_reply(command.topic))
            if command.verb == "team":
                return Outcome(await team_command.execute(self.context, command, caller))
            if command.verb in ADMIN_VERBS and not caller.is_admin and not command.only_asks:
                refusal = admin_refusal if caller.team is None else not_a_team_admin
                return Outcome(refusal(command.verb))
            if zone is None:
                async with self._reading(session) as reading:
                    zone = await zone_of(reading, caller, self.settings)
            today = zone.today(self.clock())
            if command.verb in OPERATE_VERBS:
                return Outcome(await self._operate(command, caller))
            # `note list` reads, as a question does; `note add|delete` write.
            reads_notes = command.verb == "note" and command.only_asks
            changes = command.verb in WRITE_VERBS or command.verb in SUBSCRIBE_VERBS
            if changes and not reads_notes:
                return await self._write(command, caller, request_key, today)
            async with self._reading(session) as reading:
                if command.verb == "subscriptions":
                    reply = await channel_subscriptions(reading, caller, zone)
                elif reads_notes:
                    reply = await noting.listed(
                        reading, command, caller, settings=self.settings, today=today
                    )
                else:
                    if catalog is None:
                        catalog = await queries.catalog(reading)
                    reply = await self._query(reading, command, caller, today, catalog)
        except (CommandError, WriteError) as error:
            return Outcome(Reply.error(str(error)))
        except FieldError as error:
            return Outcome(Reply.error(f"{error}. {usage(command.verb)}"))
        except (DBAPIError, OSError) as error:
            return _unavailable(error)
        return Outcome(with_notes(reply, command))

    async def _write(
        self, command: Command, caller: Caller, request_key: str | None, today: date
    ) -> Outcome:
        outcome = await writing.write(
            self.database,
            command,
            caller,
            request_key=request_key,
            settings=self.settings,
            days=self.questions.days,
            today=today,
            now=self.clock(),
        )
        if outcome.first_time and command.verb in WRITE_VERBS:
            self.notify()
        return outcome

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

    async def _query(
        self,
        session: AsyncSession,
        command: Command,
        caller: Caller,
        today: date,
        catalog: dict[str, queries.SeriesRef],
    ) -> Reply:
        name = command.series or self.settings.default_series
        seen = seen_names(catalog, caller)
        series = catalog.get(name) if name in seen else None
        if series is None:
            raise CommandError(not_a_series(name, sorted(seen)))
        subject = subject_of(series, command, settings=self.settings, today=today)
        return await self.questions.answer(
            session, command, series, subject, importing=series.importing
        )
