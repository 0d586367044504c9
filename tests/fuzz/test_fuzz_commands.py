"""Fuzzing the grammar and the core: any text gets a reply, errors are clear, failures change nothing."""

from __future__ import annotations

from hypothesis import given

from bot.commands.command import GrammarError
from bot.commands.core import Caller, Core
from bot.commands.grammar import parse
from bot.commands.verbs import ADMIN_VERBS
from tests.bot.commands.test_core import snapshot
from tests.conftest import NOW
from tests.fuzz.strategies import FUZZ, assert_clear, commands

ADMIN = Caller("U1", is_admin=True, platform="slack", channel="C1")


@FUZZ
@given(commands())
def test_the_grammar_reads_any_text_or_says_why_not(text: str) -> None:
    try:
        parse(text, NOW.date())
    except GrammarError as error:
        assert str(error).strip()


@FUZZ.__class__(FUZZ, max_examples=150)
@given(text=commands())
async def test_the_core_answers_any_command_and_a_failed_write_changes_nothing(
    core: Core, text: str
) -> None:
    await core.handle("add 2024-07-16 location:Ürdün kind:drone", ADMIN)
    before = await snapshot(core)
    reply = await core.handle(text, ADMIN)
    assert_clear(reply)
    verb = text.split(maxsplit=1)[0].lower() if text.split() else ""
    if reply.is_error and verb in ADMIN_VERBS:
        assert await snapshot(core) == before, (text, reply)
