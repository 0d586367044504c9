"""Who is answered on Discord, from which team, and who may be its admin: the pure decision.

A Discord bot is public by default: anyone may invite it to a server of their own and make a
role of any name there. So a server is a team only when the settings name it
(`discord_guild_ids`); in it, a member with Manage Server (unless
`discord_manage_server_admins` is off), a role id of `discord_admin_role_ids`, or a user or
role its admins named (`team admin add`, read by bot/commands/teams.py) is its admin. Anywhere
else (a stranger's server answered through `discord_open_reads`, every server when none is
named, a DM) only questions are answered, whatever a member's roles or permissions: writes,
subscriptions, sources and team changes are refused with why. A DM belongs to no team: it
reads the shared series alone. The users in `admins` (the install's operators) are trusted by
their id, which Discord vouches for wherever they ask.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.access import AccessSettings
from bot.commands.command import Command
from bot.commands.teams import NOWHERE, team_key
from bot.commands.verbs import ADMIN_VERBS
from bot.domain.replies import Reply

# A DM's "team": one no series and no setting belongs to, so a DM reads the shared series
# alone (None would be the install's own tools, which see every team's series).
DM_TEAM = NOWHERE


@dataclass(frozen=True)
class Asker:
    """What an interaction says of who asked and where, as Discord sent it."""

    user_id: int
    guild_id: int | None  # None in a DM or a group DM
    role_ids: frozenset[int] = frozenset()
    manages_server: bool = False


@dataclass(frozen=True)
class Access:
    """Whether the asker is answered, for which team, and what may make them its admin.

    `born_admin` is Discord's word (Manage Server, or a configured role id) in an allowed
    server; `role_ids` are the member's roles there, which the team's named admin roles are
    matched against. Outside an allowed server both are empty: nothing there makes an admin
    but being an operator.
    """

    answered: bool
    team: str | None
    trusted: bool  # asked in an allowed server, which is a team
    operator: bool  # a user named in `admins`
    born_admin: bool = False
    role_ids: tuple[str, ...] = ()


def access_of(asker: Asker, settings: AccessSettings) -> Access:
    """Decide what an asker may do under the settings (the team's named admins aside)."""
    allowed = settings.discord_guild_ids
    trusted = asker.guild_id is not None and asker.guild_id in allowed
    answered = not allowed or trusted or settings.discord_open_reads
    operator = settings.is_admin(str(asker.user_id))
    team = team_key("discord", asker.guild_id)
    if team is None and not operator:
        team = DM_TEAM
    if not answered or not trusted:
        return Access(answered=answered, team=team, trusted=False, operator=operator)
    by_role = bool(asker.role_ids & set(settings.discord_admin_role_ids))
    by_permission = settings.discord_manage_server_admins and asker.manages_server
    return Access(
        answered=True,
        team=team,
        trusted=True,
        operator=operator,
        born_admin=by_role or by_permission,
        role_ids=tuple(sorted(str(role) for role in asker.role_ids)),
    )


def changes(command: Command) -> bool:
    """Say whether a command changes anything (or runs a source): only a team's admins may.

    A channel's zone or quiet hours only asked about (`timezone`, `quiet`) change nothing.
    """
    if command.only_asks:
        return False
    return command.verb in ADMIN_VERBS or command.verb == "team"


def refused_here(asker: Asker, settings: AccessSettings, command: Command) -> Reply | None:
    """Refuse, saying why, a change asked where nothing may be changed; None where it may be.

    Outside an allowed server nobody but an operator changes anything, whatever their roles
    or permissions there: the team's admins decide in the team's own servers. `team` itself
    is refused there too, since no team is there to describe.
    """
    access = access_of(asker, settings)
    if access.trusted or access.operator or not changes(command):
        return None
    if asker.guild_id is None:
        return Reply.error(
            "A DM belongs to no team: here pausewatch answers questions on the shared series.",
            "Changes (add, subscribe, sources, team) are made in your team's server, by its "
            "admins.",
        )
    if not settings.discord_guild_ids:
        return Reply.error(
            "No server is a team here yet: only pausewatch's operators (admins) change anything.",
            "Its operators name their servers in discord_guild_ids "
            "(PAUSEWATCH_DISCORD_GUILD_IDS); then those servers' admins write there.",
        )
    return Reply.error(
        "This server is not one of the servers pausewatch serves: here it answers questions only.",
        "Writes, subscriptions, sources and team changes are made in its own servers "
        "(discord_guild_ids), whatever roles or permissions a member has here.",
    )


def refusal(asker: Asker) -> Reply:
    """Say, briefly, that this bot answers only in its team's servers."""
    where = "in a DM" if asker.guild_id is None else "in this server"
    return Reply.error(
        f"pausewatch does not answer {where}: it belongs to another team's server.",
        "Its admins choose where it answers (discord_guild_ids).",
    )
