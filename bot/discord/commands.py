"""The /incidents app command group: each subcommand's typed options built into one Command.

No option is written back into command text: Discord has already split the values, so
`location:Al-Qa’im` (a typographic apostrophe, as phones type it) is the value as typed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Literal

import discord
from discord import app_commands

from bot.commands import build
from bot.commands.core import Caller, Core
from bot.commands.grammar import MAX_LIMIT, STATS_BY, VERBS, Command, GrammarError, Vocabulary
from bot.discord.answer import caller_of, send_reply
from bot.discord.channels import posting_problem
from bot.discord.failures import FailureNotices
from bot.discord.help import help_reply, usage
from bot.discord.review import add_operations
from bot.domain.replies import Reply
from bot.domain.wording import sentence_case

FIELD_DESCRIPTIONS = {
    "day": "The day it happened: YYYY-MM-DD, or yesterday, 3 days ago",
    "series": "Which series (default: the default series)",
    "time": "Local time of day: HH:MM",
    "country": "Country, e.g. Iraq",
    "location": "Base or town, e.g. Ain al-Assad",
    "actor": "Who did it",
    "kind": "drone, rocket, missile, ...",
    "quantity": "How many: drones launched, targets struck",
    "killed": "People killed",
    "wounded": "People wounded",
    "source": "Where it was reported: a URL or a name",
    "notes": "Free text",
}
FILTER_DESCRIPTIONS = {
    "series": "Which series (default: the default series)",
    "country": "Only incidents in this country, e.g. Iraq",
    "location": "Only incidents at this base or town",
    "actor": "Only incidents by this actor",
    "kind": "Only this kind: drone, rocket, missile, ...",
    "as_of": "Ask about a past day: YYYY-MM-DD",
    "public": "Show the answer to the whole channel (default: only to you)",
}
LIMIT_DESCRIPTION = f"How many to show, 1 to {MAX_LIMIT}"
# The questions that take only a series, filters and a day.
PLAIN_QUESTIONS = ("since", "pause", "chart")
Build = Callable[[date, Vocabulary], Command]
Limit = app_commands.Range[int, 1, MAX_LIMIT]
Count = app_commands.Range[int, 0, 2_000_000_000]
Id = app_commands.Range[int, 1, 2_000_000_000]


def _filters(
    country: str | None, location: str | None, actor: str | None, kind: str | None
) -> dict[str, str | None]:
    return {"country": country, "location": location, "actor": actor, "kind": kind}


class Answering:
    """Run a subcommand: defer, build its Command, ask the core, answer; tell admins of failures.

    Every failure after the defer is answered by the tree's error handler (bot/discord/tree.py).
    """

    def __init__(self, core: Core, group: app_commands.Group) -> None:
        self.core = core
        self.group = group
        self.notices = FailureNotices(core)

    async def __call__(
        self,
        interaction: discord.Interaction,
        make: Build,
        *,
        public: bool = False,
        check: Callable[[Caller], Reply | None] | None = None,
    ) -> None:
        # Discord allows three seconds for the first response: defer at once.
        await interaction.response.defer(ephemeral=not public, thinking=True)
        caller = caller_of(interaction, self.core)
        reply = check(caller) if check is not None else None
        if reply is None:
            reply = await self._reply(make, caller)
        # Read before anything is sent: once the answer is out, this interaction is done.
        notice = await self.notices.notice(caller)
        await send_reply(interaction, reply, public=public)
        if notice is not None:
            await send_reply(interaction, notice, public=False)

    async def _reply(self, make: Build, caller: Caller) -> Reply:
        try:
            command = make(self.core.today(), await self.core.vocabulary())
        except GrammarError as error:
            return self.refusal(error)
        return await self.core.execute(command, caller)

    def refusal(self, error: GrammarError) -> Reply:
        """Say what was wrong, with the subcommand's Discord usage (not the text syntax)."""
        command = self.group.get_command(error.verb) if error.verb else None
        if isinstance(command, app_commands.Command):
            return Reply.error(error.reason, f"Usage: {usage(command)}")
        return Reply.error(error.reason)


def build_group(core: Core) -> app_commands.Group:
    """Make the /incidents group bound to the command core."""
    group = app_commands.Group(
        name="incidents", description="Incidents and the pauses between them"
    )
    answer = Answering(core, group)

    async def series_choices(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        names = await core.series_names()
        typed = current.casefold()
        return [app_commands.Choice(name=n, value=n) for n in names if typed in n.casefold()][:25]

    def register(verb: str, callback: Callable[..., Awaitable[None]], **described: str) -> None:
        described = {**FILTER_DESCRIPTIONS, **described}
        wanted = {name: text for name, text in described.items() if name in _parameters(callback)}
        callback = app_commands.describe(**wanted)(callback)
        if "series" in _parameters(callback):
            callback = app_commands.autocomplete(series=series_choices)(callback)
        description = sentence_case(VERBS[verb].summary)[:100]
        group.command(name=verb, description=description)(callback)  # type: ignore[arg-type]

    def plain_question(verb: str) -> None:
        # One callback shape serves these questions; the verb is what differs.
        async def ask(
            interaction: discord.Interaction,
            series: str | None = None,
            country: str | None = None,
            location: str | None = None,
            actor: str | None = None,
            kind: str | None = None,
            as_of: str | None = None,
            public: bool = False,
        ) -> None:
            def make(today: date, words: Vocabulary) -> Command:
                filters = _filters(country, location, actor, kind)
                return build.question(
                    verb, today=today, vocabulary=words, series=series, filters=filters, as_of=as_of
                )

            await answer(interaction, make, public=public)

        register(verb, ask)

    for verb in PLAIN_QUESTIONS:
        plain_question(verb)

    async def pauses(
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
        def make(today: date, words: Vocabulary) -> Command:
            return build.question(
                "pauses",
                today=today,
                vocabulary=words,
                series=series,
                filters=_filters(country, location, actor, kind),
                limit=limit,
                as_of=as_of,
            )

        await answer(interaction, make, public=public)

    register("pauses", pauses, limit=LIMIT_DESCRIPTION)

    async def last(
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
        def make(today: date, words: Vocabulary) -> Command:
            return build.question(
                "last",
                today=today,
                vocabulary=words,
                series=series,
                filters=_filters(country, location, actor, kind),
                limit=count,
                as_of=as_of,
            )

        await answer(interaction, make, public=public)

    register("last", last, count=f"How many of the most recent (default 5, at most {MAX_LIMIT})")

    @app_commands.rename(start="from", end="to")
    async def list_(
        interaction: discord.Interaction,
        start: str,
        end: str | None = None,
        series: str | None = None,
        country: str | None = None,
        location: str | None = None,
        actor: str | None = None,
        kind: str | None = None,
        limit: Limit | None = None,
        public: bool = False,
    ) -> None:
        def make(today: date, words: Vocabulary) -> Command:
            return build.question(
                "list",
                today=today,
                vocabulary=words,
                series=series,
                filters=_filters(country, location, actor, kind),
                start=start,
                end=end,
                limit=limit,
            )

        await answer(interaction, make, public=public)

    register(
        "list",
        list_,
        start="First day: YYYY-MM-DD, or last monday, 30 days ago",
        end="Last day (default: today)",
        limit=f"How many to show (default 50, at most {MAX_LIMIT})",
    )

    @app_commands.choices(by=[app_commands.Choice(name=b, value=b) for b in STATS_BY])
    async def stats(
        interaction: discord.Interaction,
        by: str | None = None,
        series: str | None = None,
        country: str | None = None,
        location: str | None = None,
        actor: str | None = None,
        kind: str | None = None,
        as_of: str | None = None,
        public: bool = False,
    ) -> None:
        def make(today: date, words: Vocabulary) -> Command:
            return build.question(
                "stats",
                today=today,
                vocabulary=words,
                series=series,
                filters=_filters(country, location, actor, kind),
                by=by,
                as_of=as_of,
            )

        await answer(interaction, make, public=public)

    register("stats", stats, by="Count by a period or a field (default: week, country, kind)")

    async def add(
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

        def make(today: date, words: Vocabulary) -> Command:
            return build.add(today=today, day=day, fields=fields, series=series, vocabulary=words)

        await answer(interaction, make)

    register("add", add, **FIELD_DESCRIPTIONS)

    async def edit(
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

        def make(today: date, words: Vocabulary) -> Command:
            return build.edit(today=today, incident_id=incident, fields=fields)

        await answer(interaction, make)

    register("edit", edit, incident="The incident's id, from /incidents last", **FIELD_DESCRIPTIONS)

    async def delete(
        interaction: discord.Interaction, incident: Id, reason: str | None = None
    ) -> None:
        def make(today: date, words: Vocabulary) -> Command:
            return build.delete(incident_id=incident, reason=reason)

        await answer(interaction, make)

    register("delete", delete, incident="The incident's id, from /incidents last", reason="Why")

    def subscription(verb: str) -> None:
        async def subscribe(
            interaction: discord.Interaction,
            what: Literal["alerts", "digest", "reviews"],
            series: str | None = None,
            country: str | None = None,
            location: str | None = None,
            actor: str | None = None,
            kind: str | None = None,
        ) -> None:
            def make(today: date, words: Vocabulary) -> Command:
                return build.subscription(
                    verb,
                    topic=what,
                    series=series,
                    filters=_filters(country, location, actor, kind),
                    vocabulary=words,
                )

            def check(caller: Caller) -> Reply | None:
                # Refused before anything is stored: an alert there would fail for good.
                if verb != "subscribe" or not caller.is_admin:
                    return None
                return posting_problem(interaction, what)

            await answer(interaction, make, check=check)

        what = "Alerts when a pause ends, the weekly digest, or a reviewed source's candidates"
        register(verb, subscribe, what=what)

    subscription("subscribe")
    subscription("unsubscribe")

    async def subscriptions(interaction: discord.Interaction) -> None:
        await answer(interaction, lambda today, words: build.other("subscriptions"))

    register("subscriptions", subscriptions)

    @app_commands.choices(command=[app_commands.Choice(name=v, value=v) for v in VERBS])
    async def help_(interaction: discord.Interaction, command: str | None = None) -> None:
        # Help is Discord's own: its options, not the text grammar.
        await interaction.response.defer(ephemeral=True, thinking=True)
        await send_reply(interaction, help_reply(group, command), public=False)

    register("help", help_, command="A command to explain, e.g. add")
    add_operations(group, answer)
    return group


def _parameters(callback: Callable[..., object]) -> set[str]:
    code = getattr(callback, "__code__", None)
    if code is None:  # already wrapped by app_commands decorators: they keep the function
        return set()
    return set(code.co_varnames[: code.co_argcount])
