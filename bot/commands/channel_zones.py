"""A channel's time zone: which zone its days are counted in, and the `timezone` verb that sets it.

The zone of a channel is looked for in order: the channel's own (`timezone Asia/Baghdad`), then
its team's (`team timezone Europe/London`), then the bot's configured one (`PAUSEWATCH_TIMEZONE`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from difflib import get_close_matches
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands.command import Command, CommandError
from bot.commands.context import Caller
from bot.domain.replies import Reply
from bot.notify.hours import known_zone
from bot.settings import Settings
from storage import channel_settings, teams

THIS_CHANNEL = "this channel's own"
THIS_TEAM = "this team's"
DEFAULT = "the bot's default"
DEFAULT_WORD = "default"
HOW = (
    "Write an IANA zone name, e.g. `timezone Asia/Baghdad`, `timezone America/New_York`, "
    "`timezone UTC`."
)


@dataclass(frozen=True)
class ChannelZone:
    """The zone a channel counts its days in, and where it comes from."""

    zone: ZoneInfo
    origin: str

    @property
    def name(self) -> str:
        """Return the zone's IANA name."""
        return self.zone.key

    def today(self, now: datetime) -> date:
        """Return the date it is in this zone at `now`."""
        return now.astimezone(self.zone).date()

    def said(self) -> str:
        """Say the zone and where it comes from, for a reply."""
        return f"{self.name} ({self.origin})"


@cache
def _zone_names() -> dict[str, str]:
    """Return every zone name this machine knows, by its lower-case spelling."""
    return {name.lower(): name for name in available_timezones()}


def resolve(own: str | None, settings: Settings, team: str | None = None) -> ChannelZone:
    """Return a channel's zone: its own when it has one still known, else its team's, else the
    bot's default."""
    for name, origin in ((own, THIS_CHANNEL), (team, THIS_TEAM)):
        zone = known_zone(name)
        if zone is not None:
            return ChannelZone(zone, origin)
    return ChannelZone(settings.zone, DEFAULT)


async def zone_of(session: AsyncSession, caller: Caller, settings: Settings) -> ChannelZone:
    """Read the caller's channel's zone in `session`."""
    return await channel_zone(session, caller.platform, caller.channel, caller.team, settings)


async def channel_zone(
    session: AsyncSession, platform: str, channel: str, team: str | None, settings: Settings
) -> ChannelZone:
    """Read the zone of a channel of `team` (a subscription's, a caller's) in `session`."""
    own = await channel_settings.time_zone_of(session, platform, channel)
    return resolve(own, settings, await teams.time_zone_of(session, team))


def close_zones(written: str, limit: int = 3) -> list[str]:
    """Return the known zones closest to a name that is not one (by whole name or by city)."""
    names = _zone_names()
    wanted = written.strip().replace(" ", "_").lower()
    found = get_close_matches(wanted, list(names), n=limit, cutoff=0.6)
    cities: dict[str, list[str]] = {}
    for lower, name in names.items():
        cities.setdefault(lower.rsplit("/", 1)[-1], []).append(name)
    for city in get_close_matches(wanted.rsplit("/", 1)[-1], list(cities), n=limit, cutoff=0.7):
        found += [name.lower() for name in sorted(cities[city])]
    shown: list[str] = []
    for lower in found:
        if names[lower] not in shown:
            shown.append(names[lower])
    return shown[:limit]


def checked_zone(written: str) -> str:
    """Return the IANA name a zone is written as (any case); refuse a name that is none."""
    name = _zone_names().get(written.strip().lower())
    if name is not None and known_zone(name) is not None:
        return name
    close = close_zones(written)
    hint = f" Did you mean {', '.join(f'`{c}`' for c in close)}?" if close else ""
    raise CommandError(f"`{written}` is not a time zone.{hint} {HOW}")


async def timezone(
    session: AsyncSession, command: Command, caller: Caller, *, settings: Settings, now: datetime
) -> Reply:
    """Say, set or remove (`timezone default`) the caller's channel's own zone."""
    if not caller.channel:
        raise CommandError("`timezone` works in a channel: use it there.")
    written = command.topic
    if written is None:
        current = await zone_of(session, caller, settings)
        return Reply(
            headline=f"This channel counts its days in {current.said()}",
            details=(
                f"Today here is {current.today(now):%a %d %b %Y}.",
                "`timezone ZONE` sets this channel's own (admins); `timezone default` removes it.",
            ),
        )
    if written.lower() == DEFAULT_WORD:
        before = await channel_settings.set_time_zone(
            session,
            caller.platform,
            caller.channel,
            None,
            actor=caller.user,
            now=now,
            team=caller.team,
        )
        default = resolve(None, settings, await teams.time_zone_of(session, caller.team))
        if before is None:
            return Reply(headline=f"This channel already counts its days in {default.said()}")
        return Reply(
            headline=f"This channel counts its days in {default.said()} again",
            details=(f"It was {before}.",),
        )
    name = checked_zone(written)
    before = await channel_settings.set_time_zone(
        session, caller.platform, caller.channel, name, actor=caller.user, now=now, team=caller.team
    )
    chosen = resolve(name, settings)
    details = [f"Today here is {chosen.today(now):%a %d %b %Y}."]
    if before not in (None, name):
        details.append(f"It was {before}.")
    return Reply(headline=f"This channel counts its days in {name} now", details=tuple(details))
