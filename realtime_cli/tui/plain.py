"""Plain output (`--plain`, or stdout not a terminal): one line per finished utterance, no
escape codes, flushed as each one is written."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO

from realtime_cli.core.actions import Action
from realtime_cli.tui.sanitize import one_line
from realtime_cli.tui.state import Status, TalkView, Turn

__all__ = ["PlainTranscript", "plain_line"]


def plain_line(turn: Turn) -> str | None:
    """The line for one finished utterance, or `None` when it has no text to show."""
    if turn.role == "user":
        text = one_line(turn.text)
        if turn.failure:
            return f"you: ({one_line(turn.failure)})"
        if (note := turn.transcript_note()) is not None:
            return f"you: {text + ' ' if text else ''}({note})"
        return f"you: {text}" if text else None
    if turn.failure:
        text = one_line(turn.text)
        return f"assistant: {text + ' ' if text else ''}({one_line(turn.failure)})"
    if turn.interrupted:
        heard, unheard = one_line(turn.heard_text), one_line(turn.unheard_text)
        estimate = ", heard text estimated" if turn.heard_estimated else ""
        line = f"assistant (interrupted at {turn.heard_ms / 1000:.1f} s{estimate}):"
        if heard:
            line += f" {heard}"
        if unheard:
            line += f" [unheard: {unheard}]"
        return line
    text = one_line(turn.text)
    return f"assistant: {text}" if text else None


class PlainTranscript:
    """Writes a line per utterance as it becomes final in `view`.

    Feed the view as usual (directly or through the `feed`/`set_status`/`close` shortcuts
    here), then call `flush()`; each returns the lines it wrote.
    """

    def __init__(self, view: TalkView, out: TextIO | None = None) -> None:
        self.view = view
        self.out = out

    def flush(self) -> list[str]:
        """Write (and return) the lines of the utterances finished since the last call."""
        lines = [line for turn in self.view.take_settled() if (line := plain_line(turn))]
        if self.out is not None:
            for line in lines:
                # A pipe reader (another program, `tee`) should see each utterance at once.
                self.out.write(line + "\n")
                self.out.flush()
        return lines

    def feed(self, actions: Iterable[Action], now: float) -> list[str]:
        """`TalkView.feed`, then `flush`."""
        self.view.feed(actions, now)
        return self.flush()

    def set_status(self, status: Status, now: float) -> list[str]:
        """`TalkView.set_status`, then `flush`."""
        self.view.set_status(status, now)
        return self.flush()

    def close(self, now: float) -> list[str]:
        """`TalkView.close`, then `flush`: the last utterances, as they stand."""
        self.view.close(now)
        return self.flush()
