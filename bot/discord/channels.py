"""Whether the bot can post in a channel, read from the interaction before a channel subscribes.

Discord sends, with every interaction, the bot's own permissions in the channel it came from
(`app_permissions`): no request is needed to know that an alert would be refused there.
"""

from __future__ import annotations

import discord

from bot.domain.replies import Reply, channel_ref

# What every alert needs; a digest also attaches its chart.
NEEDED = (
    ("view_channel", "View Channel"),
    ("send_messages", "Send Messages"),
    ("embed_links", "Embed Links"),
)
IN_THREADS = ("send_messages_in_threads", "Send Messages in Threads")
FOR_DIGESTS = ("attach_files", "Attach Files")


def missing_permissions(interaction: discord.Interaction, topic: str) -> list[str]:
    """Name the permissions the bot lacks in the interaction's channel to post `topic`."""
    permissions = interaction.app_permissions
    needed = list(NEEDED)
    channel = interaction.channel
    if isinstance(channel, discord.Thread):
        needed[1] = IN_THREADS
    if topic == "digest":
        needed.append(FOR_DIGESTS)
    return [label for name, label in needed if not getattr(permissions, name)]


def posting_problem(interaction: discord.Interaction, topic: str) -> Reply | None:
    """Return why `topic` could not be posted in the interaction's channel, or None if it can."""
    channel = str(interaction.channel_id or "")
    context = interaction.context
    kind = getattr(interaction.channel, "type", None)
    if context.private_channel or kind == discord.ChannelType.group:
        return Reply.error(
            "pausewatch cannot post in a direct message between people",
            "Subscribe a server channel the bot is in, or a direct message with the bot itself.",
        )
    if interaction.guild_id is None:
        return None  # a direct message with the bot: it can always answer there
    missing = missing_permissions(interaction, topic)
    if not missing:
        return None
    what = {"alerts": "alerts", "digest": "the digest", "reviews": "review candidates"}[topic]
    return Reply.error(
        f"pausewatch could not post {what} in this channel: it lacks {', '.join(missing)}",
        f"In {channel_ref(channel)}'s settings (Edit Channel → Permissions), give the bot, or "
        f"a role it has, {', '.join(missing)}; then subscribe again. Nothing was subscribed.",
    )
