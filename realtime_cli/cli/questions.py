"""The one yes/no question mechanism of `rt talk`: a command tool's `confirm = true` and an
MCP server's approval request both ask through it.

Questions wait in line; the first is shown (in the live screen's header, or as a line on
stderr with --plain) and answered with `y` or `n` on the terminal. `--approve always|never`
answers every question without asking (headless runs); with no terminal to ask on, the
answer is no, and the user is told.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Literal

__all__ = ["APPROVE_POLICIES", "ApprovePolicy", "Questions"]

ApprovePolicy = Literal["ask", "always", "never"]
APPROVE_POLICIES: tuple[ApprovePolicy, ...] = ("ask", "always", "never")


class Questions:
    """Asks yes/no questions on screen, one at a time.

    `show(text)` displays the current question (None: nothing to ask); `tell(text)` reports
    an answer given without asking. `can_ask` is False when there is no terminal.
    """

    def __init__(
        self,
        policy: ApprovePolicy,
        *,
        can_ask: bool,
        show: Callable[[str | None], None] = lambda text: None,
        tell: Callable[[str], None] = lambda text: None,
    ) -> None:
        self.policy = policy
        self.can_ask = can_ask
        self.attach(show, tell)
        self._waiting: deque[tuple[str, asyncio.Future[bool]]] = deque()

    def attach(self, show: Callable[[str | None], None], tell: Callable[[str], None]) -> None:
        """Where questions are shown and answers reported (the screen, once it exists)."""
        self._show = show
        self._tell = tell

    @property
    def pending(self) -> str | None:
        """The question on screen now."""
        return self._waiting[0][0] if self._waiting else None

    async def ask(self, text: str) -> bool:
        """The user's answer to `text` (a policy's, when there is one)."""
        if self.policy != "ask" or not self.can_ask:
            answer = self.policy == "always"
            why = f"--approve {self.policy}" if self.policy != "ask" else "no terminal to ask on"
            self._tell(f"{text} -> {'yes' if answer else 'no'} ({why})")
            return answer
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append((text, future))
        if len(self._waiting) == 1:
            self._show(text)
        try:
            return await future
        finally:
            # Answered or abandoned (the tool timed out, the session ended): next question.
            self._drop(future)

    def key(self, char: str) -> bool:
        """A key typed on the terminal; True when it answered the question on screen."""
        if not self._waiting or char.lower() not in ("y", "n"):
            return False
        text, future = self._waiting[0]
        answer = char.lower() == "y"
        self._tell(f"{text} -> {'yes' if answer else 'no'}")
        if not future.done():
            future.set_result(answer)
        self._drop(future)
        return True

    def _drop(self, future: asyncio.Future[bool]) -> None:
        first = self._waiting[0][1] if self._waiting else None
        self._waiting = deque(entry for entry in self._waiting if entry[1] is not future)
        if first is future:
            self._show(self.pending)
