"""Outside the teams on Discord, on the loopback gateway: strangers, no server, notices.

A failure notice names no team yet, so it is for the operators once two servers are teams.

A stranger's server (answered through open reads) asks and changes nothing, whatever its
members' roles and permissions; with no server named, only the operators change anything.
"""

from __future__ import annotations

from bot.commands.core import Caller
from bot.discord.sender import DiscordSender
from bot.notify.delivery import Delivery
from storage.database import Database
from tests.bot.discord.fake_discord import (
    USER,
    FakeDiscord,
    click_payload,
    message_payload,
    person,
    title,
)
from tests.bot.discord.fake_gateway import Bot, FakeGateway, reply_to, start_bot, until
from tests.bot.discord.fake_servers import (
    BOT_ID,
    CHANNELS,
    EVERY_PERMISSION,
    MANAGE_GUILD,
    MANAGERS,
    OPERATOR,
    ROLE,
    SOURCE,
    STRANGER,
    A,
    B,
    answers,
    ask,
    asked,
    incidents,
    mentioned,
    server_created,
)
from tests.conftest import Clock


async def test_a_strangers_server_asks_and_changes_nothing(
    two_teams: Bot, gateway: FakeGateway, fake_discord: FakeDiscord
) -> None:
    # The commands are synced to A and B alone: in a stranger's server the bot is asked by
    # mention. Its member holds a role with Manage Server there (Discord computes it from the
    # server's roles, sent in GUILD_CREATE) and the role id A's admins named.
    await two_teams.core.handle("add 2024-07-16", OPERATOR)
    named = await ask(
        gateway,
        fake_discord,
        "team",
        guild=A,
        permissions=MANAGE_GUILD,
        action="admin",
        details=f"add <@&{ROLE}>",
    )
    assert named.startswith("Added 1 named admin")
    await server_created(two_teams, gateway, STRANGER)
    asked = await mentioned(gateway, fake_discord, "since", guild=STRANGER)
    assert "16 Jul 2024" in asked
    # Asking the channel's zone changes nothing: answered too.
    zone = await mentioned(gateway, fake_discord, "timezone", guild=STRANGER)
    assert zone.startswith("This channel counts its days in UTC"), zone
    changes = [
        "add 2024-07-17",
        "subscribe alerts",
        "team series add mine",
        "team admin add <@9>",
        f"source add feed {SOURCE}",
        "timezone Asia/Baghdad",
    ]
    for change in changes:
        refused = await mentioned(gateway, fake_discord, change, guild=STRANGER)
        assert refused.startswith("This server is not one of the servers pausewatch serves"), (
            change,
            refused,
        )
        assert "whatever roles or permissions a member has here" in refused
    # In A (GUILD_CREATE'd the same way), the Manage Server role alone makes an admin, by
    # mention as by command; the named role alone too.
    await server_created(two_teams, gateway, A)
    said = await mentioned(gateway, fake_discord, "team", guild=A, user="11", roles=(MANAGERS,))
    assert said.startswith(f"Team discord:{A}; you are an admin")
    said = await mentioned(gateway, fake_discord, "team", guild=A, user="11", roles=())
    assert said.startswith(f"Team discord:{A}; you are a member")
    added = await mentioned(gateway, fake_discord, "add 2024-07-18", guild=A, roles=(MANAGERS,))
    assert added.startswith("Recorded attack #2 on 18 Jul 2024")
    # Nothing of the stranger's was stored.
    assert await incidents(two_teams) == ["2024-07-18", "2024-07-16"]
    assert "mine" not in await two_teams.core.series_names()
    sources = await two_teams.core.handle("source list", OPERATOR)
    assert "feed" not in " ".join([sources.headline, *sources.details])
    stranger_channel = Caller("42", True, "discord", CHANNELS[STRANGER])
    listed = await two_teams.core.handle("subscriptions", stranger_channel)
    assert listed.headline == "This channel has no subscriptions"


async def test_with_no_server_named_no_server_changes_anything(
    database: Database,
    database_url: str,
    clock: Clock,
    fake_discord: FakeDiscord,
    gateway: FakeGateway,
) -> None:
    # The commands are synced globally; every server asks, and only the operators change.
    running = await start_bot(database, database_url, clock, fake_discord, gateway)
    owner = {"guild": STRANGER, "permissions": EVERY_PERMISSION, "global_command": True}
    try:
        asked = await ask(gateway, fake_discord, "since", **owner)
        refusals = [
            await ask(gateway, fake_discord, "add", day="2024-07-17", **owner),
            await ask(gateway, fake_discord, "subscribe", what="alerts", **owner),
            await ask(gateway, fake_discord, "team", action="series", details="add x", **owner),
            await ask(
                gateway, fake_discord, "source", action="add", name="feed", details=SOURCE, **owner
            ),
        ]
        operator = await ask(gateway, fake_discord, "add", day="2024-07-17", user="42", **owner)
    finally:
        await running.close()
    assert asked.startswith("No attacks recorded")
    for refused in refusals:
        assert refused.startswith("No server is a team here yet"), refused
    assert operator.startswith("Recorded attack #1 on 17 Jul 2024")


async def test_a_failed_delivery_is_told_to_its_teams_admins_and_the_operators(
    two_teams: Bot, gateway: FakeGateway, fake_discord: FakeDiscord, clock: Clock
) -> None:
    # A's alert to its channel (which A keeps: it subscribed it) is refused for good.
    a_admin = {"guild": A, "permissions": MANAGE_GUILD}
    b_admin = {"guild": B, "permissions": MANAGE_GUILD}
    await ask(gateway, fake_discord, "subscribe", what="alerts", **a_admin)
    await ask(gateway, fake_discord, "add", day="2024-04-22", **a_admin)
    await ask(gateway, fake_discord, "add", day="2024-07-16", **a_admin)
    fake_discord.fail(403, {"message": "Missing Permissions", "code": 50013})
    await Delivery(
        two_teams.core.database, [DiscordSender(two_teams.platform.client.http)], clock=clock
    ).drain()
    # B's admin is not told of A's channel; A's admin is, once.
    assert await answers(gateway, fake_discord, "since", **b_admin) == 1
    assert await answers(gateway, fake_discord, "since", **a_admin) == 2
    assert await answers(gateway, fake_discord, "since", **a_admin) == 1
    # An operator is, privately, wherever they ask.
    token = await asked(gateway, "since", guild=B, user="42")
    await until(lambda: len([f for f in fake_discord.followups if f.channel == token]) == 2)
    _, notice = [f for f in fake_discord.followups if f.channel == token]
    assert title(notice) == "1 message to Discord could not be posted"
    assert notice.payload["flags"] == 64


async def test_a_review_button_in_a_strangers_server_decides_nothing(
    two_teams: Bot, gateway: FakeGateway, fake_discord: FakeDiscord
) -> None:
    # A message of the bot's in the stranger's channel with a review button on it, clicked
    # by a member holding every permission there (Manage Server too).
    question = message_payload(
        f"<@{BOT_ID}> since", author=person("7"), mentions=(USER,), guild_id=STRANGER
    )
    question["channel_id"] = CHANNELS[STRANGER]
    answer = await reply_to(gateway, fake_discord, question)
    custom_id = "pausewatch:review:approve:1"
    button = {"type": 2, "style": 3, "label": "Approve", "custom_id": custom_id}
    on = fake_discord.returned(answer) | {"components": [{"type": 1, "components": [button]}]}
    click = click_payload(on, custom_id, user="7", guild_id=STRANGER)
    await gateway.dispatch("INTERACTION_CREATE", click)
    await until(lambda: any(f.channel == click["token"] for f in fake_discord.followups))
    [refusal] = [f for f in fake_discord.followups if f.channel == click["token"]]
    assert refusal.payload["flags"] & 64  # the clicker's alone
    assert title(refusal).startswith("This server is not one of the servers pausewatch serves")
    assert fake_discord.edited == []  # the buttons stay, nothing decided
