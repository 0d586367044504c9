"""Who is answered on Discord and who may write: the allowed servers, admin roles by id.

A Discord bot is public by default: anyone may invite it to a server of their own and make a
role of any name there. So a server is trusted only when the settings name it, a role only
by its id and only in such a server, and a user named in `admins` is trusted by their id,
which Discord vouches for wherever they ask.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.access import AccessSettings
from bot.domain.replies import Reply


@dataclass(frozen=True)
class Asker:
    """What an interaction says of who asked and where, as Discord sent it."""

    user_id: int
    guild_id: int | None  # None in a DM or a group DM
    role_ids: frozenset[int] = frozenset()
    manages_server: bool = False


@dataclass(frozen=True)
class Access:
    """Whether the asker is answered at all, and whether they may write."""

    answered: bool
    admin: bool


def access_of(asker: Asker, settings: AccessSettings) -> Access:
    """Decide what an asker may do under the settings."""
    allowed = settings.discord_guild_ids
    in_allowed_server = asker.guild_id is not None and asker.guild_id in allowed
    answered = not allowed or in_allowed_server or settings.discord_open_reads
    if not answered:
        return Access(answered=False, admin=False)
    by_role = bool(asker.role_ids & set(settings.discord_admin_role_ids))
    by_permission = settings.discord_manage_server_admins and asker.manages_server
    admin = settings.is_admin(str(asker.user_id)) or (
        in_allowed_server and (by_role or by_permission)
    )
    return Access(answered=True, admin=admin)


def refusal(asker: Asker) -> Reply:
    """Say, briefly, that this bot answers only in its team's servers."""
    where = "in a DM" if asker.guild_id is None else "in this server"
    return Reply.error(
        f"pausewatch does not answer {where}: it belongs to another team's server.",
        "Its admins choose where it answers (discord_guild_ids).",
    )
