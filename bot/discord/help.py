"""`/incidents help` in Discord's own syntax: the subcommands and their options.

The usage lines are read from the registered app commands themselves, so that help cannot
drift from what Discord offers; the summaries are the grammar's.
"""

from __future__ import annotations

from discord import app_commands

from bot.commands.verbs import VERBS
from bot.domain.replies import Reply
from bot.domain.wording import sentence_case

EXAMPLES = {
    "since": ("/incidents since country:Iraq", "/incidents since as_of:2024-07-15"),
    "pause": ("/incidents pause location:Ain al-Assad",),
    "pauses": ("/incidents pauses country:Syria limit:5",),
    "last": ("/incidents last count:10 kind:drone",),
    "list": ("/incidents list from:2024-04-01 to:2024-07-31 country:Iraq limit:100",),
    "stats": ("/incidents stats by:country", "/incidents stats series:us-strikes by:month"),
    "chart": ("/incidents chart country:Iraq public:True",),
    "map": ("/incidents map period:2024 country:Iraq public:True",),
    "add": (
        "/incidents add day:2024-07-16 location:Ain al-Assad country:Iraq kind:drone quantity:2",
    ),
    "edit": ("/incidents edit incident:12 kind:rocket killed:0",),
    "delete": ("/incidents delete incident:12 reason:duplicate of #11",),
    "subscribe": ("/incidents subscribe what:alerts country:Iraq",),
    "unsubscribe": ("/incidents unsubscribe what:alerts country:Iraq",),
    "subscriptions": ("/incidents subscriptions",),
    "help": ("/incidents help command:add",),
}


def usage(command: app_commands.Command) -> str:  # type: ignore[type-arg]
    """Write a subcommand as Discord's command line shows it: `/incidents list from: [to:]`."""
    options = [
        f"{p.display_name}:" if p.required else f"[{p.display_name}:]" for p in command.parameters
    ]
    return " ".join([f"/{command.qualified_name}", *options])


def help_reply(group: app_commands.Group, topic: str | None) -> Reply:
    """Explain every subcommand, or one in detail with each of its options."""
    commands = {command.name: command for command in group.commands}
    if topic is None:
        return Reply(
            headline="pausewatch: ask how long it has been since the last incident",
            details=(
                *(
                    f"• {usage(c)}: {VERBS[name].summary}"  # type: ignore[arg-type]
                    for name, c in commands.items()
                ),
                "Type each value as it is, with no quotes: location:Al-Qa’im, "
                "location:Ain al-Assad.",
                "Answers are shown only to you unless you set public:True.",
                "`/incidents help command:NAME` shows one command with its options.",
            ),
        )
    command = commands[topic]
    assert isinstance(command, app_commands.Command)
    details = [f"Usage: {usage(command)}", sentence_case(VERBS[topic].summary) + "."]
    details += [f"e.g. {example}" for example in EXAMPLES.get(topic, ())]
    if command.parameters:
        details.append("Options:")
        details += [
            f"• {p.display_name}{'' if p.required else ' (optional)'}: {p.description}"
            for p in command.parameters
        ]
    return Reply(headline=f"help: /incidents {topic}", details=tuple(details))
