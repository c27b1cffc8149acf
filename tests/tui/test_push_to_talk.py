"""Manual turns on screen: the push-to-talk line in the header, the view's turns, plain mode."""

from __future__ import annotations

from rich.segment import Segment

from realtime_cli.core.actions import (
    ResponseFinished,
    ResponseStarted,
    TranscriptDelta,
    TranscriptDone,
)
from realtime_cli.tui import PlainTranscript, PushToTalkState, Status, TalkView, render_screen
from realtime_cli.tui.render import push_to_talk_line, render_header
from tests.tui.scenes import console


def _header(view: TalkView) -> list[str]:
    c = console()
    c.print(render_header(view))
    return c.export_text().splitlines()


def _segments(view: TalkView) -> list[Segment]:
    c = console()
    return list(c.render(render_header(view), c.options))


def test_without_push_to_talk_the_header_has_no_such_line() -> None:
    lines = _header(TalkView())
    assert len(lines) == 3  # status, latency and spend, rule
    assert not any("push-to-talk" in line or "talking" in line for line in lines)


def test_ready_tells_which_key_to_use() -> None:
    view = TalkView()
    view.set_push_to_talk("SPACE")
    lines = _header(view)
    assert len(lines) == 4
    assert lines[2] == "push-to-talk: hold SPACE to talk, or press it to start and again to send"
    key = next(s for s in _segments(view) if s.text == "SPACE")
    assert key.style is not None and key.style.reverse


def test_talking_stands_out_and_says_how_to_send() -> None:
    view = TalkView()
    view.set_push_to_talk("SPACE")
    view.talk_started(1.0)
    lines = _header(view)
    assert lines[0].startswith("● user speaking")
    assert lines[2].startswith(" ● talking ")
    assert "release or press SPACE to send" in lines[2]
    badge = next(s for s in _segments(view) if s.text == " ● talking ")
    assert badge.style is not None and badge.style.bgcolor is not None


def test_an_input_file_turn_needs_no_key() -> None:
    view = TalkView()
    view.set_push_to_talk(None)
    view.talk_started(0.0)
    assert "sent when the input ends" in _header(view)[2]
    assert "SPACE" not in "\n".join(_header(view))
    view.talk_ended(5.0, committed=True)
    assert view.push_to_talk is PushToTalkState.SENT
    assert _header(view)[2] == "push-to-talk: the input was sent as one turn"


def test_a_committed_turn_waits_for_its_transcript_and_the_answer() -> None:
    view = TalkView()
    view.set_push_to_talk("SPACE")
    view.set_status(Status.LISTENING, 0.0)
    view.talk_started(1.0)
    c = console()
    c.print(render_screen(view))
    assert any(line.startswith("you       …") for line in c.export_text().splitlines())
    view.talk_ended(3.0, committed=True)
    assert view.status is Status.THINKING
    assert view.push_to_talk is PushToTalkState.READY
    view.feed([ResponseStarted("r1"), TranscriptDelta("assistant", "a1", "Sure")], 3.5)
    # The transcript of the committed audio arrives after the answer started: it fills the
    # turn the key opened, above the answer.
    view.feed([TranscriptDone("user", "u1", "Hello there")], 3.6)
    assert [(t.role, t.text) for t in view.turns] == [
        ("user", "Hello there"),
        ("assistant", "Sure"),
    ]
    assert view.user_turns == 1


def test_a_discarded_turn_leaves_no_trace_but_a_notice() -> None:
    view = TalkView()
    view.set_push_to_talk("SPACE")
    view.set_status(Status.LISTENING, 0.0)
    view.talk_started(1.0)
    view.talk_ended(1.05, committed=False)
    assert view.turns == [] and view.user_turns == 0
    assert view.status is Status.LISTENING
    assert [n.text for n in view.notices] == ["too short to send: nothing was sent"]


def test_talking_over_the_assistant_keeps_its_answer() -> None:
    view = TalkView()
    view.set_push_to_talk("SPACE")
    view.feed([ResponseStarted("r1"), TranscriptDelta("assistant", "a1", "A long answer")], 1.0)
    view.set_status(Status.SPEAKING, 1.1)
    view.talk_started(2.0)
    view.talk_ended(2.01, committed=False)
    assert [(t.role, t.text) for t in view.turns] == [("assistant", "A long answer")]


def test_plain_mode_writes_manual_turns_like_any_other() -> None:
    plain = PlainTranscript(TalkView())
    plain.view.set_push_to_talk("SPACE")
    plain.set_status(Status.LISTENING, 0.0)
    plain.view.talk_started(1.0)
    plain.view.talk_ended(1.02, committed=False)
    assert plain.flush() == []
    plain.view.talk_started(2.0)
    plain.view.talk_ended(4.0, committed=True)
    assert plain.flush() == []
    assert plain.feed([TranscriptDone("user", "u1", "what time is it")], 4.3) == [
        "you: what time is it"
    ]
    plain.feed([ResponseStarted("r1"), TranscriptDone("assistant", "a1", "Noon.")], 4.5)
    plain.feed([ResponseFinished("r1", "completed", None, None, 900, 900)], 4.6)
    assert plain.set_status(Status.LISTENING, 6.0) == ["assistant: Noon."]


def test_the_screen_still_fits_its_height_with_the_extra_line() -> None:
    view = TalkView()
    view.set_push_to_talk("SPACE")
    for i in range(40):
        view.feed([TranscriptDone("user", f"u{i}", f"question number {i}")], float(i))
    c = console(height=12)
    c.print(render_screen(view))
    lines = c.export_text().splitlines()
    assert len(lines) == 12
    assert lines[2].startswith("push-to-talk:")
    assert "question number 39" in lines[-3]
    assert lines[-1].strip() == "Ctrl-C ends the conversation"


def test_the_last_frame_offers_no_talk_key() -> None:
    view = TalkView()
    view.set_push_to_talk("SPACE")
    assert push_to_talk_line(view) is not None
    view.close(1.0)
    assert push_to_talk_line(view) is None
    # What happened to an input file's turn is still said.
    sent = TalkView()
    sent.set_push_to_talk(None)
    sent.talk_started(0.5)
    sent.talk_ended(1.0, committed=True)
    sent.close(2.0)
    line = push_to_talk_line(sent)
    assert line is not None and line.plain == "push-to-talk: the input was sent as one turn"
