"""The interactive console, driven through a pseudo-terminal as a person types at it."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import NOW

ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][AB0-2]|\x1b[=>]|\r")
UP, TAB, CTRL_C, CTRL_D = "\x1b[A", "\t", "\x03", "\x04"
NUMBERED = re.compile(r"^\s*(\d+)\. (.+)$", re.MULTILINE)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")


class Terminal:
    """A `pausewatch run` process on a pseudo-terminal of 100×30."""

    def __init__(self, tmp_path: Path) -> None:
        main, child = pty.openpty()
        fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        env = {k: v for k, v in os.environ.items() if not k.startswith("PAUSEWATCH_")}
        env.update(
            PAUSEWATCH_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/pw.db",
            PAUSEWATCH_NOW=NOW.isoformat(),
            XDG_STATE_HOME=str(tmp_path / "state"),
            TERM="xterm",
            PROMPT_TOOLKIT_NO_CPR="1",
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            stdin=child,
            stdout=child,
            stderr=child,
            env=env,
            cwd=tmp_path,
            close_fds=True,
        )
        os.close(child)
        self.main = main
        self.seen = ""

    def read_until(self, text: str, timeout: float = 30.0) -> str:
        """Read what the terminal shows until `text` appears (escape sequences removed)."""
        deadline = time.monotonic() + timeout
        while text not in self.seen:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{text!r} never appeared; the screen showed:\n{self.seen}")
            ready, _, _ = select.select([self.main], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.main, 65536).decode("utf-8", "replace")
                except OSError:
                    break  # the process closed the terminal
                self.seen += ESCAPES.sub("", chunk)
        found, self.seen = self.seen, self.seen.split(text, 1)[1]
        return found

    def type(self, keys: str) -> None:
        os.write(self.main, keys.encode())

    def exit_code(self) -> int:
        try:
            return self.process.wait(timeout=30)
        finally:
            os.close(self.main)


def test_a_person_at_the_prompt_edits_recalls_completes_and_leaves(tmp_path: Path) -> None:
    terminal = Terminal(tmp_path)
    terminal.read_until("pausewatch>")
    terminal.type("since as-of 2024-07-15\r")
    terminal.read_until("84 days since the last attack")
    terminal.read_until("pausewatch>")
    terminal.type(UP + "\r")  # the Up arrow recalls the line: no escape sequence is echoed
    screen = terminal.read_until("84 days since the last attack")
    assert "since as-of 2024-07-15" in screen and "[A" not in screen
    terminal.read_until("pausewatch>")
    terminal.type("sinc" + TAB)  # Tab completes the verb
    terminal.read_until("since")
    terminal.type(" as-of 2024-07-20\r")
    terminal.read_until("4 days since the last attack")
    terminal.read_until("pausewatch>")
    terminal.type("pause as-of 2024-07" + CTRL_C)  # Ctrl-C drops the line, the bot stays
    screen = terminal.read_until("Ctrl-C again")
    assert "The current pause" not in screen
    terminal.read_until("pausewatch>")
    terminal.type(CTRL_C)
    assert terminal.exit_code() == 0


def test_the_history_is_kept_across_runs_and_ctrl_d_leaves(tmp_path: Path) -> None:
    first = Terminal(tmp_path)
    first.read_until("pausewatch>")
    first.type("since as-of 2024-07-18\r")
    first.read_until("2 days since the last attack")
    first.read_until("pausewatch>")
    first.type(CTRL_D)
    assert first.exit_code() == 0
    second = Terminal(tmp_path)
    second.read_until("pausewatch>")
    second.type(UP + "\r")
    second.read_until("2 days since the last attack")
    second.read_until("pausewatch>")
    second.type("quit\r")
    assert second.exit_code() == 0


def answered(terminal: Terminal, line: str) -> str:
    """Type a line and return what the terminal shows until the next prompt."""
    terminal.type(line + "\r")
    # The prompt is drawn again with the line as typed; a reply ends with a blank line.
    return terminal.read_until("\n\npausewatch>")


def headline_counting(screen: str, number: int, *words: str) -> str:
    """Return the line of `screen` that counts `number` attacks; fail unless it names `words`."""
    found = re.search(rf"^{number} attacks?\b.*$", screen, re.MULTILINE)
    assert found is not None, screen
    assert all(word in found.group(0) for word in words), screen
    return found.group(0)


def test_a_number_picks_a_reading_and_a_follow_up_survives_a_restart(tmp_path: Path) -> None:
    first = Terminal(tmp_path)  # its first run loads the sample: 4 attacks in 2024, 1 in Iraq
    first.read_until("pausewatch>")
    for line in (
        "add 2024-05-01 country:Syria",
        "add 2024-06-01 country:Syria",
        'add 2024-03-01 country:Iraq location:"Ain al-Asaad"',  # the sample's is Ain al-Assad
        "add 2024-09-01 country:Jordan",  # the last attack is at neither place
    ):
        assert "Recorded attack" in answered(first, line)
    asked = answered(first, "since ain al asad")
    picked = [number for number, text in NUMBERED.findall(asked) if "Ain al-Asaad" in text]
    assert len(NUMBERED.findall(asked)) >= 2 and len(picked) == 1, asked
    screen = answered(first, picked[0])
    assert f"{(NOW.date() - date(2024, 3, 1)).days} days since the last attack" in screen
    headline_counting(answered(first, "how many attacks in 2024?"), 8, "2024")
    first.type(CTRL_D)
    assert first.exit_code() == 0
    # Started again on the same database, the console follows the question asked before.
    second = Terminal(tmp_path)
    second.read_until("pausewatch>")
    headline_counting(answered(second, "and in Syria?"), 2, "Syria", "2024")
    headline_counting(answered(second, "and in Jordan?"), 1, "Jordan", "2024")
    second.type("quit\r")
    assert second.exit_code() == 0
