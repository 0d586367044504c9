"""The /incidents app command group: one subcommand per verb, passed through the command core."""

from __future__ import annotations

import io
import shlex
from typing import Literal

import discord
from discord import app_commands

from bot.commands.core import Caller, Core
from bot.commands.grammar import VERBS
from bot.discord.render import render_embed
from bot.discord.review import add_operations

FIELD_DESCRIPTIONS = {
    "day": "The day it happened: YYYY-MM-DD",
    "series": "Which series (default: the default series)",
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

# The questions that take a series and filters; `list` takes a range instead.
QUESTIONS = ("since", "pause", "pauses", "last", "stats", "chart")
SUBSCRIBING = {key: FILTER_DESCRIPTIONS[key] for key in ("series", "country", "kind")}


def compose(verb: str, *words: str | None, **keys: str | int | None) -> str:
    """Write a command in the core's grammar from a slash command's options."""
    parts = [verb, *(w for w in words if w)]
    for key, value in keys.items():
        if value is None or value == "":
            continue
        if key == "as_of":
            parts += ["as-of", shlex.quote(str(value))]
        else:
            parts.append(f"{key}:{shlex.quote(str(value))}")
    return " ".join(parts)


def caller_of(interaction: discord.Interaction, core: Core) -> Caller:
    """Say who asked: an admin by user id (PAUSEWATCH_ADMINS) or by the configured role."""
    user = interaction.user
    by_id = core.settings.is_admin(str(user.id))
    roles = getattr(user, "roles", [])
    by_role = any(role.name == core.settings.discord_admin_role for role in roles)
    channel = str(interaction.channel_id) if interaction.channel_id is not None else ""
    return Caller(str(user.id), by_id or by_role, "discord", channel)


async def answer(interaction: discord.Interaction, core: Core, text: str, public: bool) -> None:
    """Defer at once (Discord allows three seconds), then answer with an embed and any chart."""
    await interaction.response.defer(ephemeral=not public, thinking=True)
    reply = await core.handle(text, caller_of(interaction, core))
    files = [discord.File(io.BytesIO(a.content), filename=a.filename) for a in reply.attachments]
    await interaction.followup.send(
        embed=render_embed(reply), files=files, ephemeral=not public or reply.is_error
    )


def build_group(core: Core) -> app_commands.Group:
    """Make the /incidents group bound to the command core."""
    group = app_commands.Group(
        name="incidents", description="Incidents and the pauses between them"
    )

    async def series_choices(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        names = await core.series_names()
        return [app_commands.Choice(name=n, value=n) for n in names if current.lower() in n][:25]

    def question(verb: str, description: str) -> None:
        # One callback shape serves every question; the verb is what differs.
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
            filters = {"country": country, "location": location, "actor": actor, "kind": kind}
            text = compose(verb, series=series, **filters, as_of=as_of)
            await answer(interaction, core, text, public)

        described = app_commands.describe(**FILTER_DESCRIPTIONS)(ask)
        completed = app_commands.autocomplete(series=series_choices)(described)
        group.command(name=verb, description=description)(completed)

    for verb in QUESTIONS:
        question(verb, VERBS[verb].summary.capitalize())

    @group.command(name="list", description="The incidents in a range of days")
    @app_commands.describe(
        start="First day, YYYY-MM-DD",
        end="Last day, YYYY-MM-DD (default: today)",
        series=FILTER_DESCRIPTIONS["series"],
        public=FILTER_DESCRIPTIONS["public"],
    )
    @app_commands.autocomplete(series=series_choices)
    async def list_(
        interaction: discord.Interaction,
        start: str,
        end: str | None = None,
        series: str | None = None,
        public: bool = False,
    ) -> None:
        text = compose("list", series=series, **{"from": start, "to": end})
        await answer(interaction, core, text, public)

    @group.command(name="add", description="Record an incident (admins)")
    @app_commands.describe(**FIELD_DESCRIPTIONS)
    @app_commands.autocomplete(series=series_choices)
    async def add(
        interaction: discord.Interaction,
        day: str,
        series: str | None = None,
        country: str | None = None,
        location: str | None = None,
        actor: str | None = None,
        kind: str | None = None,
        quantity: app_commands.Range[int, 0] | None = None,
        killed: app_commands.Range[int, 0] | None = None,
        wounded: app_commands.Range[int, 0] | None = None,
        source: str | None = None,
        notes: str | None = None,
    ) -> None:
        text = compose(
            "add",
            date=day,
            series=series,
            country=country,
            location=location,
            actor=actor,
            kind=kind,
            quantity=quantity,
            killed=killed,
            wounded=wounded,
            source=source,
            notes=notes,
        )
        await answer(interaction, core, text, public=False)

    @group.command(name="edit", description="Change fields of an incident by its id (admins)")
    @app_commands.describe(
        incident="The incident's id, from /incidents last",
        **{name: text for name, text in FIELD_DESCRIPTIONS.items() if name != "series"},
    )
    async def edit(
        interaction: discord.Interaction,
        incident: int,
        day: str | None = None,
        country: str | None = None,
        location: str | None = None,
        actor: str | None = None,
        kind: str | None = None,
        quantity: app_commands.Range[int, 0] | None = None,
        killed: app_commands.Range[int, 0] | None = None,
        wounded: app_commands.Range[int, 0] | None = None,
        source: str | None = None,
        notes: str | None = None,
    ) -> None:
        text = compose(
            "edit",
            str(incident),
            date=day,
            country=country,
            location=location,
            actor=actor,
            kind=kind,
            quantity=quantity,
            killed=killed,
            wounded=wounded,
            source=source,
            notes=notes,
        )
        await answer(interaction, core, text, public=False)

    @group.command(name="delete", description="Delete an incident by its id (admins)")
    @app_commands.describe(incident="The incident's id, from /incidents last", reason="Why")
    async def delete(
        interaction: discord.Interaction, incident: int, reason: str | None = None
    ) -> None:
        await answer(
            interaction, core, compose("delete", str(incident), reason=reason), public=False
        )

    @group.command(name="subscribe", description="Post alerts or the weekly digest here (admins)")
    @app_commands.describe(what="Alerts when a pause ends, or the weekly digest", **SUBSCRIBING)
    @app_commands.autocomplete(series=series_choices)
    async def subscribe(
        interaction: discord.Interaction,
        what: Literal["alerts", "digest", "reviews"],
        series: str | None = None,
        country: str | None = None,
        kind: str | None = None,
    ) -> None:
        text = compose("subscribe", what, series=series, country=country, kind=kind)
        await answer(interaction, core, text, public=False)

    @group.command(name="unsubscribe", description="Stop alerts or the digest here (admins)")
    @app_commands.describe(what="Alerts or the weekly digest", **SUBSCRIBING)
    @app_commands.autocomplete(series=series_choices)
    async def unsubscribe(
        interaction: discord.Interaction,
        what: Literal["alerts", "digest", "reviews"],
        series: str | None = None,
        country: str | None = None,
        kind: str | None = None,
    ) -> None:
        text = compose("unsubscribe", what, series=series, country=country, kind=kind)
        await answer(interaction, core, text, public=False)

    @group.command(name="help", description="The commands, or one in detail")
    @app_commands.describe(command="A command to explain, e.g. add")
    async def help_(interaction: discord.Interaction, command: str | None = None) -> None:
        await answer(interaction, core, compose("help", command), public=False)

    add_operations(group, core, answer)
    return group
