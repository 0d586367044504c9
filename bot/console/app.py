"""The console adapter: the bot in a terminal, reading commands from standard input.

A person at a terminal gets an interactive prompt (bot/console/prompt.py); piped input is
read line by line and each command is echoed before its reply. Each line is asked in the
user's thread (console_thread), so follow-ups and picked choices carry the question before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import threading
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import IO, Any, TextIO, TypeVar

from bot.commands.context import console_caller
from bot.commands.core import Caller, Core
from bot.commands.render_text import render_text
from bot.domain.fields import clean_text
from bot.domain.replies import Reply
from bot.notify.delivery import MESSAGE_PART, Delivery, Outgoing, Progress

log = logging.getLogger(__name__)
T = TypeVar("T")
# Sends what is due now (an alert a command queued), printing it.
Drain = Callable[[], Awaitable[None]]
QUIT_WORDS = {"quit", "exit", "bye"}
CHARTS = Path("charts")
WELCOME = (
    "pausewatch: type a question or a command (`help` lists them; Tab completes, Up recalls). "
    "Ctrl-C cancels a line; Ctrl-D or `quit` leaves."
)


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
    return render_text(reply) + "".join(f"\n{written_text(path)}" for path in saved)


def written_text(path: Path) -> str:
    """Say where a saved chart or map is: "Map written to charts/map-....png"."""
    return f"{'Map' if path.name.startswith('map-') else 'Chart'} written to {path}"


class ConsoleSender:
    """Post alerts and digests for the console's channel by printing them."""

    platform = "console"

    def __init__(self, stdout: TextIO | None = None) -> None:
        # None: whatever sys.stdout is when a message comes (the prompt redirects it so that
        # an alert printed while someone types appears above their line).
        self.stdout = stdout

    async def send(self, message: Outgoing, progress: Progress) -> None:
        """Print one message under a line that says what it is and where it goes."""
        banner = f"[{message.kind} for {message.channel}]"
        out = self.stdout or sys.stdout
        print(f"{banner}\n{printable(message.reply)}\n", file=out, flush=True)
        await progress(MESSAGE_PART)


async def run_console(
    core: Core,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stopping: asyncio.Event | None = None,
) -> None:
    """Answer commands until end of input, `quit` or `stopping`, with no delivery of alerts.

    The bot runs the console as ConsolePlatform, below, which prints alerts too.
    """
    await _session(core, stdin, stdout, None, stopping)


class ConsolePlatform:
    """The terminal for the platform runner (bot/platforms.py): it ends the bot when it ends.

    Its `sender` prints what the runner's delivery loop posts; what a command queued (an
    alert) is printed right under its reply, through the delivery the runner hands over.
    """

    def __init__(
        self, core: Core, stdin: TextIO | None = None, stdout: TextIO | None = None
    ) -> None:
        self.core = core
        self.stdin, self.stdout = stdin, stdout
        self.sender = ConsoleSender(stdout)
        self.delivery: Delivery | None = None
        self._stop: asyncio.Event | None = None

    def deliver_with(self, delivery: Delivery) -> None:
        """Take the runner's delivery, to print what a command queued under its reply."""
        self.delivery = delivery

    async def connect(self) -> None:
        """Nothing to log in to: the terminal is there."""

    def is_connected(self) -> bool:
        """Say that the terminal is connected (for /readyz): it is while it is served."""
        return True

    def after_write(self) -> None:
        """Nothing on a terminal shows incidents by itself."""

    async def serve(self, stop: asyncio.Event) -> None:
        """Answer commands until end of input, `quit` or `stop` (SIGTERM); then set `stop`.

        Told to stop, it finishes the command being answered and ends without waiting for
        another line; what is then due is printed by the runner once its loop has stopped.
        """
        self._stop = stop
        try:
            await _session(self.core, self.stdin, self.stdout, self._drain, stop)
            await self._drain()  # what was already due is printed before leaving
        finally:
            stop.set()  # the terminal's user left: the bot (its loop, the HTTP side) ends too

    async def _drain(self) -> None:
        # Once stopping, the delivery loop gives back what it claims: the runner prints it
        # after the loop has ended (bot/platforms.py), so nothing is drained here then.
        if self.delivery is not None and not (self._stop is not None and self._stop.is_set()):
            await self.delivery.drain()


async def _session(
    core: Core,
    stdin: TextIO | None,
    stdout: TextIO | None,
    drain: Drain | None,
    stopping: asyncio.Event | None,
) -> None:
    """Run the prompt for a person at a terminal, else read the piped commands."""
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    if stdin.isatty() and stdout.isatty():
        await _prompt(core, drain, stopping)
    else:
        await _read_commands(core, stdin, stdout, drain, stopping)


def console_thread(caller: Caller) -> str:
    """Return the thread a terminal user asks in: one per user, the same in every run.

    The core keeps a thread's last question in the database, so "and in Syria?" or the number
    of a choice typed after the console was quit and started again (or in the next
    `pausewatch ask`) still follows the question before it.
    """
    return f"console:{caller.user}"


async def answer(core: Core, text: str, caller: Caller) -> str:
    """Answer one line as text; the console's one error boundary keeps the bot running.

    The line goes through the core's conversational entry: a question in people's words, a
    follow-up, the number of a reading it offered, or a command as written.
    """
    try:
        outcome = await core.ask(text, caller, thread=console_thread(caller))
        return printable(outcome.reply)
    except Exception:
        error_id = uuid.uuid4().hex[:8]
        log.exception("error %s answering %r", error_id, text)
        return f"Something went wrong (error {error_id}); the log has the details."


async def _unless_stopped(waiting: Awaitable[T], stopping: asyncio.Event | None) -> T | None:
    """Wait for `waiting`, or return None as soon as `stopping` is set."""
    task = asyncio.ensure_future(waiting)
    if stopping is None:
        return await task
    stopped = asyncio.ensure_future(stopping.wait())
    try:
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
    if task.done():
        return task.result()
    task.cancel()
    return None


async def _in_daemon_thread(function: Callable[[], T]) -> T:
    """Run a blocking read in a daemon thread: a process told to stop need not wait for it."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(value: T | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(value)  # type: ignore[arg-type]

    def work() -> None:
        value: T | None = None
        error: BaseException | None = None
        try:
            value = function()
        except BaseException as failure:  # handed to the waiting coroutine
            error = failure
        # The loop may have closed: then nobody waits for this line any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(settle, value, error)

    threading.Thread(target=work, name="pausewatch-stdin", daemon=True).start()
    return await future


async def _prompt(core: Core, drain: Drain | None, stopping: asyncio.Event | None) -> None:
    from prompt_toolkit.patch_stdout import patch_stdout

    from bot.console.prompt import CommandCompleter, prompt_session

    caller = console_caller()
    completer = CommandCompleter()
    session = prompt_session(completer)
    print(WELCOME)
    interrupted = False
    # Told to stop while someone types: the prompt ends as if they had pressed Ctrl-D.
    # (prompt_async is not run in a task of its own: its Ctrl-C must reach this loop.)
    watching = asyncio.ensure_future(_leave_prompt_on(stopping, session)) if stopping else None
    terminal = sys.stdout
    with patch_stdout(raw=True):
        while True:
            try:
                completer.vocabulary = await core.vocabulary()
            except Exception:
                log.debug("no completions: the data's words could not be read", exc_info=True)
            if stopping is not None and stopping.is_set():
                break
            try:
                line = await session.prompt_async()
            except KeyboardInterrupt:
                if interrupted:
                    break
                interrupted = True
                print("(Ctrl-C again, or Ctrl-D, to leave.)", file=terminal, flush=True)
                continue
            except EOFError:
                break
            interrupted = False
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            if text.lower() in QUIT_WORDS:
                break
            # No prompt is up while a line is answered: what is printed then goes straight to
            # the terminal, in order. Through patch_stdout's thread it could land after the
            # next prompt was drawn, with no prompt under it.
            with contextlib.redirect_stdout(terminal):
                print(await answer(core, text, caller) + "\n", flush=True)
                if drain is not None:
                    await drain()
    if watching is not None:
        watching.cancel()


async def _leave_prompt_on(stopping: asyncio.Event, session: Any) -> None:
    await stopping.wait()
    if session.app.is_running:
        session.app.exit(exception=EOFError())


def _descriptor_lines(raw: IO[bytes]) -> Callable[[], bytes]:
    """Return a reader of lines straight from the file descriptor under `raw`, if it has one.

    Python's buffered reader holds a lock while it waits for a line; a process that stops
    then cannot take that lock at exit and aborts. os.read holds none.
    """
    try:
        descriptor = raw.fileno()
    except (OSError, ValueError):
        return raw.readline  # not a real file (a test's buffer): its own readline is fine
    pending = bytearray()

    def read_line() -> bytes:
        while b"\n" not in pending:
            chunk = os.read(descriptor, 65536)
            if not chunk:
                line = bytes(pending)
                pending.clear()
                return line
            pending.extend(chunk)
        end = pending.index(b"\n") + 1
        line = bytes(pending[:end])
        del pending[:end]
        return line

    return read_line


async def _read_commands(
    core: Core,
    stdin: TextIO,
    stdout: TextIO,
    drain: Drain | None,
    stopping: asyncio.Event | None,
) -> None:
    caller = console_caller()
    raw: IO[bytes] | None = getattr(stdin, "buffer", None)
    read_line = _descriptor_lines(raw) if raw is not None else None
    number = 0
    while True:
        number += 1
        if stopping is not None and stopping.is_set():
            break
        if read_line is not None:
            data = await _unless_stopped(_in_daemon_thread(read_line), stopping)
            if not data:
                break
            try:
                line = data.decode("utf-8")
            except UnicodeDecodeError:
                print(
                    f"line {number} is not UTF-8 text and was skipped; save the file as UTF-8.\n",
                    file=stdout,
                    flush=True,
                )
                continue
        else:
            read = await _unless_stopped(_in_daemon_thread(stdin.readline), stopping)
            if not read:
                break
            line = read
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if text.lower() in QUIT_WORDS:
            break
        print(f"> {clean_text(text)}", file=stdout)  # never echo a terminal escape
        print(await answer(core, text, caller) + "\n", file=stdout, flush=True)
        if drain is not None:
            # Print what this command queued (an alert) right under its reply.
            await drain()
