"""Questions by message on Discord: a mention of the bot or a DM, answered as a reply to it.

discord.py is given the content of a message that mentions the bot and of a DM without the
privileged message-content intent, so the bot reads nothing else people write. The mention is
taken off and the rest goes to the core as a question from the message's author, under the
same access rules as the slash commands (bot/discord/access.py); writes stay admin-only as the
core decides. Bots' messages (this one's included), webhooks and system messages are left alone.

Follow-ups live in the reply chain: a question is kept under its own message id, and a reply
to one of the bot's answers (itself a reply to an earlier question) is read in that question's
context, from the database, so a restart or another replica keeps it. When the core asks back
which reading was meant, the answer carries one button per choice; the first click answers in
place of the ask-back, which stays a reply to the question, so that the chain goes on from there.
"""

from __future__ import annotations

import io
import logging
import re
import uuid
from typing import Any

import discord

from bot.commands.command import GrammarError
from bot.commands.core import Caller, Core
from bot.commands.recent import RecentKeys
from bot.discord.access import Access, Asker, access_of, refusal, refused_here
from bot.discord.answer import NO_MENTIONS, asker_of, caller_for, caller_of
from bot.discord.render import render_embed
from bot.discord.review import review_view
from bot.domain.replies import Reply

log = logging.getLogger(__name__)

TEMPLATE = r"pausewatch:choice:(?P<number>[0-9]{1,2})"
LABEL_LIMIT = 80  # Discord refuses a button label longer than this
BUTTONS_LIMIT = 25  # five rows of five
# The messages people write: a plain one and a reply. Joins, pins, thread starts are not asked.
ASKED_TYPES = frozenset((discord.MessageType.default, discord.MessageType.reply))


def choice_id(number: int) -> str:
    """Name the button of choice `number` (from 1) as Discord gives it back on a click."""
    return f"pausewatch:choice:{number}"


def thread_key(question_id: int) -> str:
    """Name the conversation a question starts: the question's own message id."""
    return f"discord:{question_id}"


def question_text(content: str, bot_id: int) -> str:
    """Take the bot's mention (`<@ID>`, or `<@!ID>` as older clients write it) off a message."""
    return " ".join(re.sub(rf"<@!?{bot_id}>", " ", content).split())


def earlier_question(message: discord.Message, bot_id: int) -> str | None:
    """Return the conversation a reply to one of the bot's answers follows up, else None.

    The bot's answer is itself a reply to the question it answered: that question's id names
    the conversation. Discord sends the replied-to message with the reply (`resolved`).
    """
    reference = message.reference
    answered = reference.resolved if reference is not None else None
    if not isinstance(answered, discord.Message) or answered.author.id != bot_id:
        return None
    asked = answered.reference
    if asked is None or asked.message_id is None:
        return None
    return thread_key(asked.message_id)


def _guild_id(message: discord.Message) -> int | None:
    """The server a message was written in, None in a DM (also while servers are loading)."""
    if message.guild is not None:
        return message.guild.id
    return getattr(message.channel, "guild_id", None)


def _manages(message: discord.Message) -> bool:
    author = message.author
    if message.guild is None or not isinstance(author, discord.Member):
        return False
    permissions = message.channel.permissions_for(author)  # type: ignore[union-attr]
    return permissions.manage_guild or permissions.administrator


def asker_of_message(message: discord.Message) -> Asker:
    """Read who asked and where from a message, as Discord sent it."""
    author = message.author
    return Asker(
        user_id=author.id,
        guild_id=_guild_id(message),
        # The role ids Discord sent with the message's member object (see answer.asker_of).
        role_ids=frozenset(getattr(author, "_roles", ())),
        manages_server=_manages(message),
    )


def _label(choice: str) -> str:
    text = " ".join(choice.split()) or "?"
    return text if len(text) <= LABEL_LIMIT else text[: LABEL_LIMIT - 1] + "…"


def reply_view(reply: Reply) -> discord.ui.View | None:
    """The buttons of a reply: review decisions, then one per choice offered; None if none."""
    view = review_view(reply)
    room = BUTTONS_LIMIT - len(view.children)
    for number, choice in enumerate(reply.choices[:room], start=1):
        view.add_item(ChoiceButton(number, _label(choice)))
    return view if view.children else None


def _files(reply: Reply) -> list[discord.File]:
    """The reply's chart, as a file to send with it."""
    return [discord.File(io.BytesIO(a.content), filename=a.filename) for a in reply.attachments]


def failure_reply(error_id: str) -> Reply:
    """Say that something failed, with an id to quote; the log holds the traceback."""
    return Reply.error(f"Something went wrong (error {error_id}); an admin can look it up.")


class ChoiceButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=TEMPLATE):
    """One reading the core offered; a click asks the core for it, in the question's thread."""

    def __init__(self, number: int, label: str = "") -> None:
        super().__init__(
            discord.ui.Button(
                label=label or str(number),
                style=discord.ButtonStyle.primary,
                custom_id=choice_id(number),
            )
        )
        self.number = number

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ChoiceButton:
        """Rebuild the button a click names, whenever and wherever it was posted."""
        return cls(int(match["number"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Defer at once (three seconds), ask the core for the choice, answer in place."""
        core: Core = interaction.client.core
        await interaction.response.defer()
        try:
            reply = await self._choose(interaction, core)
        except Exception:
            # The one error boundary of a click: the clicker gets an id, the log the rest.
            error_id = uuid.uuid4().hex[:8]
            log.exception("error %s answering choice %s", error_id, self.number)
            reply = failure_reply(error_id)
        if reply is None:
            return
        if reply.is_error:
            # Told to the one who clicked; the buttons stay for another try.
            await interaction.followup.send(
                embed=render_embed(reply), ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return
        # The ask-back becomes the answer: still a reply to the question, so the chain goes on.
        await interaction.edit_original_response(
            embed=render_embed(reply),
            view=reply_view(reply),
            attachments=_files(reply),
            allowed_mentions=NO_MENTIONS,
        )

    async def _choose(self, interaction: discord.Interaction[Any], core: Core) -> Reply | None:
        """Return the answer to the click, or None when this click was answered already."""
        access = access_of_interaction(interaction, core)
        if not access.answered:
            return refusal(Asker(interaction.user.id, interaction.guild_id))
        message = interaction.message
        asked = message.reference if message is not None else None
        if asked is None or asked.message_id is None:
            return Reply.error("This choice belongs to no question any more: ask it again.")
        key = thread_key(asked.message_id)
        # One reading is picked per offer, whoever clicks: once it is, the thread's question is
        # that reading and the other numbers name nothing, so a second click (a double click,
        # another button, another person, before the buttons are gone) is not answered.
        offer = message.id if message is not None else interaction.id
        outcome = await core.ask(
            str(self.number),
            await caller_of(interaction, core),
            thread=key,
            save_as=key,
            request_key=f"discord:choice:{offer}",
        )
        return outcome.reply if outcome.first_time else None


def access_of_interaction(interaction: discord.Interaction[Any], core: Core) -> Access:
    """Decide what a clicker may do, as for a slash command."""
    return access_of(asker_of(interaction), core.settings)


class Messages:
    """The on_message listener, with the messages it has answered."""

    def __init__(self, client: discord.Client, core: Core) -> None:
        self.client = client
        self.core = core
        self.recent = RecentKeys()

    def is_question(self, message: discord.Message) -> bool:
        """Say whether a message is asked of the bot: a person's DM, or a mention in a server."""
        me = self.client.user
        author = message.author
        if me is None or author.bot or author.id == me.id or message.webhook_id is not None:
            return False
        if message.type not in ASKED_TYPES or not message.content.strip():
            return False
        in_dm = isinstance(message.channel, discord.DMChannel) or _guild_id(message) is None
        return in_dm or any(user.id == me.id for user in message.mentions)

    async def on_message(self, message: discord.Message) -> None:
        """Answer a question as a reply to it; nothing that fails here stops the bot."""
        if not self.is_question(message) or not self.recent.first_time(message.id):
            return
        try:
            reply = await self._reply(message)
        except Exception:
            # The one error boundary of a message: the asker gets an id, the log the rest.
            error_id = uuid.uuid4().hex[:8]
            log.exception("error %s answering message %s", error_id, message.id)
            reply = failure_reply(error_id)
        if reply is None:
            return
        try:
            await self._send(message, reply)
        except discord.HTTPException:
            log.warning("the answer to message %s could not be posted", message.id, exc_info=True)

    async def _reply(self, message: discord.Message) -> Reply | None:
        """Return the answer to a question, or None when it was answered already."""
        me = self.client.user
        assert me is not None  # is_question checked it
        asker = asker_of_message(message)
        access = access_of(asker, self.core.settings)
        if not access.answered:
            log.info("refused a message from server %s, user %s", asker.guild_id, asker.user_id)
            return refusal(asker)
        caller = await caller_for(self.core, asker, str(message.channel.id))
        text = question_text(message.content, me.id) or "help"
        refused = await self._refused_here(asker, access, text, caller)
        if refused is not None:
            return refused
        outcome = await self.core.ask(
            text,
            caller,
            thread=earlier_question(message, me.id),
            save_as=thread_key(message.id),
            request_key=f"discord:message:{message.id}",
        )
        return outcome.reply if outcome.first_time else None

    async def _refused_here(
        self, asker: Asker, access: Access, text: str, caller: Caller
    ) -> Reply | None:
        """Refuse a command that changes something, written where nothing may be changed.

        Read only outside a team's servers: a question in words is no command, and the core
        refuses any change from a caller who is not an admin all the same.
        """
        if access.trusted or access.operator:
            return None
        try:
            command = await self.core.parse(text, caller)
        except GrammarError:
            return None
        return refused_here(asker, self.core.settings, command)

    async def _send(self, message: discord.Message, reply: Reply) -> None:
        view = reply_view(reply)
        await message.reply(
            embed=render_embed(reply),
            files=_files(reply) or discord.utils.MISSING,
            view=discord.utils.MISSING if view is None else view,
            # Discord's enforce_nonce: a second replica answering the same message within a
            # few minutes gets the first answer back instead of posting another.
            nonce=f"pw{message.id}",
            allowed_mentions=NO_MENTIONS,
        )


def register(client: discord.Client, core: Core) -> None:
    """Answer mentions and DMs, and clicks on the choices of any answer, whenever posted."""
    listener = Messages(client, core)
    client.event(listener.on_message)
    client.add_dynamic_items(ChoiceButton)
