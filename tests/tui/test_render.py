"""The rich screen: rendered to a recording console and read back as text, HTML and segments."""

from __future__ import annotations

import re

from rich.color import Color
from rich.segment import Segment

from realtime_cli.core.actions import (
    Notice,
    SpeechStarted,
    SpeechStopped,
    TranscriptDelta,
    TranscriptDone,
    UserTurnCommitted,
)
from realtime_cli.tui import PlainTranscript, Status, TalkView, mic_meter, render_screen
from realtime_cli.tui.render import NOTICE_TTL_S, STATUS_STYLES, render_header
from realtime_cli.tui.state import TRANSCRIPT_WAIT_S
from tests.tui.scenes import ANSWER, HEARD, UNHEARD, barge_in_view, console


def _segments(view: TalkView, height: int = 25) -> list[Segment]:
    c = console(height)
    return list(c.render(render_screen(view), c.options))


def test_transcript_shows_both_sides_in_order() -> None:
    c = console()
    c.print(render_screen(barge_in_view()))
    text = c.export_text()
    order = [
        text.index("What's the weather?"),
        text.index(ANSWER),
        text.index("And tomorrow?"),
        text.index(HEARD.strip()),
        text.index(UNHEARD),
    ]
    assert order == sorted(order)
    assert "(interrupted at" in text
    assert re.search(r"^you +What's the weather\?", text, re.M)
    assert re.search(r"^assistant +It is sunny", text, re.M)


def test_exactly_the_unheard_text_is_struck_through() -> None:
    struck = "".join(
        s.text for s in _segments(barge_in_view()) if s.style is not None and s.style.strike
    )
    assert struck == UNHEARD
    c = console()
    c.print(render_screen(barge_in_view()))
    html = c.export_html(inline_styles=True)
    spans = re.findall(r'<span style="([^"]*)">([^<]*)</span>', html)
    assert [t for style, t in spans if "line-through" in style] == [UNHEARD]


def test_user_and_assistant_text_look_different() -> None:
    segments = _segments(barge_in_view())
    user = next(s for s in segments if "What's the weather?" in s.text)
    answer = next(s for s in segments if ANSWER in s.text)
    assert user.style != answer.style
    assert user.style is not None and user.style.color is not None


def test_header_shows_status_meter_latencies_tokens_and_cost() -> None:
    view = barge_in_view()
    c = console()
    c.print(render_header(view))
    header = c.export_text()
    first, second = header.splitlines()[:2]
    assert "● user speaking" in first
    assert "mic ██████████······ -23 dBFS" in first
    assert "gpt-realtime · marin · 0:08" in first
    assert "latency 710 ms" in second
    assert "stop 85 ms" in second
    assert "tokens 2,000 in 1,000 out" in second
    assert f"${view.cost.total:.4f}" in second
    assert f"(${view.cost.unheard:.4f} unheard)" in second


def test_each_state_has_its_colour() -> None:
    view = TalkView()
    colours = set()
    for status in (Status.LISTENING, Status.USER_SPEAKING, Status.THINKING, Status.SPEAKING):
        view.set_status(status, 0.0)
        segment = next(s for s in _segments(view) if s.text == status.value.ljust(13))
        assert segment.style is not None
        colours.add(segment.style.color)
    assert len(colours) == 4
    assert Color.parse("green") in colours
    assert set(STATUS_STYLES) == set(Status)


def test_meter_scales_and_warns() -> None:
    assert mic_meter(-60.0).plain == "·" * 16
    assert mic_meter(0.0).plain == "█" * 16
    assert mic_meter(-30.0).plain == "█" * 8 + "·" * 8
    styles = {str(span.style) for span in mic_meter(0.0).spans}
    assert styles == {"green", "yellow", "red"}
    assert mic_meter(None).plain == "off".ljust(16)


def test_unknown_latencies_show_a_dash() -> None:
    c = console()
    c.print(render_header(TalkView()))
    assert "latency -  stop -" in c.export_text()


def test_screen_fits_the_height_by_showing_the_last_turns() -> None:
    view = TalkView()
    for i in range(40):
        view.feed([TranscriptDone("user", f"u{i}", f"question number {i}")], float(i))
    c = console(height=12)
    c.print(render_screen(view))
    lines = c.export_text().splitlines()
    assert len(lines) == 12
    assert "question number 39" in lines[-3]
    assert not any("question number 30 " in line + " " for line in lines)
    assert lines[0].startswith("● connecting")
    assert lines[-1].strip() == "Ctrl-C ends the conversation"


def test_long_turns_wrap_and_the_tail_still_shows() -> None:
    view = TalkView()
    view.feed([TranscriptDone("user", "u", "word " * 200)], 0.0)
    view.feed([TranscriptDelta("assistant", "a", "the latest words")], 1.0)
    c = console(height=10)
    c.print(render_screen(view))
    lines = c.export_text().splitlines()
    assert len(lines) == 10
    assert "the latest words▍" in "\n".join(lines)


def test_footer_keeps_errors_and_lets_info_fade() -> None:
    view = TalkView()
    view.feed([Notice("reconnecting in 1 s")], 0.0)
    view.feed([Notice("truncate failed", level="error")], 0.0)
    c = console()
    c.print(render_screen(view))
    text = c.export_text()
    assert "info: reconnecting in 1 s" in text
    assert "error: truncate failed" in text
    view.tick(NOTICE_TTL_S + 1)
    c.print(render_screen(view))
    text = c.export_text()
    assert "reconnecting" not in text
    assert "error: truncate failed" in text


def test_escape_sequences_from_the_model_are_not_printed() -> None:
    view = TalkView()
    view.feed([TranscriptDone("assistant", "a", "red\x1b[31m text\x07\r")], 0.0)
    c = console()
    c.print(render_screen(view))
    plain = c.export_text(styles=False)
    assert "\x1b" not in plain
    assert "\x07" not in plain
    assert "red[31m text" in plain


def _screen_text(view: TalkView) -> str:
    c = console()
    c.print(render_screen(view))
    return "\n".join(line.rstrip() for line in c.export_text().splitlines())


def test_a_stalled_user_transcript_is_marked_on_the_screen_as_in_plain_output() -> None:
    """Deltas that stop with no completion (the service's reported stall): the screen says
    what --plain says, once the transcript is overdue and when the conversation ends."""
    view = TalkView()
    plain = PlainTranscript(view)
    view.feed([SpeechStarted(0, item_id="u1"), UserTurnCommitted("u1", transcribed=True)], 1.0)
    view.feed([TranscriptDelta("user", "u1", "half a sen")], 1.5)
    view.tick(1.0 + TRANSCRIPT_WAIT_S - 0.1)
    assert "(transcript incomplete)" not in _screen_text(view)  # still coming, maybe
    view.tick(1.0 + TRANSCRIPT_WAIT_S + 0.1)
    assert re.search(r"^you +half a sen \(transcript incomplete\)$", _screen_text(view), re.M)
    assert plain.flush() == ["you: half a sen (transcript incomplete)"]
    # A user turn with nothing at all says so rather than waiting with "…" for ever.
    view.feed([SpeechStarted(0, item_id="u2"), UserTurnCommitted("u2", transcribed=True)], 10)
    view.tick(10 + TRANSCRIPT_WAIT_S + 0.1)
    assert f"you       (no transcript after {TRANSCRIPT_WAIT_S:g} s)" in _screen_text(view)
    # Cut short by the end of the conversation (`close`, as rt talk ends): marked at once,
    # on the last frame and in plain output alike.
    view.feed([SpeechStarted(0, item_id="u3"), UserTurnCommitted("u3", transcribed=True)], 20)
    view.feed([TranscriptDelta("user", "u3", "cut sho")], 20.5)
    assert plain.flush() == [f"you: (no transcript after {TRANSCRIPT_WAIT_S:g} s)"]
    view.close(21)
    assert re.search(r"^you +cut sho \(transcript incomplete\)$", _screen_text(view), re.M)
    assert plain.flush() == ["you: cut sho (transcript incomplete)"]


def test_a_late_transcript_clears_the_mark_and_a_long_utterance_is_not_overdue() -> None:
    view = TalkView()
    view.feed([SpeechStarted(0, item_id="u1"), UserTurnCommitted("u1", transcribed=True)], 1.0)
    view.feed([TranscriptDelta("user", "u1", "slow")], 1.5)
    view.tick(1.0 + TRANSCRIPT_WAIT_S + 0.1)
    assert "(transcript incomplete)" in _screen_text(view)
    view.feed([TranscriptDone("user", "u1", "slow but whole")], 8.0)
    text = _screen_text(view)
    assert "slow but whole" in text and "(transcript incomplete)" not in text
    # Twelve seconds of speech: the wait for its transcript starts at the commit.
    plain = PlainTranscript(view)
    plain.flush()
    view.feed([SpeechStarted(0, item_id="u2")], 10.0)
    view.tick(22.0)
    assert plain.flush() == []  # not "(no transcript after 5 s)" while still speaking
    view.feed([SpeechStopped(12000), UserTurnCommitted("u2", transcribed=True)], 22.0)
    view.feed([TranscriptDelta("user", "u2", "a long")], 22.5)
    view.tick(23.0)
    assert not view.turns[-1].overdue
    assert "(no transcript" not in _screen_text(view)


def test_the_last_frame_does_not_offer_to_end_the_conversation_nor_show_a_live_mic() -> None:
    view = barge_in_view()
    view.set_mic_level(-20.0)
    assert _screen_text(view).splitlines()[-1] == "Ctrl-C ends the conversation"
    assert "-20 dBFS" in _screen_text(view)
    view.close(100.0)
    lines = _screen_text(view).splitlines()
    assert lines[-1] == "the conversation has ended"
    assert re.match(r"● closed +mic off ", lines[0]), lines[0]
