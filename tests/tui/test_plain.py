"""Plain mode: one escape-free line per finished utterance, flushed as it is written."""

from __future__ import annotations

import io

from realtime_cli.core.actions import (
    Interrupted,
    ResponseFinished,
    ResponseStarted,
    SpeechStarted,
    TranscriptDelta,
    TranscriptDone,
)
from realtime_cli.tui import PlainTranscript, Status, TalkView
from tests.tui.scenes import ANSWER, HEARD, UNHEARD, barge_in_view


class _Out(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.flushed_at: list[int] = []

    def flush(self) -> None:
        self.flushed_at.append(len(self.getvalue()))
        super().flush()


def test_one_line_per_finished_utterance() -> None:
    view = barge_in_view()
    plain = PlainTranscript(view)
    lines = plain.close(120.0)
    assert lines == [
        "you: What's the weather?",
        f"assistant: {ANSWER}",
        "you: And tomorrow?",
        "assistant (interrupted at 1.2 s, heard text estimated): "
        f"{HEARD.strip()} [unheard: {UNHEARD}]",
    ]
    assert plain.flush() == []


def test_lines_come_as_utterances_finish_and_each_is_flushed() -> None:
    out = _Out()
    plain = PlainTranscript(TalkView(), out)
    plain.set_status(Status.LISTENING, 0.0)
    assert plain.feed([SpeechStarted(0), TranscriptDelta("user", "u", "hel")], 1.0) == []
    assert plain.feed([TranscriptDone("user", "u", "hello")], 1.5) == ["you: hello"]
    plain.feed([ResponseStarted("r"), TranscriptDelta("assistant", "a", "hi ")], 2.0)
    plain.set_status(Status.SPEAKING, 2.2)
    # Fully generated, still playing: a barge-in could still cut it.
    assert plain.feed([TranscriptDone("assistant", "a", "hi there")], 2.3) == []
    assert plain.feed([ResponseFinished("r", "completed", None, None, 800, 800)], 2.4) == []
    assert plain.set_status(Status.LISTENING, 3.0) == ["assistant: hi there"]
    assert out.getvalue() == "you: hello\nassistant: hi there\n"
    assert out.flushed_at == [len("you: hello\n"), len(out.getvalue())]


def test_interrupted_answer_is_written_once() -> None:
    plain = PlainTranscript(TalkView())
    plain.feed([ResponseStarted("r"), TranscriptDelta("assistant", "a", "one two")], 1.0)
    plain.set_status(Status.SPEAKING, 1.1)
    lines = plain.feed([SpeechStarted(0), Interrupted("a", 2500, 4000, "one ", "two")], 2.0)
    assert lines == ["assistant (interrupted at 2.5 s, heard text estimated): one [unheard: two]"]
    assert plain.feed([TranscriptDone("assistant", "a", "one two three")], 2.1) == []
    assert plain.set_status(Status.LISTENING, 3.0) == []
    assert plain.close(4.0) == []


def test_text_only_answers_finish_with_their_response() -> None:
    plain = PlainTranscript(TalkView())
    plain.feed([ResponseStarted("r"), TranscriptDone("assistant", "a", "just text")], 1.0)
    lines = plain.feed([ResponseFinished("r", "completed", None, None, 0, 0)], 1.1)
    assert lines == ["assistant: just text"]


def test_next_response_settles_an_answer_the_session_never_reported_as_heard() -> None:
    plain = PlainTranscript(TalkView())
    plain.feed([ResponseStarted("r1"), TranscriptDone("assistant", "a1", "first")], 1.0)
    assert plain.feed([ResponseStarted("r2")], 5.0) == ["assistant: first"]


def test_no_escape_codes_and_no_line_breaks_inside_an_utterance() -> None:
    out = _Out()
    plain = PlainTranscript(TalkView(), out)
    plain.feed([TranscriptDone("user", "u", "two\nlines \x1b[1mbold\x1b[0m\r")], 1.0)
    assert out.getvalue() == "you: two lines [1mbold[0m\n"
    assert "\x1b" not in out.getvalue()
