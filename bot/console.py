"""The console adapter: the bot in a terminal, reading commands from standard input."""

from __future__ import annotations

import asyncio
import logging
import sys
import uuid
from typing import TextIO

from bot.app import console_caller
from bot.core import Core
from bot.render_text import render_text

log = logging.getLogger(__name__)
PROMPT = "pausewatch> "
QUIT_WORDS = {"quit", "exit", "bye"}


async def run_console(core: Core, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
    """Answer commands line by line until end of input or `quit`."""
    caller = console_caller()
    interactive = stdin.isatty()
    if interactive:
        print("pausewatch: type a command (`help` lists them), `quit` to leave.", file=stdout)
    while True:
        if interactive:
            print(PROMPT, end="", file=stdout, flush=True)
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            break
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if text.lower() in QUIT_WORDS:
            break
        if not interactive:
            print(f"> {text}", file=stdout)
        try:
            reply = render_text(await core.handle(text, caller))
        except Exception:
            # The one error boundary of the console: the bot keeps running.
            error_id = uuid.uuid4().hex[:8]
            log.exception("error %s answering %r", error_id, text)
            reply = f"Something went wrong (error {error_id}); the log has the details."
        print(reply + "\n", file=stdout, flush=True)
