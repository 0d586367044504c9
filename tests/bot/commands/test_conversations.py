"""Questions asked in a thread through the core: follow-ups kept in the database, once per key."""

from __future__ import annotations

from datetime import timedelta

from bot.commands.core import Caller, Core
from bot.commands.render_text import render_text
from storage import conversations
from storage.database import Database
from tests.bot.commands.test_core import ADMIN, READER, ask
from tests.conftest import Clock, make_settings

ADDS = [
    "add 2024-03-02 country:Iraq kind:drone",
    "add 2024-05-10 country:Iraq kind:rocket",
    "add 2024-06-01 country:Syria kind:drone",
    "add 2024-06-01 country:Syria kind:drone",
    "add 2025-02-11 country:Syria kind:rocket",
    'add 2025-03-03 country:Jordan location:"Tower 22" kind:drone',
]


async def asked(core: Core, text: str, thread: str | None, caller: Caller = READER) -> str:
    outcome = await core.ask(text, caller, thread=thread)
    assert outcome.first_time
    return render_text(outcome.reply)


async def test_a_follow_up_is_read_against_the_thread_even_after_a_restart(
    core: Core, database: Database, database_url: str, clock: Clock
) -> None:
    for add in ADDS:
        await ask(core, add)
    first = await asked(core, "how many drone attacks in 2024?", "slack:C1:100.1")
    assert first.startswith("3 drone attacks in 2024")
    restarted = Core(database=database, settings=make_settings(database_url), clock=clock)
    follow = await asked(restarted, "and in Syria?", "slack:C1:100.1")
    assert follow.startswith("2 drone attacks in Syria in 2024"), follow
    assert "Read as `stats attacks between 2024-01-01 and 2024-12-31 country:Syria" in follow
    # Another thread has no question before: the same words ask anew.
    elsewhere = await asked(restarted, "and in Syria?", "slack:C1:200.2")
    assert elsewhere.startswith("652 days since the last attack in Syria"), elsewhere
    # A follow-up of a follow-up keeps both changes.
    rockets = await asked(restarted, "what about rockets?", "slack:C1:100.1")
    assert rockets.startswith("0 rocket attacks in Syria in 2024"), rockets


async def test_a_thread_gone_quiet_is_forgotten(core: Core, clock: Clock) -> None:
    for add in ADDS:
        await ask(core, add)
    await asked(core, "how many attacks in 2024 in iraq", "t")
    clock.now += conversations.KEEP + timedelta(minutes=1)
    later = await asked(core, "and in Syria?", "t")
    assert later.startswith("days since the last attack in Syria", later.index(" ") + 1), later


async def test_a_question_retried_on_another_replica_is_answered_once(
    core: Core, database: Database, database_url: str, clock: Clock
) -> None:
    await ask(core, ADDS[0])
    other = Core(database=database, settings=make_settings(database_url), clock=clock)
    first = await core.ask("when was the last attack?", READER, thread="t", request_key="ev-1")
    again = await other.ask("when was the last attack?", READER, thread="t", request_key="ev-1")
    assert first.first_time and not again.first_time
    assert first.reply.headline.endswith("since the last attack")
    # A write asked in words stays an explicit command; under a key it is made once.
    write = await core.ask("add 2024-07-16 country:Iraq", ADMIN, request_key="ev-2")
    replay = await other.ask("add 2024-07-16 country:Iraq", ADMIN, request_key="ev-2")
    assert not write.reply.is_error and write.first_time and not replay.first_time
    assert (await ask(core, "stats")).startswith("At least 2 attacks")


async def test_choices_are_offered_and_one_is_picked_by_its_number(core: Core) -> None:
    await ask(core, "add 2024-03-02 country:Jordan")
    await ask(core, "add 2024-05-10 location:Jordan")
    await ask(core, "add 2024-05-11 country:Iraq")
    offered = await core.ask("when was the last attack in jordan", READER, thread="t")
    reply = offered.reply
    assert reply.choices == ("since attacks country:Jordan", "since attacks location:Jordan")
    assert "1. `since attacks country:Jordan`" in render_text(reply)
    picked = await asked(core, "2", "t")
    assert "The last attack at Jordan was on 10 May 2024" in picked, picked
    # The pick is the thread's question now: a follow-up changes it.
    follow = await asked(core, "and as of 1 May 2024?", "t")
    assert "No attacks at Jordan recorded up to 1 May 2024" in follow, follow


async def test_writes_are_for_admins_and_refusals_name_what_was_not_read(core: Core) -> None:
    refused = await core.ask("add 2024-07-16", READER, thread="t")
    assert refused.reply.is_error and "Only admins" in refused.reply.headline
    assert (await ask(core, "stats")).startswith("At least 0 attacks")
    unread = (await core.ask("how many attacks in baghdad", READER, thread="t")).reply
    assert unread.is_error and "`baghdad`" in unread.headline
    assert "• `since attacks`" in render_text(unread)
    wrong = (await core.ask("since country:", READER)).reply
    assert wrong.is_error and "`country:` has no value" in wrong.headline
