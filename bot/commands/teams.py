"""Teams: what names a team, which series it sees and writes, and who writes the shared ones.

A team is a Slack workspace ("slack:T0123") or a Discord server ("discord:4567"). The incident
data is shared: every team reads the shared series (a series with no team), and the admins of
the owner teams (`owner_teams`; with none named, every team's, as in an install serving one
team) write them. A team's admins may make series of their own, which only that team sees and
writes. The install's own tools (console, CLI, API tokens) have no team: they answer to the
operators, who see and write everything, as do the users named in `admins`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bot.access import AccessSettings
from bot.commands.context import Caller, Context
from bot.domain.replies import Reply
from storage import teams
from storage.catalog import SeriesRef

# The team of someone asking from no team's place (a Discord DM, a Slack request that names no
# workspace): it owns nothing and nobody administers it, so they read the shared series alone.
# (None would be the install's own tools, which see every series.)
NOWHERE = "nowhere"


def team_key(platform: str, team_id: object) -> str | None:
    """Return the name of the team a platform's workspace or server id is (None for none)."""
    if team_id is None or team_id == "":
        return None
    return f"{platform}:{team_id}"


def place_team(platform: str, team_id: object) -> str:
    """Return the team of a place people ask from: its workspace's or server's, else NOWHERE."""
    return team_key(platform, team_id) or NOWHERE


def is_operator(caller: Caller, settings: AccessSettings) -> bool:
    """Say whether the caller speaks for the install: an admin of its own tools (the terminal,
    a write token), or a user in `admins`."""
    return (caller.team is None and caller.is_admin) or settings.is_admin(caller.user)


def owns_shared(team: str | None, settings: AccessSettings) -> bool:
    """Say whether a team's admins write the shared series (NOWHERE's never do)."""
    if team == NOWHERE:
        return False
    return team is None or not settings.owner_teams or team in settings.owner_teams


def sees(series_team: str | None, caller: Caller) -> bool:
    """Say whether the caller may read a series owned by `series_team` (None: shared).

    Without a team, only an admin (the terminal, a write token) speaks for the install: an
    anonymous or read-only reader of the board and API sees the shared series alone.
    """
    if series_team is None or series_team == caller.team:
        return True
    return caller.team is None and caller.is_admin


def seen_names(catalog: Mapping[str, SeriesRef], caller: Caller) -> set[str]:
    """Return the names of the series in `catalog` the caller sees."""
    return {ref.name for ref in catalog.values() if sees(ref.team, caller)}


def writes(series_team: str | None, caller: Caller, settings: AccessSettings) -> bool:
    """Say whether the caller may write a series owned by `series_team` (None: shared)."""
    if not caller.is_admin:
        return False
    if is_operator(caller, settings):
        return True
    if series_team is None:
        return owns_shared(caller.team, settings)
    return series_team == caller.team


def manages_source(source_team: str | None, caller: Caller, settings: AccessSettings) -> bool:
    """Say whether the caller may list, run and remove a source added from `source_team`.

    A team manages the sources it added; the ones the install added (None) are the owner
    teams' to manage, as they feed the shared series.
    """
    if is_operator(caller, settings) or source_team == caller.team:
        return True
    return source_team is None and owns_shared(caller.team, settings)


def written_teams(caller: Caller, settings: AccessSettings) -> list[str | None] | None:
    """Return the owners of the series the caller writes (None in it: the shared ones); None
    for every series, when the caller speaks for the install."""
    if is_operator(caller, settings):
        return None
    if not caller.is_admin:
        return []
    owned: list[str | None] = [caller.team]
    return [*owned, None] if owns_shared(caller.team, settings) else owned


def not_a_team_admin(verb: str) -> Reply:
    """Refuse a change to a team member who is not one of its admins, and say who are."""
    return Reply.error(
        f"Only this team's admins may `{verb}`; you can ask questions such as `since`.",
        "`team` says who its admins are; one of them can name you with `team admin add`.",
    )


def not_an_owner(series: str, settings: AccessSettings) -> str:
    """Say why a team's admin may not write a shared series, and what they may do instead."""
    owners = ", ".join(settings.owner_teams)
    return (
        f"`{series}` is shared by every team and written by its owner teams ({owners}): "
        "ask one of their admins. Your team's admins may keep a series of your own: "
        "`team series add NAME`."
    )


async def team_admin(
    context: Context,
    *,
    team: str | None,
    user: str,
    born_admin: bool,
    role_ids: Iterable[str] = (),
) -> bool:
    """Say whether a user is an admin of their team.

    `born_admin` is the platform's word (a Slack workspace's admin or owner; a Discord member
    with Manage Server in a server the settings trust); besides, the operators (`admins`) and
    the users and roles the team's admins named (`team admin add`) are.
    """
    if born_admin or context.settings.is_admin(user):
        return True
    if team is None:
        return False
    async with context.database.read() as session:
        facts = await teams.facts_of(session, team)
    return user in facts.admin_users or bool(set(role_ids) & set(facts.admin_roles))
