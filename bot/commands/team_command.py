"""The `team` verb: what a team is here (its zone, its admins, its series), and its admins' changes.

`team` says it to anyone in the team; `team timezone ZONE|default`, `team admin add|remove
USER|ROLE` and `team series add NAME` are for the team's admins (bot/commands/teams.py).
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands.channel_zones import DEFAULT_WORD, checked_zone, resolve
from bot.commands.command import Command, CommandError
from bot.commands.context import Caller, Context
from bot.commands.plain_words import FILLERS
from bot.commands.teams import NOWHERE, is_operator, owns_shared
from bot.commands.verbs import SUBSCRIPTION_KINDS, TEAM_TOPICS, VERBS
from bot.commands.words import read_day
from bot.domain.fields import FieldError
from bot.domain.replies import Reply
from bot.settings import Settings, is_series_name
from storage import teams
from storage.catalog import series_by_name, series_names
from storage.models import Series
from storage.writes import audit

NO_TEAM = (
    "The install's own tools (this terminal, the CLI, API tokens) belong to no team: they see "
    "and write every series. Teams are the Slack workspaces and Discord servers it serves."
)
# Who a team's admins are, besides the ones named with `team admin add`.
BORN_ADMINS = {
    "slack": "the workspace's admins and owners",
    "discord": "members with the Manage Server permission",
}
# A user or a role as people paste them: Slack <@U0123|name>, Discord <@123>, <@!123>, <@&123>.
MENTION = re.compile(r"^<@([!&]?)([A-Za-z0-9]+)(?:\|[^>]*)?>$")
SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,30}$")
DISCORD_ID = re.compile(r"^[0-9]{1,20}$")
ADMIN_HOW = (
    "Write `team admin add @someone` (a mention, or a member id: U0123ABCD on Slack, digits "
    "on Discord); on Discord a role too: `team admin add @Analysts` or `team admin add role:ID`."
)


async def execute(context: Context, command: Command, caller: Caller) -> Reply:
    """Carry out `team ...` for the caller's team."""
    if caller.team is None:
        if command.topic is None:
            return Reply(headline="No team here", details=(NO_TEAM,))
        raise CommandError(
            f"`team {command.topic}` is for a team's admins in their team. {NO_TEAM}"
        )
    if caller.team == NOWHERE:
        return Reply.error(
            "No team here: a DM belongs to no team, so it reads the shared series alone.",
            "Ask `team` in a channel of your workspace or server.",
        )
    if command.topic is None:
        async with context.database.read() as session:
            return await described(session, caller, context.settings)
    if not caller.is_admin:
        raise CommandError(
            f"Only this team's admins change it ({BORN_ADMINS.get(caller.platform, 'its admins')}"
            ", or members named with `team admin add`). `team` shows who they are."
        )
    now = context.clock()
    async with context.database.write() as session:
        if command.topic == "timezone":
            return await _time_zone(session, command, caller, context.settings, now)
        if command.topic == "admin":
            return await _admins(session, command, caller, now)
        return await _own_series(session, command, caller, context.settings, now)


async def described(session: AsyncSession, caller: Caller, settings: Settings) -> Reply:
    """Say what the caller's team is here: zone, admins, and the series it reads and writes."""
    assert caller.team is not None
    facts = await teams.facts_of(session, caller.team)
    zone = resolve(None, settings, facts.time_zone)
    own = await teams.own_series(session, caller.team)
    shared = [name for name in await series_names(session, caller.team) if name not in own]
    named = [f"<@{user}>" for user in facts.admin_users]
    named += [f"<@&{role}>" for role in facts.admin_roles]
    born = BORN_ADMINS.get(caller.platform, "")
    if caller.platform == "discord" and not settings.discord_manage_server_admins:
        born = "the roles named in discord_admin_role_ids"
    writes_shared = owns_shared(caller.team, settings)
    details = [
        f"Time zone: {zone.said()}; a channel may have its own (`timezone ZONE`).",
        f"Admins: {born}" + (f", and {', '.join(named)}" if named else "") + ".",
        f"Shared series ({', '.join(shared) or 'none'}): "
        + ("this team writes them." if writes_shared else "read here, written by the owner teams."),
        f"Own series: {', '.join(own)}."
        if own
        else "Own series: none yet (`team series add NAME`).",
    ]
    if is_operator(caller, settings):
        details.append("You are one of the install's operators: you write every series.")
    role = "an admin" if caller.is_admin else "a member"
    return Reply(headline=f"Team {caller.team}; you are {role}", details=tuple(details))


async def _time_zone(
    session: AsyncSession, command: Command, caller: Caller, settings: Settings, now: datetime
) -> Reply:
    assert caller.team is not None
    if len(command.words) != 1:
        raise CommandError(
            "`team timezone` takes one zone name, e.g. `team timezone Europe/London`, or `default`."
        )
    written = command.words[0]
    name = None if written.lower() == DEFAULT_WORD else checked_zone(written)
    before = await teams.set_time_zone(session, caller.team, name, actor=caller.user, now=now)
    audit(session, now, caller.user, "team-timezone", None, None, {"zone": name}, caller.team)
    chosen = resolve(None, settings, name)
    details = ["A channel with a zone of its own (`timezone`) keeps it."]
    if before not in (None, name):
        details.insert(0, f"It was {before}.")
    return Reply(headline=f"This team counts its days in {chosen.said()}", details=tuple(details))


def _who(written: str, platform: str) -> tuple[str, str]:
    """Read a user or a role as written; return ("user"|"role", id)."""
    found = MENTION.match(written)
    kind, ident = (
        ("role" if found.group(1) == "&" else "user", found.group(2))
        if found
        else (
            "user",
            written,
        )
    )
    if written.lower().startswith("role:"):
        kind, ident = "role", written[5:]
    if platform == "slack" and kind == "user" and SLACK_USER.match(ident):
        return kind, ident
    if platform == "discord" and DISCORD_ID.match(ident):
        return kind, ident
    raise CommandError(f"`{written}` is not a member or a role of this team. {ADMIN_HOW}")


async def _admins(session: AsyncSession, command: Command, caller: Caller, now: datetime) -> Reply:
    assert caller.team is not None
    action = command.words[0].lower() if command.words else ""
    if action not in ("add", "remove") or len(command.words) < 2:
        raise CommandError(f"Say `team admin add` or `team admin remove`, then who. {ADMIN_HOW}")
    named = [_who(word, caller.platform) for word in command.words[1:]]
    users = tuple(ident for kind, ident in named if kind == "user")
    roles = tuple(ident for kind, ident in named if kind == "role")
    after = await teams.change_admins(
        session,
        caller.team,
        users=users,
        roles=roles,
        add=action == "add",
        actor=caller.user,
        now=now,
    )
    audit(
        session,
        now,
        caller.user,
        f"admin-{action}",
        None,
        None,
        {"users": users, "roles": roles},
        caller.team,
    )
    listed = [f"<@{user}>" for user in after.admin_users] + [f"<@&{r}>" for r in after.admin_roles]
    done = "Added" if action == "add" else "Removed"
    return Reply(
        headline=f"{done} {len(named)} named admin{'s' if len(named) != 1 else ''} of this team",
        details=(
            f"Named admins now: {', '.join(listed) or 'none'}; "
            f"{BORN_ADMINS.get(caller.platform, 'its own admins')} are admins too.",
        ),
    )


async def _own_series(
    session: AsyncSession, command: Command, caller: Caller, settings: Settings, now: datetime
) -> Reply:
    assert caller.team is not None
    words = command.words
    if len(words) != 2 or words[0].lower() != "add":
        raise CommandError("Write `team series add NAME`, e.g. `team series add outages`.")
    name = words[1].lower()
    if not is_series_name(name):
        raise CommandError(
            f"`{words[1]}` is not a series name; use letters, digits, - and _, e.g. outages."
        )
    if _read_otherwise(name, now):
        raise CommandError(
            f"`{name}` already means something in a command (a day, a command or a common "
            "word): "
            "choose another name, e.g. outages."
        )
    if await series_by_name(session, name) is not None or name in settings.series:
        raise CommandError(f"`{name}` is taken: choose another name, e.g. `{name}-2`.")
    series = Series(name=name, revision=0, created_at=now, team=caller.team)
    session.add(series)
    await session.flush()
    audit(session, now, caller.user, "series-add", series.id, None, {"name": name}, caller.team)
    return Reply(
        headline=f"Made the series {name}, seen and written only by this team",
        details=(
            f"Record into it with `add DATE {name} ...`; ask with `since {name}`; "
            f"`subscribe alerts {name}` posts its alerts here.",
        ),
    )


def _read_otherwise(name: str, now: datetime) -> bool:
    """Say whether a command would read `name` as something else than a series: a day
    ("today", "monday"), a command ("since"), a common word ("the") or a subscription's kind."""
    if name in VERBS or name in FILLERS or name in SUBSCRIPTION_KINDS or name in TEAM_TOPICS:
        return True
    try:
        return read_day(name, today=now.date()) is not None
    except FieldError:
        return True
