"""The interactive prompt: line editing, history kept across runs, completion, Ctrl-C and Ctrl-D.

prompt_toolkit does the terminal work; this module only says what to complete and where the
history lives.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory

from bot.commands.grammar import AS_OF_WORDS
from bot.commands.plain_words import Vocabulary
from bot.commands.verbs import OPTIONS, VERBS
from bot.domain.fields import FIELD_NAMES
from bot.domain.filters import FILTER_KEYS

PROMPT = "pausewatch> "


def history_file() -> Path:
    """Return where the prompt's history is kept: $XDG_STATE_HOME/pausewatch/history."""
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "pausewatch" / "history"


class CommandCompleter(Completer):
    """Complete verbs first, then series, filter keys, options and values the data knows."""

    def __init__(self) -> None:
        self.vocabulary = Vocabulary()

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterable[Completion]:
        """Offer the words that fit where the cursor is."""
        before = document.text_before_cursor
        words = before.split()
        current = "" if before.endswith(" ") or not words else words[-1]
        if len(words) == 0 or (len(words) == 1 and current):
            candidates: list[str] = list(VERBS)
        else:
            verb = VERBS.get(words[0].lower())
            candidates = self._after_verb(verb, current)
        lowered = current.lower()
        for candidate in candidates:
            if candidate.lower().startswith(lowered) and candidate != current:
                yield Completion(candidate, start_position=-len(current))

    def _after_verb(self, verb: object, current: str) -> list[str]:
        from bot.commands.verbs import Verb

        if not isinstance(verb, Verb):
            return []
        if ":" in current:
            key = current.split(":", 1)[0].lower()
            labels = sorted({v for (k, _), v in self.vocabulary.labels.items() if k == key})
            return [f"{key}:{_quoted(value)}" for value in labels]
        found: list[str] = []
        if verb.topics:
            found += list(verb.topics)
        if verb.name == "help":
            found += list(VERBS)
        if verb.series:
            found += sorted(set(self.vocabulary.series.values()))
        if verb.filters:
            found += [f"{key}:" for key in FILTER_KEYS]
        if verb.fields:
            found += [f"{name}:" for name in FIELD_NAMES if name != "external_id"]
        found += [f"{option}:" for option in verb.options if option in OPTIONS]
        if verb.kind == "question":
            found.append(AS_OF_WORDS[0])
        return found


def _quoted(value: str) -> str:
    return f'"{value}"' if " " in value else value


def prompt_session(completer: CommandCompleter) -> PromptSession[str]:
    """Make the prompt, with its history file (created if need be)."""
    path = history_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    return PromptSession(
        PROMPT,
        history=FileHistory(str(path)),
        completer=completer,
        complete_while_typing=False,
    )
