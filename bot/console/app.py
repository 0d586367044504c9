"""The console adapter: the bot in a terminal, reading commands from standard input."""

from __future__ import annotations

import asyncio
import logging
import sys
import uuid
from pathlib import Path
from typing import TextIO

from bot.app import console_caller
from bot.commands.core import Core
from bot.commands.render_text import render_text
from bot.commands.replies import Reply
from bot.notify.delivery import MESSAGE_PART, Delivery, Outgoing, Progress

log = logging.getLogger(__name__)
PROMPT = "pausewatch> "
QUIT_WORDS = {"quit", "exit", "bye"}


CHARTS = Path("charts")


def save_attachments(reply: Reply, folder: Path = CHARTS) -> list[Path]:
    """Write a reply's files (charts) where a terminal user can open them."""
    saved = []
    for attachment in reply.attachments:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / attachment.filename
        path.write_bytes(attachment.content)
        saved.append(path)
    return saved


def printable(reply: Reply) -> str:
    """Render a reply as text, saving its charts and saying where they are."""
    saved = save_attachments(reply)
    return render_text(reply) + "".join(f"\nChart written to {path}" for path in saved)


class ConsoleSender:
    """Post alerts and digests for the console's channel by printing them."""

    platform = "console"

    def __init__(self, stdout: TextIO) -> None:
        self.stdout = stdout

    async def send(self, message: Outgoing, progress: Progress) -> None:
        """Print one message under a line that says what it is and where it goes."""
        banner = f"[{message.kind} for {message.channel}]"
        print(f"{banner}\n{printable(message.reply)}\n", file=self.stdout, flush=True)
        await progress(MESSAGE_PART)


async def run_console(
    core: Core,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    delivery: Delivery | None = None,
) -> None:
    """Answer commands line by line until end of input or `quit`, printing alerts as they go."""
    stop = asyncio.Event()
    delivering = asyncio.create_task(delivery.run(stop)) if delivery is not None else None
    try:
        await _read_commands(core, stdin, stdout, delivery)
        if delivery is not None:
            await delivery.drain()  # what was already due is printed before leaving
    finally:
        stop.set()
        if delivering is not None:
            await delivering


async def _read_commands(
    core: Core, stdin: TextIO, stdout: TextIO, delivery: Delivery | None
) -> None:
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
            reply = printable(await core.handle(text, caller))
        except Exception:
            # The one error boundary of the console: the bot keeps running.
            error_id = uuid.uuid4().hex[:8]
            log.exception("error %s answering %r", error_id, text)
            reply = f"Something went wrong (error {error_id}); the log has the details."
        print(reply + "\n", file=stdout, flush=True)
        if delivery is not None:
            # Print what this command queued (an alert) right under its reply.
            await delivery.drain()
