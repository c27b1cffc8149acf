"""TalkView: the conversation as the screen sees it, fed scripted actions."""

from __future__ import annotations

import pytest

from realtime_cli.core import ConversationCore
from realtime_cli.core.actions import (
    HeardRevised,
    Interrupted,
    Notice,
    PlayAudio,
    ResponseFailed,
    ResponseFinished,
    ResponseStarted,
    RunTool,
    ServerError,
    SpeechStarted,
    SpeechStopped,
    TranscriptDelta,
    TranscriptDone,
    TranscriptFailed,
    UserTurnCommitted,
)
from realtime_cli.core.pricing import estimate_cost
from realtime_cli.protocol import ErrorDetails
from realtime_cli.tui import Status, TalkView, dbfs_from_rms
from realtime_cli.tui.plain import PlainTranscript
from realtime_cli.tui.state import MIC_FLOOR_DBFS, TRANSCRIPT_WAIT_S
from tests.core import script
from tests.tui.scenes import ANSWER, HEARD, UNHEARD, barge_in_view, usage


def _roles_and_text(view: TalkView) -> list[tuple[str, str]]:
    return [(t.role, t.text) for t in view.turns]


def test_turns_keep_speaking_order_when_the_user_transcript_comes_late() -> None:
    view = barge_in_view()
    assert _roles_and_text(view) == [
        ("user", "What's the weather?"),
        ("assistant", ANSWER),
        ("user", "And tomorrow?"),
        ("assistant", HEARD + UNHEARD),
        ("user", ""),  # speaking right now, not transcribed yet
    ]


def test_interrupted_turn_keeps_heard_and_unheard_text() -> None:
    turn = barge_in_view().turns[3]
    assert turn.interrupted and turn.settled
    assert (turn.heard_text, turn.unheard_text) == (HEARD, UNHEARD)
    assert (turn.heard_ms, turn.received_ms) == (1200, 3000)


def test_text_arriving_after_the_cut_counts_as_unheard() -> None:
    view = TalkView()
    view.feed([ResponseStarted("r"), TranscriptDelta("assistant", "a", "one two ")], 1.0)
    view.feed([Interrupted("a", 500, 1000, "one ", "two ")], 2.0)
    view.feed([TranscriptDelta("assistant", "a", "ignored")], 2.1)
    view.feed([TranscriptDone("assistant", "a", "one two three")], 2.2)
    turn = view.turns[0]
    assert (turn.heard_text, turn.unheard_text) == ("one ", "two three")
    assert view.interruptions == 1


def test_status_follows_speech_and_responses() -> None:
    view = TalkView()
    assert view.status is Status.CONNECTING
    view.set_status(Status.LISTENING, 0.0)
    view.feed([SpeechStarted(0)], 1.0)
    assert view.status is Status.USER_SPEAKING
    view.feed([SpeechStopped(900)], 2.0)
    assert view.status is Status.THINKING
    view.feed([ResponseStarted("r")], 2.1)
    assert view.status is Status.THINKING
    view.set_status(Status.SPEAKING, 2.3)
    # Generation ends long before playback: only the session knows when it is quiet again.
    view.feed([ResponseFinished("r", "completed", None, None, 1000, 1000)], 2.4)
    assert view.status is Status.SPEAKING
    view.set_status(Status.LISTENING, 3.4)
    view.feed([ResponseStarted("r2")], 4.0)
    assert view.status is Status.THINKING
    view.feed([ResponseFinished("r2", "completed", None, None, 0, 0)], 4.5)
    assert view.status is Status.LISTENING


def test_tokens_and_cost_add_up_with_the_unheard_share() -> None:
    view = barge_in_view()
    assert (view.input_tokens, view.output_tokens) == (2000, 1000)
    expected = estimate_cost(usage(), "gpt-realtime") + estimate_cost(
        usage(), "gpt-realtime", heard_fraction=0.4
    )
    assert view.cost.total == pytest.approx(expected.total)
    assert view.cost.unheard == pytest.approx(expected.unheard)
    assert view.cost.unheard > 0


def test_latencies_attach_to_their_turns() -> None:
    view = barge_in_view()
    assert view.last_latency_ms == 710
    assert view.last_barge_in_ms == 85
    assert [t.latency_ms for t in view.turns if t.role == "assistant"] == [640, 710]


def test_latency_without_item_goes_to_the_next_answer() -> None:
    view = TalkView()
    view.turn_latency(500, 1.0)
    view.feed([TranscriptDelta("assistant", "a", "hi")], 1.1)
    assert view.turns[0].latency_ms == 500


def test_audio_before_transcript_places_the_answer_at_its_latency_report() -> None:
    view = TalkView()
    view.feed([SpeechStarted(0)], 0.0)
    view.turn_latency(300, 1.0, item_id="a")
    view.feed([TranscriptDone("user", "u", "hello")], 1.2)
    view.feed([TranscriptDelta("assistant", "a", "hi there")], 1.3)
    assert _roles_and_text(view) == [("user", "hello"), ("assistant", "hi there")]


def test_false_starts_do_not_pile_up_and_empty_transcripts_vanish() -> None:
    view = TalkView()
    view.feed([SpeechStarted(0), SpeechStopped(100), SpeechStarted(500)], 1.0)
    assert len(view.turns) == 1
    view.feed([TranscriptDone("user", "u1", "  ")], 2.0)
    assert view.turns == []
    assert view.user_turns == 0


def test_notices_errors_and_tools_reach_the_footer_list() -> None:
    view = TalkView()
    view.feed(
        [
            Notice("truncate failed: gone", level="warning"),
            ServerError(ErrorDetails(type="invalid_request_error", message="bad", code="x")),
            RunTool("call_1", "get_weather", "{}"),
            PlayAudio("r", "a", 0, b"\x00\x00"),
        ],
        5.0,
    )
    view.notice("reconnected", 6.0)
    assert [(n.level, n.text, n.at) for n in view.notices] == [
        ("warning", "truncate failed: gone", 5.0),
        ("error", "server error: x: bad", 5.0),
        ("info", "running tool get_weather", 5.0),
        ("info", "reconnected", 6.0),
    ]


def test_time_only_moves_forward() -> None:
    view = TalkView(started_at=10.0)
    view.tick(15.0)
    view.tick(12.0)
    assert view.elapsed_s == 5.0


def test_old_turns_are_forgotten_but_counted() -> None:
    view = TalkView(max_turns=3)
    for i in range(5):
        view.feed([TranscriptDone("user", f"u{i}", f"line {i}")], float(i))
    assert [t.text for t in view.turns] == ["line 2", "line 3", "line 4"]
    assert view.user_turns == 5


def test_mic_levels() -> None:
    assert dbfs_from_rms(1.0) == 0.0
    assert dbfs_from_rms(0.1) == pytest.approx(-20.0)
    assert dbfs_from_rms(0.0) == MIC_FLOOR_DBFS
    assert dbfs_from_rms(1e-9) == MIC_FLOOR_DBFS
    view = TalkView()
    view.set_mic_rms(0.01)
    assert view.mic_dbfs == pytest.approx(-40.0)
    view.set_mic_level(6.0)
    assert view.mic_dbfs == 0.0
    view.set_mic_level(None)
    assert view.mic_dbfs is None


def test_fed_by_the_real_core_through_a_barge_in() -> None:
    core = ConversationCore()
    view = TalkView(started_at=0.0)
    view.feed(core.receive(script.session(), 0.0), 0.0)
    view.feed(core.receive(script.created("resp_1"), 0.1), 0.1)
    view.feed(core.receive(script.transcript("resp_1", "item_a", "one two three four"), 0.2), 0.2)
    for _ in range(10):
        view.feed(core.receive(script.audio("resp_1", "item_a", 100), 0.3), 0.3)
    view.feed(core.receive(script.speech_started(), 1.0), 1.0)
    view.feed(core.playback_flushed({"item_a": 500}, 1.02), 1.02)
    view.feed(core.receive(script.done("resp_1", "cancelled", "turn_detected"), 1.1), 1.1)
    answer = view.turns[0]
    assert answer.interrupted
    assert answer.heard_text + answer.unheard_text == "one two three four"
    assert answer.unheard_text
    assert view.status is Status.USER_SPEAKING
    assert view.responses == 1
    assert (view.input_tokens, view.output_tokens) == (5, 5)


def test_transcripts_are_matched_by_item_id_even_out_of_order_and_failed() -> None:
    view = TalkView()
    plain = PlainTranscript(view)
    view.feed([SpeechStarted(0, item_id="u1"), SpeechStopped(900)], 1.0)
    view.feed([UserTurnCommitted("u1", transcribed=True), ResponseStarted("r1")], 1.1)
    view.feed([TranscriptDone("assistant", "a1", "First answer.")], 1.2)
    view.feed([ResponseFinished("r1", "completed")], 1.3)
    # The first turn's transcript is late: the first answer waits behind it.
    assert plain.flush() == []
    view.feed([SpeechStarted(2000, item_id="u2"), SpeechStopped(2900)], 3.0)
    view.feed([UserTurnCommitted("u2", transcribed=True)], 3.1)
    view.feed([TranscriptDone("user", "u2", "second")], 3.2)  # out of order
    view.feed([TranscriptFailed("u1", "The audio could not be transcribed.")], 3.3)
    assert plain.flush() == [
        "you: (transcription failed: The audio could not be transcribed.)",
        "assistant: First answer.",
        "you: second",
    ]
    # Transcription off: the turn says so instead of a bare "you".
    view.feed([SpeechStarted(4000, item_id="u3"), UserTurnCommitted("u3", transcribed=False)], 5)
    assert plain.flush() == ["you: (not transcribed)"]


def test_a_user_line_that_never_gets_a_transcript_stops_holding_the_others_back() -> None:
    view = TalkView()
    plain = PlainTranscript(view)
    view.feed([SpeechStarted(0, item_id="u1"), UserTurnCommitted("u1", transcribed=True)], 1.0)
    view.feed([ResponseStarted("r1"), TranscriptDone("assistant", "a1", "Hi.")], 1.1)
    view.feed([ResponseFinished("r1", "completed")], 1.2)
    assert plain.flush() == []
    view.tick(1.0 + TRANSCRIPT_WAIT_S + 0.1)
    assert plain.flush() == [
        f"you: (no transcript after {TRANSCRIPT_WAIT_S:g} s)",
        "assistant: Hi.",
    ]
    # Deltas that stopped mid-item: what came is the line, said to be partial.
    view.feed([SpeechStarted(0, item_id="u2"), UserTurnCommitted("u2", transcribed=True)], 10)
    view.feed([TranscriptDelta("user", "u2", "half a sen")], 10.5)
    view.tick(10 + TRANSCRIPT_WAIT_S + 0.1)
    assert plain.flush() == ["you: half a sen (transcript incomplete)"]
    # The same when the conversation ends before the wait is over.
    view.feed([SpeechStarted(0, item_id="u3"), UserTurnCommitted("u3", transcribed=True)], 20)
    view.feed([TranscriptDelta("user", "u3", "cut sho")], 20.5)
    view.set_status(Status.CLOSED, 21)
    assert plain.flush() == ["you: cut sho (transcript incomplete)"]


def test_failed_response_and_revised_unheard_cost() -> None:
    view = TalkView()
    view.feed([ResponseStarted("r1")], 1.0)
    view.feed(
        [
            ResponseFinished("r1", "failed"),
            ResponseFailed("r1", "failed", None, "rate_limit_exceeded", "Try again in 2s.", 2.0),
        ],
        1.1,
    )
    turn = view.turns[-1]
    assert turn.failure == (
        "response failed (rate_limit_exceeded): Try again in 2s. [retry in 2.0 s]"
    )
    assert view.notices[-1].level == "error"
    spent = usage(audio_out=1000)
    view.feed([ResponseFinished("r2", "completed", None, spent, 1000, 1000)], 2.0)
    assert view.cost.unheard == 0
    view.feed([HeardRevised("r2", spent, 1000, 1000, 250)], 3.0)
    expected = estimate_cost(spent, view.model, heard_fraction=0.25).unheard
    assert view.cost.unheard == pytest.approx(expected) and expected > 0
