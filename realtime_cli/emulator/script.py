"""What the emulated model says: canned replies, tool arguments and transcripts for tests.

Without anything registered the emulator answers deterministically (`replies`), calls the
function tools the user's words ask for with arguments read from those words, and
transcribes user audio as a sentence giving its duration.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["ArgumentsFactory", "QueuedTranscript", "Script"]

#: Arguments of a function call: a JSON object (mapping or JSON text), or a function of the
#: user's last text returning one.
ArgumentsFactory = Mapping[str, Any] | str | Callable[[str], Mapping[str, Any] | str]


def _normal(text: str) -> str:
    return " ".join(text.lower().split())


@dataclass(frozen=True)
class QueuedTranscript:
    """A transcript a test asked for, and when it completes."""

    text: str
    delay: float | None = None


class Script:
    """Test hooks deciding the emulated model's words; shared by every connection."""

    def __init__(self) -> None:
        self._queued: deque[str] = deque()
        self._by_text: dict[str, str] = {}
        self._arguments: dict[str, ArgumentsFactory] = {}
        self._transcripts: deque[QueuedTranscript] = deque()

    def queue_reply(self, text: str) -> None:
        """The next message response (any connection) says `text`; replies queue in order."""
        self._queued.append(text)

    def set_reply(self, user_text: str, reply: str) -> None:
        """Whenever the user's last text is `user_text` (case and spacing ignored), say `reply`."""
        self._by_text[_normal(user_text)] = reply

    def set_tool_arguments(self, name: str, arguments: ArgumentsFactory) -> None:
        """Arguments the model passes when it calls the function tool `name`."""
        self._arguments[name] = arguments

    def queue_transcript(self, text: str, *, delay: float | None = None) -> None:
        """The next transcription of user audio gives `text`; transcripts queue in order.

        `delay` is seconds from the commit to `completed` (default: none in exact mode, the
        live range otherwise); give two quick turns delays in reverse to see completions
        arrive out of order."""
        self._transcripts.append(QueuedTranscript(text, delay))

    def reply_for(self, user_text: str | None) -> str | None:
        """A registered reply for this user text, consuming a queued one first."""
        if self._queued:
            return self._queued.popleft()
        if user_text is None:
            return None
        return self._by_text.get(_normal(user_text))

    def has_arguments(self, name: str) -> bool:
        """Whether a test registered the arguments of `name`."""
        return name in self._arguments

    def arguments_for(self, name: str, user_text: str) -> str:
        """The JSON arguments string for a call of `name`."""
        factory = self._arguments.get(name)
        value = factory(user_text) if callable(factory) else factory
        if value is None:
            return "{}"
        return value if isinstance(value, str) else json.dumps(dict(value))

    def peek_transcript(self) -> QueuedTranscript | None:
        """The transcript the next transcription will give, without taking it."""
        return self._transcripts[0] if self._transcripts else None

    def next_transcript(self) -> QueuedTranscript | None:
        """A queued transcript, if any."""
        return self._transcripts.popleft() if self._transcripts else None
