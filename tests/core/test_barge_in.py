"""Barge-in on the websocket transport, scripted: flush, cancel decision, truncation."""

from __future__ import annotations

import pytest

from realtime_cli.core import (
    ConversationCore,
    CoreConfig,
    FlushPlayback,
    HeardRevised,
    Interrupted,
    PlayAudio,
    ResponseFinished,
    Send,
    SpeechStarted,
    TranscriptDelta,
)
from realtime_cli.protocol import (
    ConversationItemDelete,
    ConversationItemTruncate,
    OutputAudioBufferClear,
    ResponseCancel,
    ResponseCreate,
)
from tests.core import script


def _sent(actions: list[object]) -> list[object]:
    return [a.event for a in actions if isinstance(a, Send)]


def _speaking(core: ConversationCore, *, ms: int = 1000) -> None:
    core.receive(script.created("resp_1"), 0.0)
    core.receive(script.transcript("resp_1", "item_a", "one two three four five six"), 0.0)
    for _ in range(ms // 100):
        core.receive(script.audio("resp_1", "item_a", 100), 0.0)


@pytest.mark.parametrize("heard_ms", [0, 1, 20, 250, 480, 999])
def test_barge_in_at_many_positions_truncates_at_what_was_heard(heard_ms: int) -> None:
    core = ConversationCore()
    core.receive(script.session(interrupt_response=True), 0.0)
    _speaking(core, ms=1000)
    actions = core.receive(script.speech_started(), 1.0)
    assert actions[0] == SpeechStarted(0, item_id="item_user")
    assert any(isinstance(a, FlushPlayback) for a in actions)
    # interrupt_response is on: the server cancels by itself, so no response.cancel
    assert _sent(actions) == []
    after = core.playback_flushed({"item_a": heard_ms}, 1.01)
    # Nothing heard: the item is deleted, not truncated at 0 (which the service refuses).
    expected = (
        ConversationItemDelete(item_id="item_a")
        if heard_ms == 0
        else ConversationItemTruncate(item_id="item_a", content_index=0, audio_end_ms=heard_ms)
    )
    assert _sent(after) == [expected]
    interrupted = next(a for a in after if isinstance(a, Interrupted))
    assert (interrupted.heard_ms, interrupted.received_ms) == (heard_ms, 1000)
    assert interrupted.heard_text + interrupted.unheard_text == "one two three four five six"


def test_cancel_is_sent_when_the_server_will_not_cancel() -> None:
    core = ConversationCore()
    core.receive(script.session(interrupt_response=False), 0.0)
    _speaking(core)
    actions = core.receive(script.speech_started(), 1.0)
    assert _sent(actions) == [ResponseCancel()]


def test_local_onset_cancels_and_a_later_server_onset_does_not_repeat() -> None:
    core = ConversationCore()
    core.receive(script.session(interrupt_response=True), 0.0)
    _speaking(core)
    local = core.local_speech_started(1.0)
    assert _sent(local) == [ResponseCancel()]
    assert sum(isinstance(a, FlushPlayback) for a in local) == 1
    again = core.receive(script.speech_started(), 1.05)
    assert _sent(again) == []
    assert not any(isinstance(a, FlushPlayback) for a in again)


def test_truncation_is_clamped_to_audio_received() -> None:
    core = ConversationCore()
    core.receive(script.session(), 0.0)
    _speaking(core, ms=300)
    core.receive(script.speech_started(), 1.0)
    after = core.playback_flushed({"item_a": 5000}, 1.0)
    truncate = _sent(after)[0]
    assert isinstance(truncate, ConversationItemTruncate)
    assert truncate.audio_end_ms == 300


def test_interrupt_with_nothing_played_deletes_the_item() -> None:
    core = ConversationCore()
    core.receive(script.session(), 0.0)
    _speaking(core, ms=200)
    core.receive(script.speech_started(), 0.1)
    after = core.playback_flushed({"item_a": 0}, 0.1)
    assert _sent(after) == [ConversationItemDelete(item_id="item_a")]
    interrupted = next(a for a in after if isinstance(a, Interrupted))
    assert interrupted.heard_text == ""
    assert all(text != "one two three four five six" for _, text in core.history())


def test_heard_text_never_runs_ahead_of_the_audio_played() -> None:
    # The whole transcript arrived with the first 300 ms of audio (the service sends text
    # ahead); 250 ms were played: at a slow speaking rate that is at most two words.
    core = ConversationCore()
    core.receive(script.session(), 0.0)
    _speaking(core, ms=300)
    core.receive(script.speech_started(), 0.3)
    after = core.playback_flushed({"item_a": 250}, 0.3)
    interrupted = next(a for a in after if isinstance(a, Interrupted))
    assert interrupted.estimated
    assert interrupted.heard_text == ""  # "one " takes more than 250 ms at 11 chars/s
    after_more = ConversationCore()
    after_more.receive(script.session(), 0.0)
    after_more.receive(script.item_added("item_a"), 0.0)
    _speaking(after_more, ms=3000)
    after_more.receive(script.speech_started(), 3.0)
    cut = after_more.playback_flushed({"item_a": 1000}, 3.0)
    heard = next(a for a in cut if isinstance(a, Interrupted)).heard_text
    # 1 s at 11 chars/s: "one two th" at most, so whole words "one two".
    assert heard == "one two"
    assert after_more.history() == [("assistant", "one two")]


def test_unheard_share_is_revised_when_the_answer_finished_before_the_cut() -> None:
    core = ConversationCore()
    core.receive(script.session(), 0.0)
    _speaking(core, ms=1000)
    finished = core.receive(script.done("resp_1"), 0.5)
    assert next(a for a in finished if isinstance(a, ResponseFinished)).heard_audio_ms == 1000
    core.receive(script.speech_started(), 0.8)
    after = core.playback_flushed({"item_a": 400}, 0.8)
    revised = next(a for a in after if isinstance(a, HeardRevised))
    assert (revised.generated_audio_ms, revised.heard_before_ms, revised.heard_audio_ms) == (
        1000,
        1000,
        400,
    )


def test_stale_deltas_after_barge_in_are_dropped() -> None:
    core = ConversationCore()
    core.receive(script.session(), 0.0)
    _speaking(core)
    core.receive(script.speech_started(), 1.0)
    assert core.receive(script.audio("resp_1", "item_a", 100), 1.01) == []
    assert core.receive(script.transcript("resp_1", "item_a", " seven"), 1.01) == []
    # the next response plays normally
    core.receive(script.done("resp_1", "cancelled", "turn_detected"), 1.02)
    core.receive(script.created("resp_2"), 1.5)
    played = core.receive(script.audio("resp_2", "item_b", 100), 1.5)
    assert isinstance(played[0], PlayAudio)
    assert core.receive(script.transcript("resp_2", "item_b", "hi"), 1.5) == [
        TranscriptDelta("assistant", "item_b", "hi")
    ]


def test_audio_still_playing_after_response_done_is_cut_without_cancel() -> None:
    core = ConversationCore()
    core.receive(script.session(interrupt_response=False), 0.0)
    _speaking(core, ms=2000)
    core.receive(script.done("resp_1"), 0.5)  # generated faster than real time
    actions = core.receive(script.speech_started(), 1.0)
    assert any(isinstance(a, FlushPlayback) for a in actions)
    assert _sent(actions) == []  # nothing active: nothing to cancel
    after = core.playback_flushed({"item_a": 1000}, 1.0)
    assert _sent(after) == [
        ConversationItemTruncate(item_id="item_a", content_index=0, audio_end_ms=1000)
    ]


def test_fully_heard_answer_is_not_truncated() -> None:
    core = ConversationCore()
    core.receive(script.session(), 0.0)
    _speaking(core, ms=500)
    core.receive(script.done("resp_1"), 0.2)
    core.audio_heard("item_a", 500)
    assert core.receive(script.speech_started(), 3.0) == [SpeechStarted(0, item_id="item_user")]
    assert _sent(core.playback_flushed({}, 3.0)) == []


def test_no_barge_in_when_disabled() -> None:
    core = ConversationCore(CoreConfig(auto_barge_in=False))
    core.receive(script.session(interrupt_response=False), 0.0)
    _speaking(core)
    assert core.receive(script.speech_started(), 1.0) == [SpeechStarted(0, item_id="item_user")]
    manual = core.barge_in(1.0)
    assert _sent(manual) == [ResponseCancel()]


def test_never_sends_output_audio_buffer_clear() -> None:
    core = ConversationCore()
    core.receive(script.session(interrupt_response=False), 0.0)
    _speaking(core)
    everything = core.receive(script.speech_started(), 1.0) + core.local_speech_started(1.0)
    everything += core.barge_in(1.0) + core.playback_flushed({"item_a": 10}, 1.0)
    assert not any(isinstance(e, OutputAudioBufferClear) for e in _sent(everything))


def test_failed_cancel_or_truncate_is_a_notice_not_an_error() -> None:
    from realtime_cli.core import Notice, ServerError

    core = ConversationCore()
    core.receive(script.session(), 0.0)
    cancel_failed = core.receive(
        script.error("response_cancel_not_active"), 1.0, caused_by=ResponseCancel()
    )
    assert [type(a) for a in cancel_failed] == [Notice]
    truncate_failed = core.receive(
        script.error("invalid_value"),
        1.0,
        caused_by=ConversationItemTruncate(item_id="x", content_index=0, audio_end_ms=5),
    )
    assert [type(a) for a in truncate_failed] == [Notice]
    other = core.receive(script.error("invalid_value"), 1.0, caused_by=ResponseCreate())
    assert isinstance(other[0], ServerError)


def test_an_item_is_truncated_once_even_if_later_flushes_report_it() -> None:
    core = ConversationCore()
    core.receive(script.session(), 0.0)
    _speaking(core, ms=1000)
    core.receive(script.speech_started(), 1.0)
    assert len(_sent(core.playback_flushed({"item_a": 400}, 1.0))) == 1
    # a later turn: the speaker reports every item it knows, the old one included
    core.receive(script.done("resp_1", "cancelled", "turn_detected"), 1.1)
    core.receive(script.created("resp_2"), 2.0)
    core.receive(script.audio("resp_2", "item_b", 500), 2.0)
    core.receive(script.speech_started(), 2.2)
    sent = _sent(core.playback_flushed({"item_a": 400, "item_b": 100}, 2.2))
    assert sent == [ConversationItemTruncate(item_id="item_b", content_index=0, audio_end_ms=100)]


def test_audio_done_lets_playback_drain_unless_dropped() -> None:
    from realtime_cli.core import AudioDone
    from realtime_cli.protocol import ResponseOutputAudioDone

    core = ConversationCore()
    core.receive(script.session(), 0.0)
    _speaking(core, ms=200)
    done = ResponseOutputAudioDone(
        event_id="e", response_id="resp_1", item_id="item_a", output_index=0, content_index=0
    )
    assert core.receive(done, 0.5) == [AudioDone("item_a")]
    core.receive(script.speech_started(), 0.6)
    assert core.receive(done, 0.7) == []
