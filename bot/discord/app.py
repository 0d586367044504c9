"""The Discord client: the /incidents commands synced at start, and the gateway connection."""

from __future__ import annotations

import asyncio
import logging

import discord
import discord.http

from bot.commands.core import Core
from bot.commands.review_messages import originals_of
from bot.discord import messages, review
from bot.discord.answer import NO_MENTIONS
from bot.discord.sender import DiscordSender
from bot.discord.settings import DiscordSettings
from bot.discord.tree import build_tree
from bot.settings import StartupError

log = logging.getLogger(__name__)
UNGUARDED = (
    "pausewatch answers on Discord in every server that adds it, and its commands are synced "
    "to all of them: anyone may read, and only the users in PAUSEWATCH_ADMINS may write. To "
    "keep it to your team, set PAUSEWATCH_DISCORD_GUILD_IDS to your servers' ids, and turn off "
    '"Public Bot" in the Developer Portal (Bot) so that nobody else can invite it'
)


class PausewatchClient(discord.Client):
    """A client with no privileged intent: of people's messages it reads mentions and DMs.

    The message intents (not privileged) bring MESSAGE_CREATE; without the privileged
    message-content intent, Discord leaves the content empty except in messages that mention
    the bot and in DMs, which are the questions asked of it (bot/discord/messages.py).
    """

    def __init__(self, core: Core) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        intents.guild_messages = True
        intents.dm_messages = True
        # No mention from anything the bot sends, whichever call sends it.
        super().__init__(intents=intents, allowed_mentions=NO_MENTIONS)
        self.core = core
        self.tree = build_tree(self, core)
        self.ready_count = 0
        review.register(self)
        messages.register(self, core)

    async def setup_hook(self) -> None:
        """Sync the commands once per start (not in on_ready, which fires on every resume).

        With allowed servers, the commands are synced to those servers alone, and the global
        set is emptied: commands synced globally by an earlier start would stay in every
        server otherwise.
        """
        guild_ids = self.core.settings.discord_guild_ids
        for guild_id in guild_ids:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)
        if guild_ids:
            self.tree.clear_commands(guild=None)
        await self.tree.sync()
        if guild_ids:
            log.warning("pausewatch's Discord commands are synced to the servers %s", guild_ids)
        else:
            log.warning(UNGUARDED)

    async def on_ready(self) -> None:
        """Say that the gateway is connected; this fires again after a session is replaced."""
        self.ready_count += 1
        log.warning("pausewatch is connected to Discord as %s", self.user)


class DiscordPlatform:
    """Discord for the platform runner."""

    def __init__(self, core: Core, discord_settings: DiscordSettings) -> None:
        assert discord_settings.discord_token is not None
        if discord_settings.discord_api_url:
            # discord.py keeps its API address in one class attribute.
            discord.http.Route.BASE = discord_settings.discord_api_url
        self.token = discord_settings.discord_token.get_secret_value()
        self.client = PausewatchClient(core)
        self.sender = DiscordSender(self.client.http, originals_of(core.database))

    async def connect(self) -> None:
        """Log in over HTTP; a refused token stops start-up."""
        try:
            await self.client.login(self.token)
        except discord.LoginFailure:
            await self.client.close()
            raise StartupError(
                "Discord refused DISCORD_TOKEN: copy the bot's token again from the Developer "
                "Portal (Bot → Reset Token)"
            ) from None

    def is_connected(self) -> bool:
        """Say whether the gateway connection is up and ready, for /readyz."""
        client = self.client
        socket = client.ws
        return client.is_ready() and not client.is_closed() and socket is not None and socket.open

    def after_write(self) -> None:
        """Nothing on Discord shows incidents by itself."""

    async def serve(self, stop: asyncio.Event) -> None:
        """Stay connected to the gateway until `stop` is set."""
        gateway = asyncio.create_task(self.client.connect(reconnect=True))
        stopping = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait([gateway, stopping], return_when=asyncio.FIRST_COMPLETED)
        finally:
            await self.client.close()
            stopping.cancel()
        if gateway.done() and not gateway.cancelled() and gateway.exception() is not None:
            raise gateway.exception()  # type: ignore[misc]
