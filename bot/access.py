"""The settings that keep a team's data its own: who writes, who reads, what may be fetched."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode

# A hostname as DNS spells it (labels of letters, digits and hyphens), for source_allow_hosts.
HOSTNAME = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$"
)
# A team as the settings and the database name it (bot/teams.py).
TEAM = re.compile(r"^(slack:[A-Z0-9]{2,30}|discord:[0-9]{1,20})$")
ROLE_BY_NAME = (
    "a role's name can be copied by anyone who makes a server of their own: name the role by "
    "its id instead, with discord_admin_role_ids (PAUSEWATCH_DISCORD_ADMIN_ROLE_IDS; in "
    "Discord: Server Settings → Roles → ⋯ → Copy Role ID)"
)


def _split(value: Any) -> Any:
    # A list in the TOML file, or "a, b" in one environment variable.
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _digits(value: Any, what: str) -> Any:
    parts = _split(value)
    if isinstance(parts, list) and all(isinstance(part, str) for part in parts):
        if not all(part.isdigit() for part in parts):
            raise ValueError(f"{value!r}: write {what} ids as digits, separated by commas")
        return [int(part) for part in parts]
    return parts


class AccessSettings(BaseSettings):
    """Who may write and read, on each platform and over HTTP, and which hosts sources may read.

    Every default is the closed one: nothing is public, no server is trusted by a role's name,
    and a source may read only public addresses.
    """

    # The install's operators (Slack member ids, Discord user ids): admins in every team,
    # writing the shared series wherever they ask.
    admins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # The teams whose admins write the shared series ("slack:T0123", "discord:4567"); empty:
    # every team does, as in an install that serves one team (bot/teams.py).
    owner_teams: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Discord: the servers the bot answers in (and syncs its commands to); empty: every server
    # may read, and only `admins` write.
    discord_guild_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    # Discord: members of an allowed server holding one of these roles (by id) are admins.
    discord_admin_role_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    # Discord: members with the Manage Server permission are admins of their allowed server
    # (that server's team, in it alone); false: only role ids, named admins and `admins` are.
    discord_manage_server_admins: bool = True
    # Discord: with allowed servers given, whether other servers and DMs may still ask.
    discord_open_reads: bool = False
    # Gone: kept only to say what to write instead (see ROLE_BY_NAME).
    discord_admin_role: str | None = None
    # HTTP: which reads need no token (a read or write token otherwise).
    api_public: bool = False
    board_public: bool = False
    badge_public: bool = False
    # Sources: hosts or ranges a source may read although they are not public addresses
    # (an intranet sheet: "sheets.intranet", "10.20.0.0/16"), and how much one fetch may read.
    source_allow_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    source_max_bytes: int = Field(default=100 * 1024 * 1024, ge=1024)

    @field_validator("admins", mode="before")
    @classmethod
    def _split_admins(cls, value: Any) -> Any:
        return _split(value)

    @field_validator("owner_teams", mode="before")
    @classmethod
    def _split_owners(cls, value: Any) -> Any:
        return _split(value)

    @field_validator("owner_teams")
    @classmethod
    def _owner_teams(cls, value: list[str]) -> list[str]:
        for entry in value:
            if not TEAM.match(entry):
                raise ValueError(
                    f"{entry!r} is not a team: write slack:WORKSPACE_ID (e.g. slack:T0123ABCD, "
                    "from the workspace's URL or `team` in it) or discord:SERVER_ID (e.g. "
                    "discord:81384788765712384; right-click the server → Copy Server ID)"
                )
        return value

    @field_validator("discord_guild_ids", mode="before")
    @classmethod
    def _split_guilds(cls, value: Any) -> Any:
        return _digits(value, "server")

    @field_validator("discord_admin_role_ids", mode="before")
    @classmethod
    def _split_roles(cls, value: Any) -> Any:
        return _digits(value, "role")

    @field_validator("discord_admin_role")
    @classmethod
    def _no_role_by_name(cls, value: str | None) -> str | None:
        if value is not None:
            raise ValueError(ROLE_BY_NAME)
        return value

    @field_validator("source_allow_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: Any) -> Any:
        return _split(value)

    @field_validator("source_allow_hosts")
    @classmethod
    def _hosts(cls, value: list[str]) -> list[str]:
        for entry in value:
            if not allowed_entry_is_valid(entry):
                raise ValueError(
                    f"{entry!r} is not a host name, an address or a range; write e.g. "
                    "sheets.intranet, 10.20.0.5 or 10.20.0.0/16"
                )
        return [entry.lower().rstrip(".") for entry in value]

    @model_validator(mode="after")
    def _roles_need_servers(self) -> AccessSettings:
        # A role id or a permission means something only in a server the settings trust;
        # Manage Server counts by default, so only a true written down is refused here.
        manage_written = (
            "discord_manage_server_admins" in self.model_fields_set
            and self.discord_manage_server_admins
        )
        if (self.discord_admin_role_ids or manage_written) and not self.discord_guild_ids:
            raise ValueError(
                "discord_admin_role_ids and discord_manage_server_admins make admins only in the "
                "servers named by discord_guild_ids (PAUSEWATCH_DISCORD_GUILD_IDS): name your "
                "servers' ids there (in Discord: right-click the server → Copy Server ID)"
            )
        return self

    def is_admin(self, user: str) -> bool:
        """Say whether a platform user is named an admin in the settings."""
        return user in self.admins


def allowed_entry_is_valid(entry: str) -> bool:
    """Say whether an entry of source_allow_hosts is a host name, an address or a range."""
    text = entry.strip().lower()
    try:
        ipaddress.ip_network(text, strict=False)
        return True
    except ValueError:
        return "/" not in text and bool(HOSTNAME.match(text))
