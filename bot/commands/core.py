"""The command core: one grammar for every platform; parses, queries storage, builds replies."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands.grammar import (
    ADMIN_VERBS,
    SUBSCRIBE_VERBS,
    WRITE_VERBS,
    Command,
    CommandError,
    GrammarError,
    parse,
    usage,
)
from bot.commands.questions import Questions
from bot.commands.replies import (
    Reply,
    Subject,
    admin_refusal,
    help_reply,
    subscription_reply,
    subscriptions_reply,
)
from bot.domain import pauses
from bot.domain.fields import FieldError, parse_field, parse_fields
from bot.domain.filters import Filters
from bot.domain.wording import changes_text, day_text, effect_text, incident_text
from bot.notify import alerts
from bot.settings import Settings, SettingsError
from storage import queries, subscriptions
from storage.database import Database
from storage.models import Incident, Series
from storage.writes import WriteError, add_incident, delete_incident, edit_incident, ensure_series

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """Return the current time, aware, in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Caller:
    """Who sent a command and whether they may write."""

    user: str
    is_admin: bool
    platform: str = "console"
    channel: str = "terminal"


class Core:
    """Answer commands from any adapter against one database."""

    def __init__(self, *, database: Database, settings: Settings, clock: Clock = utc_now) -> None:
        self.database = database
        self.settings = settings
        self.clock = clock
        self.questions = Questions(settings)
        # Called after every write: the delivery loop sets it to wake up for queued alerts.
        self.notify: Callable[[], None] = lambda: None

    def today(self) -> date:
        """Return today's date in the configured time zone."""
        return self.clock().astimezone(self.settings.zone).date()

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

    async def handle(self, text: str, caller: Caller) -> Reply:
        """Answer one command as written; domain errors become replies, never exceptions."""
        try:
            command = parse(text, self.today())
        except GrammarError as error:
            return Reply.error(str(error))
        return await self.execute(command, caller)

    async def execute(self, command: Command, caller: Caller) -> Reply:
        """Carry out a parsed command (from text, or from a form such as Slack's add modal)."""
        today = self.today()
        try:
            if command.verb == "help":
                return help_reply(command.topic)
            if command.verb in ADMIN_VERBS and not caller.is_admin:
                return admin_refusal(command.verb)
            if command.verb in WRITE_VERBS:
                reply = await self._write(command, caller, today)
                self.notify()
                return reply
            if command.verb in SUBSCRIBE_VERBS:
                return await self._subscribe(command, caller)
            async with self.database.read() as session:
                if command.verb == "subscriptions":
                    return await self._subscriptions(session, caller)
                return await self._query(session, command, today)
        except (CommandError, WriteError) as error:
            return Reply.error(str(error))

    async def _subject(
        self, session: AsyncSession, command: Command, today: date
    ) -> tuple[Series, Subject]:
        series = await self._series(session, command.series)
        config = self.settings.series_settings(series.name)
        subject = Subject(
            series=series.name,
            noun=config.noun,
            nouns=config.nouns,
            filters=command.filters,
            as_of=command.as_of or today,
            today=today,
            tracking_start=config.tracking_start,
        )
        return series, subject

    async def _series(self, session: AsyncSession, name: str | None) -> Series:
        name = name or self.settings.default_series
        series = await queries.series_by_name(session, name)
        if series is None:
            known = await queries.series_names(session)
            listed = ", ".join(known) if known else "none yet"
            raise CommandError(
                f"`{name}` is not a series. The series are: {listed}. "
                f"Name one after the command, e.g. `since {known[0] if known else 'attacks'}`."
            )
        return series

    async def _query(self, session: AsyncSession, command: Command, today: date) -> Reply:
        series, subject = await self._subject(session, command, today)
        return await self.questions.answer(session, command, series, subject)

    async def _write(self, command: Command, caller: Caller, today: date) -> Reply:
        now = self.clock()
        try:
            async with self.database.write() as session:
                if command.verb == "add":
                    return await self._add(session, command, caller, today, now)
                incident = await queries.incident_by_id(session, command.number or 0)
                if incident is None:
                    raise CommandError(f"There is no incident #{command.number}; `last` shows ids.")
                series = await session.get(Series, incident.series_id)
                noun = self.settings.series_settings(series.name if series else "").noun
                if command.verb == "edit":
                    return await self._edit(session, command, caller, incident, noun, today, now)
                reason = command.options.get("reason")
                await delete_incident(
                    session, incident=incident, actor=caller.user, now=now, reason=reason
                )
                return Reply(
                    headline=f"Deleted {noun} #{incident.id}",
                    details=(
                        incident_text(incident),
                        "It no longer counts in any answer; the audit log keeps it.",
                    ),
                )
        except FieldError as error:
            raise CommandError(f"{error}. {usage(command.verb)}") from None

    async def _add(
        self, session: AsyncSession, command: Command, caller: Caller, today: date, now: datetime
    ) -> Reply:
        series, subject = await self._subject(session, command, today)
        raw = dict(command.fields)
        if command.day is not None:
            raw["date"] = command.day.isoformat()
        fields = parse_fields(raw, today=today)
        watches = await alerts.watch(session, series, today)
        everything = Filters()
        last = await queries.last_incident_day(session, series.id, everything, today)
        day = fields.occurred_on
        same_day = await queries.last_incident_day(session, series.id, everything, day) == day
        incident = await add_incident(
            session, series=series, fields=fields, actor=caller.user, now=now
        )
        await alerts.queue_alerts(
            session, settings=self.settings, series=series, watches=watches, today=today, now=now
        )
        ended = None
        if last is not None and day > last:
            ended = pauses.Pause(
                last, day, pauses.pause_length(last, day, self.settings.pause_counting)
            )
        return Reply(
            headline=f"Recorded {subject.noun} #{incident.id} on {day_text(day)}",
            details=(
                incident_text(incident),
                effect_text(subject.noun, last, same_day, day, ended),
            ),
        )

    async def _subscribe(self, command: Command, caller: Caller) -> Reply:
        if not caller.channel:
            raise CommandError(f"`{command.verb}` works in a channel: use it there.")
        now = self.clock()
        kind = command.topic or "alerts"
        async with self.database.write() as session:
            series = await self._series(session, command.series)
            target = subscriptions.Target(
                caller.platform, caller.channel, kind, series.id, command.filters
            )
            if command.verb == "subscribe":
                changed = await subscriptions.subscribe(session, target, actor=caller.user, now=now)
            else:
                changed = await subscriptions.unsubscribe(session, target)
        return subscription_reply(
            command.verb, kind, series.name, command.filters, caller.channel, changed
        )

    async def _subscriptions(self, session: AsyncSession, caller: Caller) -> Reply:
        found = await subscriptions.of_channel(session, caller.platform, caller.channel)
        return subscriptions_reply(
            caller.channel,
            [(s.kind, name, subscriptions.filters_of(s)) for s, name in found],
        )

    async def _edit(
        self,
        session: AsyncSession,
        command: Command,
        caller: Caller,
        incident: Incident,
        noun: str,
        today: date,
        now: datetime,
    ) -> Reply:
        changes = dict(
            parse_field(name, value, today=today) for name, value in command.fields.items()
        )
        changed = await edit_incident(
            session, incident=incident, changes=changes, actor=caller.user, now=now
        )
        if not changed:
            return Reply(
                headline=f"Nothing to change: {noun} #{incident.id} already has those values"
            )
        return Reply(
            headline=f"Edited {noun} #{incident.id}",
            details=(changes_text(changed), incident_text(incident)),
        )
