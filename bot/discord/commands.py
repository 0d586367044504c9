"""The /incidents app command group: one method per subcommand, each building one Command.

No option is written back into command text: Discord has already split the values, so
`location:Al-Qa’im` (a typographic apostrophe, as phones type it) is the value as typed.
The methods are in the order they are synced in and `/incidents help` lists them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from functools import partial
from typing import Literal

import discord
from discord import app_commands

from bot.commands import build
from bot.commands.command import Command
from bot.commands.core import Caller, Core
from bot.commands.note_words import context_series, typed_note
from bot.commands.plain_words import Vocabulary
from bot.commands.verbs import MAX_LIMIT, STATS_BY, VERBS
from bot.discord.answer import send_reply
from bot.discord.answering import AnsweringGroup, subcommand
from bot.discord.channels import posting_problem
from bot.discord.help import help_reply
from bot.discord.options import (
    EVERY_DESCRIPTION,
    FIELD_DESCRIPTIONS,
    INCIDENT_DESCRIPTION,
    LIMIT_DESCRIPTION,
    TOPIC_DESCRIPTION,
    Count,
    Id,
    Limit,
    filters,
)
from bot.domain.replies import Reply

WITH_DESCRIPTION = "Another series whose incidents are marked, e.g. us-strikes"


class IncidentsGroup(
    AnsweringGroup, name="incidents", description="Incidents and the pauses between them"
):
    """/incidents: questions anyone allowed may ask, then the writes and operations of admins."""

    @subcommand("since")
    async def since(
        self,
        interaction: discord.Interaction,
        series: str | None = None,
        country: str | None = None,
        location: str | None = None,
        actor: str | None = None,
        kind: str | None = None,
        as_of: str | None = None,
        public: bool = False,
    ) -> None:
        scope = filters(country, location, actor, kind)
        asked = partial(build.question, "since", series=series, filters=scope, as_of=as_of)
        await self.ask(interaction, asked, public=public)

    @subcommand("pause")
    async def pause(
        self,
        interaction: discord.Interaction,
        series: str | None = None,
        country: str | None = None,
        location: str | None = None,
        actor: str | None = None,
        kind: str | None = None,
        as_of: str | None = None,
        public: bool = False,
    ) -> None:
        scope = filters(country, location, actor, kind)
        asked = partial(build.question, "pause", series=series, filters=scope, as_of=as_of)
        await self.ask(interaction, asked, public=public)

    @subcommand("chart", with_=WITH_DESCRIPTION)
    @app_commands.rename(with_="with")
    async def chart(
        self,
        interaction: discord.Interaction,
        series: str | None = None,
        country: str | None = None,
        location: str | None = None,
        actor: str | None = None,
        kind: str | None = None,
        as_of: str | None = None,
        with_: str | None = None,
        public: bool = False,
    ) -> None:
        scope = filters(country, location, actor, kind)

        def asked(today: date, words: Vocabulary) -> Command:
            command = build.question(
                "chart", today=today, vocabulary=words, series=series, filters=scope, as_of=as_of
            )
            other = context_series(
                "chart", with_, series=command.series, topic=None, vocabulary=words
            )
            return replace(command, context_series=other)

        await self.answer(interaction, asked, public=public)

    @subcommand("map")
    async def map(
        self,
        interaction: discord.Interaction,
        period: str | None = None,
        series: str | None = None,
        country: str | None = None,
        location: str | None = None,
        actor: str | None = None,
        kind: str | None = None,
        as_of: str | None = None,
        public: bool = False,
    ) -> None:
        scope = filters(country, location, actor, kind)
        asked = partial(
            build.question, "map", series=series, filters=scope, as_of=as_of, period=period
        )
        await self.ask(interaction, asked, public=public)

    @subcommand("pauses", limit=LIMIT_DESCRIPTION)
    async def pauses(
        self,
        interaction: discord.Interaction,
        series: str | None = None,
        country: str | None = None,
        location: str | None = None,
        actor: str | None = None,
        kind: str | None = None,
        limit: Limit | None = None,
        as_of: str | None = None,
        public: bool = False,
    ) -> None:
        scope = filters(country, location, actor, kind)
        asked = partial(
            build.question, "pauses", series=series, filters=scope, limit=limit, as_of=as_of
        )
        await self.ask(interaction, asked, public=public)

    @subcommand("last", count=f"How many of the most recent (default 5, at most {MAX_LIMIT})")
    async def last(
        self,
        interaction: discord.Interaction,
        count: Limit | None = None,
        series: str | None = None,
        country: str | None = None,
        location: str | None = None,
        actor: str | None = None,
        kind: str | None = None,
        as_of: str | None = None,
        public: bool = False,
    ) -> None:
        scope = filters(country, location, actor, kind)
        asked = partial(
            build.question, "last", series=series, filters=scope, limit=count, as_of=as_of
        )
        await self.ask(interaction, asked, public=public)

    @subcommand(
        "list",
        start="First day: YYYY-MM-DD, or last monday, 30 days ago (or give a period)",
        end="Last day (default: today)",
        limit=f"How many to show (default 50, at most {MAX_LIMIT})",
    )
    @app_commands.rename(start="from", end="to")
    async def list_(
        self,
        interaction: discord.Interaction,
        start: str | None = None,
        end: str | None = None,
        period: str | None = None,
        series: str | None = None,
        country: str | None = None,
        location: str | None = None,
        actor: str | None = None,
        kind: str | None = None,
        limit: Limit | None = None,
        public: bool = False,
    ) -> None:
        scope = filters(country, location, actor, kind)
        asked = partial(
            build.question,
            "list",
            series=series,
            filters=scope,
            start=start,
            end=end,
            limit=limit,
            period=period,
        )
        await self.ask(interaction, asked, public=public)

    @subcommand("stats", by="Count by a period or a field (default: week, country, kind)")
    @app_commands.choices(by=[app_commands.Choice(name=b, value=b) for b in STATS_BY])
    async def stats(
        self,
        interaction: discord.Interaction,
        period: str | None = None,
        by: str | None = None,
        series: str | None = None,
        country: str | None = None,
        location: str | None = None,
        actor: str | None = None,
        kind: str | None = None,
        as_of: str | None = None,
        public: bool = False,
    ) -> None:
        scope = filters(country, location, actor, kind)
        asked = partial(
            build.question,
            "stats",
            series=series,
            filters=scope,
            by=by,
            as_of=as_of,
            period=period,
        )
        await self.ask(interaction, asked, public=public)

    @subcommand("add", **FIELD_DESCRIPTIONS)
    async def add(
        self,
        interaction: discord.Interaction,
        day: str,
        series: str | None = None,
        time: str | None = None,
        country: str | None = None,
        location: str | None = None,
        actor: str | None = None,
        kind: str | None = None,
        quantity: Count | None = None,
        killed: Count | None = None,
        wounded: Count | None = None,
        source: str | None = None,
        notes: str | None = None,
    ) -> None:
        fields = {
            "time": time,
            "country": country,
            "location": location,
            "actor": actor,
            "kind": kind,
            "quantity": quantity,
            "killed": killed,
            "wounded": wounded,
            "source": source,
            "notes": notes,
        }
        await self.answer(
            interaction,
            lambda today, words: build.add(
                today=today, day=day, fields=fields, series=series, vocabulary=words
            ),
        )

    @subcommand("edit", incident=INCIDENT_DESCRIPTION, **FIELD_DESCRIPTIONS)
    async def edit(
        self,
        interaction: discord.Interaction,
        incident: Id,
        day: str | None = None,
        time: str | None = None,
        country: str | None = None,
        location: str | None = None,
        actor: str | None = None,
        kind: str | None = None,
        quantity: Count | None = None,
        killed: Count | None = None,
        wounded: Count | None = None,
        source: str | None = None,
        notes: str | None = None,
    ) -> None:
        fields = {
            "date": day,
            "time": time,
            "country": country,
            "location": location,
            "actor": actor,
            "kind": kind,
            "quantity": quantity,
            "killed": killed,
            "wounded": wounded,
            "source": source,
            "notes": notes,
        }
        await self.answer(
            interaction,
            lambda today, words: build.edit(today=today, incident_id=incident, fields=fields),
        )

    @subcommand("delete", incident=INCIDENT_DESCRIPTION, reason="Why")
    async def delete(
        self, interaction: discord.Interaction, incident: Id, reason: str | None = None
    ) -> None:
        await self.answer(
            interaction, lambda today, words: build.delete(incident_id=incident, reason=reason)
        )

    @subcommand(
        "subscribe", what=TOPIC_DESCRIPTION, every=EVERY_DESCRIPTION, with_=WITH_DESCRIPTION
    )
    @app_commands.rename(with_="with")
    async def subscribe(
        self,
        interaction: discord.Interaction,
        what: Literal["alerts", "digest", "reviews"],
        series: str | None = None,
        country: str | None = None,
        location: str | None = None,
        actor: str | None = None,
        kind: str | None = None,
        every: str | None = None,
        with_: str | None = None,
    ) -> None:
        scope = filters(country, location, actor, kind)
        await self.subscription(interaction, "subscribe", what, series, scope, every, with_)

    @subcommand("unsubscribe", what=TOPIC_DESCRIPTION)
    async def unsubscribe(
        self,
        interaction: discord.Interaction,
        what: Literal["alerts", "digest", "reviews"],
        series: str | None = None,
        country: str | None = None,
        location: str | None = None,
        actor: str | None = None,
        kind: str | None = None,
    ) -> None:
        scope = filters(country, location, actor, kind)
        await self.subscription(interaction, "unsubscribe", what, series, scope)

    @subcommand("subscriptions")
    async def subscriptions(self, interaction: discord.Interaction) -> None:
        await self.answer(interaction, lambda today, words: build.other("subscriptions"))

    @subcommand("timezone", zone="A zone such as Asia/Baghdad, or default; none to see it")
    async def timezone(self, interaction: discord.Interaction, zone: str | None = None) -> None:
        await self.answer(interaction, lambda today, words: build.timezone(zone))

    @subcommand("quiet", hours="Hours to hold alerts, e.g. 22:00-07:00, or off; none to see them")
    async def quiet(self, interaction: discord.Interaction, hours: str | None = None) -> None:
        await self.answer(interaction, lambda today, words: build.quiet(hours))

    @subcommand(
        "team",
        action="timezone, admin or series; none to see this server's team",
        details="A zone; add|remove @someone or @role; add NAME",
    )
    async def team(
        self,
        interaction: discord.Interaction,
        action: Literal["timezone", "admin", "series"] | None = None,
        details: str | None = None,
    ) -> None:
        await self.answer(interaction, lambda today, words: build.team(action, details))

    @subcommand(
        "note",
        action="add, list or delete",
        day="add: the day, e.g. 2024-02-02, yesterday, 2 Feb 2024",
        text="add: what happened, in one line",
        note="delete: the note's id (list shows them)",
        period="list: a period, e.g. February 2024, last month",
    )
    async def note(
        self,
        interaction: discord.Interaction,
        action: Literal["add", "list", "delete"],
        day: str | None = None,
        text: str | None = None,
        series: str | None = None,
        note: Id | None = None,
        period: str | None = None,
    ) -> None:
        await self.answer(
            interaction,
            lambda today, words: typed_note(
                today=today,
                action=action,
                vocabulary=words,
                day=day,
                text=text,
                series=series,
                note_id=note,
                period=period,
            ),
        )

    @subcommand("help", command="A command to explain, e.g. add")
    @app_commands.choices(command=[app_commands.Choice(name=v, value=v) for v in VERBS])
    async def help_(self, interaction: discord.Interaction, command: str | None = None) -> None:
        # Help is Discord's own: its options, not the text grammar.
        await interaction.response.defer(ephemeral=True, thinking=True)
        await send_reply(interaction, help_reply(self, command), public=False)

    # The operations take an action and a name, not the grammar's words: they are described
    # here, more briefly than the grammar's summaries.
    @app_commands.command(name="source", description="Sources read on a schedule (admins)")
    @app_commands.describe(
        action="list, run, add or remove",
        name="The source's name",
        details='For add: e.g. "kind:csv url:https://... reviewed every:1h"',
    )
    async def source(
        self,
        interaction: discord.Interaction,
        action: Literal["list", "run", "add", "remove"],
        name: str | None = None,
        details: str | None = None,
    ) -> None:
        await self.answer(
            interaction, lambda today, words: build.operation("source", action, name, details)
        )

    @app_commands.command(name="review", description="Incidents waiting for review (admins)")
    @app_commands.describe(action="list, approve or reject", review="The review's number")
    async def review(
        self,
        interaction: discord.Interaction,
        action: Literal["list", "approve", "reject"],
        review: Id | None = None,
    ) -> None:
        number = str(review) if review is not None else None
        await self.answer(
            interaction, lambda today, words: build.operation("review", action, number)
        )

    async def subscription(
        self,
        interaction: discord.Interaction,
        verb: Literal["subscribe", "unsubscribe"],
        topic: Literal["alerts", "digest", "reviews"],
        series: str | None,
        scope: dict[str, str | None],
        every: str | None = None,
        other: str | None = None,
    ) -> None:
        """Subscribe or unsubscribe this channel (a digest on its `every` schedule, marking the
        `other` series on its chart); refuse a subscription it could not receive."""

        def check(caller: Caller) -> Reply | None:
            # Refused before anything is stored: an alert there would fail for good.
            if verb != "subscribe" or not caller.is_admin:
                return None
            return posting_problem(interaction, topic)

        def command(today: date, words: Vocabulary) -> Command:
            made = build.subscription(
                verb, topic=topic, series=series, filters=scope, vocabulary=words, every=every
            )
            context = context_series(verb, other, series=made.series, topic=topic, vocabulary=words)
            return replace(made, context_series=context)

        await self.answer(interaction, command, check=check)


def build_group(core: Core) -> app_commands.Group:
    """Make the /incidents group bound to the command core."""
    return IncidentsGroup(core)
