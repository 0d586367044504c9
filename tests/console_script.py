"""The `pausewatch` console script run in this process (Typer's runner), isolated as a process is.

A process costs a second of imports; most CLI tests need only what the command prints and how it
exits. What a process has to itself is given to each run here: of the PAUSEWATCH_, SLACK_ and
DISCORD_ variables it sees only those the test names, the logging the command sets up writes to
the run's own standard error (so a stray warning shows, as it would), and what a command changes
in a library's globals is put back afterwards.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Coroutine, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from typer.testing import CliRunner

from bot.cli import app

T = TypeVar("T")
PREFIXES = ("PAUSEWATCH_", "SLACK_", "DISCORD_")


@dataclass
class Ran:
    """What a command printed and how it exited."""

    returncode: int
    stdout: str
    stderr: str


@contextmanager
def _own_logging() -> Iterator[None]:
    """Give the run a root logger without handlers, as a fresh process has; put it back after."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    root.handlers.clear()
    try:
        yield
    finally:
        for handler in root.handlers:  # made by the run, on its (now closed) standard error
            handler.close()
        root.handlers[:] = handlers
        root.setLevel(level)


@contextmanager
def _library_globals(env: dict[str, str]) -> Iterator[None]:
    """Put back what `run` sets in a library for the whole process (discord.py's API base)."""
    if "DISCORD_TOKEN" not in env:
        yield
        return
    from discord.http import Route

    base = Route.BASE
    try:
        yield
    finally:
        Route.BASE = base


def pausewatch(*args: str, env: dict[str, str], stdin: str | bytes = "") -> Ran:
    """Run one command of the console script in this process, with exactly `env` set.

    Call it where no event loop runs (a plain test function): commands run their own with
    asyncio.run, and `run` takes SIGTERM as a process does.
    """
    environment: dict[str, str | None] = {
        name: None for name in os.environ if name.startswith(PREFIXES)
    }
    environment.update(env)
    with _own_logging(), _library_globals(env):
        result = CliRunner().invoke(app, list(args), input=stdin, env=environment)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Ran(result.exit_code, result.stdout, result.stderr)


class BackgroundLoop:
    """An event loop in a thread of its own, for the fakes a command in this process talks to."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        """Run `coroutine` on the loop and return its result."""
        future: Future[T] = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        return future.result(timeout)

    def __enter__(self) -> BackgroundLoop:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()
