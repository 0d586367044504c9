"""Questions by mention and DM on Discord, through the loopback gateway, answered as replies.

discord.py's own Client logs in to the fake HTTP API, connects to the fake gateway and gets
MESSAGE_CREATE (and a button's INTERACTION_CREATE) as Discord sends them; what it posts back is
read from what the fake API recorded.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date

import pytest
import yarl
from discord.gateway import DiscordWebSocket

from bot.commands.core import Caller, Core
from bot.discord.messages import question_text, reply_view
from bot.domain.replies import Reply
from storage.database import Database, open_database
from tests.bot.discord.fake_discord import (
    CHANNEL_ID,
    DM_CHANNEL_ID,
    GUILD_ID,
    USER,
    FakeDiscord,
    click_payload,
    message_payload,
    person,
    text_of,
    title,
)
from tests.bot.discord.fake_gateway import Bot, FakeGateway, reply_to, start_bot, until
from tests.conftest import NOW, Clock

BOT = int(USER["id"])
ME = dict(USER)  # the bot, as a mention names it
ADMIN = Caller("42", True, platform="discord", channel=CHANNEL_ID)
OTHER_GUILD = "111111111111111111"
# 16 Jul 2024 and 4 Feb 2024, counted from the test clock's 25 Nov 2026.
IRAQ_DAYS = (NOW.date() - date(2024, 7, 16)).days
SYRIA_DAYS = (NOW.date() - date(2024, 2, 4)).days
MESSAGE_CONTENT_INTENT = 1 << 15


@pytest.fixture
async def bot(
    database: Database,
    database_url: str,
    clock: Clock,
    fake_discord: FakeDiscord,
    gateway: FakeGateway,
) -> AsyncIterator[Bot]:
    """The bot answering in one allowed server (and nowhere else), user 42 an admin."""
    running = await start_bot(
        database, database_url, clock, fake_discord, gateway, discord_guild_ids=[int(GUILD_ID)]
    )
    yield running
    await running.close()


async def add(core: Core, *commands: str) -> None:
    for command in commands:
        reply = await core.handle(command, ADMIN)
        assert not reply.is_error, reply


def test_the_mention_is_taken_off_in_both_forms() -> None:
    assert question_text(f"<@{BOT}> since  country:Iraq", BOT) == "since country:Iraq"
    assert question_text(f"pause <@!{BOT}>", BOT) == "pause"
    # Another user's mention is theirs: only the bot's own is taken off.
    assert question_text(f"<@{BOT}> since <@42>", BOT) == "since <@42>"


async def test_a_mention_in_an_allowed_server_is_answered_as_a_reply(
    bot: Bot, gateway: FakeGateway, fake_discord: FakeDiscord
) -> None:
    await add(bot.core, "add 2024-02-04 country:Syria", "add 2024-07-16 country:Iraq")
    question = message_payload(f"<@{BOT}> since country:Iraq", mentions=(ME,))
    answer = await reply_to(gateway, fake_discord, question)
    assert answer.channel == CHANNEL_ID
    assert str(answer.payload["message_reference"]["channel_id"]) == CHANNEL_ID
    assert title(answer) == f"{IRAQ_DAYS:,} days since the last attack in Iraq"
    assert "16 Jul 2024" in text_of(answer)
    # Nobody is pinged (the asker neither: replied_user is left out, which is false); a second
    # replica's answer to the same message would be deduplicated by its nonce.
    assert answer.payload["allowed_mentions"] == {"parse": []}
    assert answer.payload["enforce_nonce"] is True
    # The older <@!ID> form, and a command that pauses by the country.
    question = message_payload(f"<@!{BOT}> pause country:Syria", mentions=(ME,))
    answer = await reply_to(gateway, fake_discord, question)
    assert title(answer).startswith("The current pause is ")
    assert "Syria" in title(answer)
    # A question in people's words, the mention in the middle of it.
    question = message_payload(
        f"hey <@{BOT}> when was the most recent attack in syria?", mentions=(ME,)
    )
    answer = await reply_to(gateway, fake_discord, question)
    assert title(answer) == f"{SYRIA_DAYS:,} days since the last attack in Syria", text_of(answer)
    assert "4 Feb 2024" in text_of(answer)
    # The bot asked for no privileged intent: Discord sends it only mentions' and DMs' text.
    [identify] = gateway.identified
    assert identify["intents"] & MESSAGE_CONTENT_INTENT == 0
    assert identify["intents"] & (1 << 9) and identify["intents"] & (1 << 12)


async def test_a_mention_in_another_server_gets_a_short_refusal(
    bot: Bot, gateway: FakeGateway, fake_discord: FakeDiscord
) -> None:
    await add(bot.core, "add 2024-07-16 country:Iraq")
    question = message_payload(f"<@{BOT}> since", mentions=(ME,), guild_id=OTHER_GUILD)
    answer = await reply_to(gateway, fake_discord, question)
    assert title(answer) == (
        "pausewatch does not answer in this server: it belongs to another team's server."
    )
    assert answer.payload["embeds"][0]["color"] == 0xC00000


@pytest.mark.parametrize("open_reads", [False, True])
async def test_a_dm_is_answered_only_where_reads_are_open(
    database: Database,
    database_url: str,
    clock: Clock,
    fake_discord: FakeDiscord,
    gateway: FakeGateway,
    open_reads: bool,
) -> None:
    running = await start_bot(
        database,
        database_url,
        clock,
        fake_discord,
        gateway,
        discord_guild_ids=[int(GUILD_ID)],
        discord_open_reads=open_reads,
    )
    try:
        await add(running.core, "add 2024-07-16 country:Iraq")
        # A DM needs no mention: the whole message is the question.
        question = message_payload("since", author=person("7"), guild_id=None)
        answer = await reply_to(gateway, fake_discord, question)
    finally:
        await running.close()
    assert answer.channel == DM_CHANNEL_ID
    if open_reads:
        assert title(answer) == f"{IRAQ_DAYS:,} days since the last attack"
    else:
        assert title(answer) == (
            "pausewatch does not answer in a DM: it belongs to another team's server."
        )


async def test_a_dm_is_a_question_and_a_write_stays_for_admins(
    database: Database,
    database_url: str,
    clock: Clock,
    fake_discord: FakeDiscord,
    gateway: FakeGateway,
) -> None:
    # No allowed server set: every server and DM is answered, and admins are by user id.
    running = await start_bot(database, database_url, clock, fake_discord, gateway)
    try:
        written = message_payload("add 2024-07-16 country:Iraq", author=person("7"), guild_id=None)
        refused = await reply_to(gateway, fake_discord, written)
        asked = await reply_to(
            gateway, fake_discord, message_payload("since", author=person("7"), guild_id=None)
        )
        admin = message_payload("add 2024-07-16 country:Iraq", guild_id=None)
        recorded = await reply_to(gateway, fake_discord, admin)
    finally:
        await running.close()
    assert title(refused).startswith("A DM belongs to no team")
    assert title(asked) == "No attacks recorded up to 25 Nov 2026"
    assert title(recorded) == "Recorded attack #1 on 16 Jul 2024"


async def test_bots_and_messages_not_asked_of_it_are_left_alone(
    bot: Bot, gateway: FakeGateway, fake_discord: FakeDiscord
) -> None:
    ignored = [
        # The bot's own message, mentioning itself.
        message_payload(f"<@{BOT}> since", author=USER, mentions=(ME,)),
        # Another bot's.
        message_payload(f"<@{BOT}> since", author=person("55", bot=True), mentions=(ME,)),
        # A message in the server that does not mention the bot.
        message_payload("since"),
        # A mention with no text (an image alone, say).
        message_payload("", mentions=(ME,)),
    ]
    for payload in ignored:
        await gateway.dispatch("MESSAGE_CREATE", payload)
    # A question after them is answered, and is the only thing posted.
    last = await reply_to(gateway, fake_discord, message_payload(f"<@{BOT}> since", mentions=(ME,)))
    await asyncio.sleep(0.2)
    assert fake_discord.post_requests() == 1
    assert title(last) == "No attacks recorded up to 25 Nov 2026"


async def test_the_same_message_delivered_twice_is_answered_once(
    bot: Bot, gateway: FakeGateway, fake_discord: FakeDiscord
) -> None:
    question = message_payload(f"<@{BOT}> add 2024-07-16 country:Iraq", mentions=(ME,))
    answer = await reply_to(gateway, fake_discord, question)
    assert title(answer) == "Recorded attack #1 on 16 Jul 2024"
    await gateway.dispatch("MESSAGE_CREATE", question)
    await asyncio.sleep(0.3)
    assert fake_discord.post_requests() == 1
    stats = await bot.core.handle("stats", ADMIN)
    assert stats.headline.startswith("At least 1 attack since")


async def test_a_message_two_replicas_receive_is_answered_once(
    bot: Bot,
    database_url: str,
    clock: Clock,
    fake_discord: FakeDiscord,
    gateway: FakeGateway,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A second process, with its own engine, core and client, on a gateway connection of its own.
    other_gateway = FakeGateway()
    await other_gateway.start()
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(other_gateway.url))
    other_database = open_database(database_url)
    other = await start_bot(
        other_database,
        database_url,
        clock,
        fake_discord,
        other_gateway,
        discord_guild_ids=[int(GUILD_ID)],
    )
    try:
        await add(bot.core, "add 2024-07-16 country:Iraq")
        both = message_payload(f"<@{BOT}> since", mentions=(ME,))
        await asyncio.gather(
            gateway.dispatch("MESSAGE_CREATE", both),
            other_gateway.dispatch("MESSAGE_CREATE", both),
        )
        await until(lambda: fake_discord.posted)
        later = message_payload(f"<@{BOT}> since country:Iraq", mentions=(ME,))
        answer = await reply_to(gateway, fake_discord, later)
        await other_gateway.dispatch("MESSAGE_CREATE", later)
        await asyncio.sleep(0.3)
    finally:
        await other.close()
        await other_database.dispose()
        await other_gateway.stop()
    # Each message was answered by one replica alone: the other asked to post nothing.
    assert fake_discord.post_requests() == 2
    assert title(answer) == f"{IRAQ_DAYS:,} days since the last attack in Iraq"


async def test_a_follow_up_in_the_reply_chain_after_a_restart(
    database: Database,
    database_url: str,
    clock: Clock,
    fake_discord: FakeDiscord,
    gateway: FakeGateway,
) -> None:
    running = await start_bot(
        database, database_url, clock, fake_discord, gateway, discord_guild_ids=[int(GUILD_ID)]
    )
    try:
        await add(running.core, "add 2024-02-04 country:Syria", "add 2024-07-16 country:Iraq")
        first = await reply_to(
            gateway,
            fake_discord,
            message_payload(f"<@{BOT}> since country:Iraq", mentions=(ME,)),
        )
        assert title(first) == f"{IRAQ_DAYS:,} days since the last attack in Iraq"
        # A reply to the bot's answer: Discord pings the bot with it and sends the answer along.
        follow_up = message_payload(
            "and in Syria?", mentions=(ME,), referenced=fake_discord.returned(first)
        )
        second = await reply_to(gateway, fake_discord, follow_up)
        assert title(second) == f"{SYRIA_DAYS:,} days since the last attack in Syria", text_of(
            second
        )
    finally:
        await running.close()
    # A new process: its own engine, core and client on the same database.
    again_database = open_database(database_url)
    again = await start_bot(
        again_database,
        database_url,
        clock,
        fake_discord,
        gateway,
        discord_guild_ids=[int(GUILD_ID)],
    )
    try:
        follow_up = message_payload(
            f"<@{BOT}> and in Iraq?", mentions=(ME,), referenced=fake_discord.returned(second)
        )
        third = await reply_to(gateway, fake_discord, follow_up)
    finally:
        await again.close()
        await again_database.dispose()
    assert title(third) == f"{IRAQ_DAYS:,} days since the last attack in Iraq", text_of(third)


def test_each_choice_is_a_button_with_a_label_discord_takes() -> None:
    reply = Reply(
        "Which did you mean?",
        ("1. location:Ain al-Asad", "2. location:Ain al-Assad"),
        choices=("location:Ain al-Asad", "x" * 100),
    )
    view = reply_view(reply)
    assert view is not None
    [row] = view.to_components()
    buttons = [(c["custom_id"], c["label"]) for c in row["components"]]
    assert buttons == [
        ("pausewatch:choice:1", "location:Ain al-Asad"),
        ("pausewatch:choice:2", "x" * 79 + "…"),
    ]
    assert reply_view(Reply("No choice here")) is None


async def test_a_click_from_a_server_not_allowed_is_refused_to_the_clicker_alone(
    bot: Bot, gateway: FakeGateway, fake_discord: FakeDiscord
) -> None:
    asked = await reply_to(
        gateway, fake_discord, message_payload(f"<@{BOT}> since", mentions=(ME,))
    )
    # Discord sends a click only from a button the message holds: as if it offered a choice.
    button = {"type": 2, "style": 1, "label": "Ain al-Asad", "custom_id": "pausewatch:choice:1"}
    on = fake_discord.returned(asked) | {"components": [{"type": 1, "components": [button]}]}
    await gateway.dispatch(
        "INTERACTION_CREATE", click_payload(on, "pausewatch:choice:1", guild_id=OTHER_GUILD)
    )
    await until(lambda: fake_discord.followups)
    [refusal] = fake_discord.followups
    assert refusal.payload["flags"] & 64  # ephemeral: the clicker's alone
    assert "does not answer in this server" in title(refusal)
    assert fake_discord.edited == []


async def test_a_choice_button_answers_in_the_question_s_thread(
    bot: Bot, gateway: FakeGateway, fake_discord: FakeDiscord
) -> None:
    # `tower 22` is as close to Tower 21 as to Tower 23: the core asks back which was meant.
    await add(
        bot.core,
        'add 2026-11-10 country:Jordan location:"Tower 21"',
        'add 2026-11-02 country:Jordan location:"Tower 23"',
        'add 2026-10-20 country:Jordan location:"Tower 23"',
    )
    question = message_payload(
        f"<@{BOT}> how many days since the last attack at tower 22?", mentions=(ME,)
    )
    asked = await reply_to(gateway, fake_discord, question)
    components = [c for row in asked.payload.get("components", []) for c in row["components"]]
    labels = {c["label"]: c["custom_id"] for c in components}
    assert len(labels) >= 2 and any("Tower 21" in label for label in labels), text_of(asked)
    [picked] = [custom_id for label, custom_id in labels.items() if "Tower 23" in label]
    # Anyone in the channel may click; the click comes with the message, a reply to the question.
    on = fake_discord.returned(asked)
    await gateway.dispatch("INTERACTION_CREATE", click_payload(on, picked, user="7"))
    await until(lambda: fake_discord.edited or fake_discord.followups)
    assert fake_discord.callbacks[-1] == {"type": 6}  # deferred at once, the message kept
    assert fake_discord.followups == []
    [edit] = fake_discord.edited
    answer = text_of(edit)
    # 2 Nov 2026 to the test clock's 25 Nov 2026.
    assert "23 days since the last attack" in answer and "Tower 23" in answer, answer
    assert edit.payload["components"] == []  # the choices are made
    # One pick per offer: a click that raced the edit (the same button, or the other one by
    # someone else) is deferred and answered nothing.
    [other] = [custom_id for custom_id in labels.values() if custom_id != picked]
    await gateway.dispatch("INTERACTION_CREATE", click_payload(on, picked, user="7"))
    await gateway.dispatch("INTERACTION_CREATE", click_payload(on, other, user="8"))
    await until(lambda: len(fake_discord.callbacks) == 3)
    await asyncio.sleep(0.3)
    assert fake_discord.edited == [edit] and fake_discord.followups == []
    # The answer is still a reply to the question: a reply to it follows up the chosen reading.
    follow_up = message_payload(
        f"<@{BOT}> and as of 1 Nov 2026?",
        mentions=(ME,),
        referenced=on | {"embeds": edit.payload["embeds"]},
    )
    later = await reply_to(gateway, fake_discord, follow_up)
    assert title(later) == "12 days since the last attack at Tower 23", text_of(later)


async def test_a_chart_comes_with_its_reply_and_a_refused_reply_stops_nothing(
    bot: Bot,
    gateway: FakeGateway,
    fake_discord: FakeDiscord,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await add(bot.core, "add 2024-02-04 country:Syria", "add 2024-07-16 country:Iraq")
    # Discord refuses the first reply (the bot may not post in that channel): it is logged.
    fake_discord.fail(403, {"message": "Missing Permissions", "code": 50013})
    await gateway.dispatch("MESSAGE_CREATE", message_payload(f"<@{BOT}> since", mentions=(ME,)))
    await until(lambda: "could not be posted" in caplog.text)
    # The bot goes on answering; a chart is sent with its reply, as the embed's image.
    chart = await reply_to(
        gateway, fake_discord, message_payload(f"<@{BOT}> chart", mentions=(ME,))
    )
    [(name, content)] = chart.files.items()
    assert name.endswith(".png") and content.startswith(b"\x89PNG")
    assert chart.payload["embeds"][0]["image"]["url"] == f"attachment://{name}"


async def test_a_role_named_admin_writes_by_mention_in_an_allowed_server(
    database: Database,
    database_url: str,
    clock: Clock,
    fake_discord: FakeDiscord,
    gateway: FakeGateway,
) -> None:
    running = await start_bot(
        database,
        database_url,
        clock,
        fake_discord,
        gateway,
        discord_guild_ids=[int(GUILD_ID)],
        discord_admin_role_ids=[555],
    )
    try:
        write = f"<@{BOT}> add 2024-07-16 country:Iraq"
        # The role ids come with the message's member object, as for a slash command.
        without = message_payload(write, author=person("7"), mentions=(ME,), roles=("556",))
        refused = await reply_to(gateway, fake_discord, without)
        holder = message_payload(write, author=person("7"), mentions=(ME,), roles=("555",))
        recorded = await reply_to(gateway, fake_discord, holder)
    finally:
        await running.close()
    assert "admins may `add`" in title(refused)
    assert title(recorded) == "Recorded attack #1 on 16 Jul 2024"
