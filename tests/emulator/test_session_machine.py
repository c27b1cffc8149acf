"""The sans-I/O session machine, driven with frames and times only (no sockets)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from realtime_cli.emulator.ids import IdFactory
from realtime_cli.emulator.script import Script
from realtime_cli.emulator.session import SessionMachine, decode_frame
from realtime_cli.emulator.session_config import default_session
from realtime_cli.emulator.synth import speak
from realtime_cli.protocol import (
    BaseServerEvent,
    ConversationItemAdded,
    ConversationItemRetrieved,
    Error,
    InputAudioBufferSpeechStarted,
    InputAudioBufferSpeechStopped,
    MessageItem,
    RealtimeSession,
    ResponseDone,
    ResponseOutputAudioDelta,
    ServerVad,
    SessionCreated,
    SessionUpdated,
)
from tests.emulator.support import append_events, speech_pcm

TEXT_SEQUENCE = [
    "response.created",
    "response.output_item.added",
    "conversation.item.added",
    "response.content_part.added",
    "response.output_text.delta",
    "response.output_text.done",
    "response.content_part.done",
    "conversation.item.done",
    "response.output_item.done",
    "response.done",
    "rate_limits.updated",
]


def machine(speed: float = 10.0, script: Script | None = None) -> SessionMachine:
    session = default_session("realtime", session_id="sess_x", expires_at=100, model="gpt-realtime")
    return SessionMachine(session, ids=IdFactory(), script=script, speed=speed)


def send(m: SessionMachine, event: dict[str, Any], now: float = 0.0) -> list[BaseServerEvent]:
    return m.receive(json.dumps(event), now)


def run_all(m: SessionMachine, start: float = 0.0) -> list[BaseServerEvent]:
    """Advance time step by step until the machine is idle."""
    events: list[BaseServerEvent] = []
    while (deadline := m.next_deadline()) is not None:
        events += m.advance(max(deadline, start))
    return events


def types(events: list[BaseServerEvent]) -> list[str]:
    return [e.type for e in events]


def collapse(names: list[str]) -> list[str]:
    """Runs of the same delta type collapsed to one entry."""
    out: list[str] = []
    for name in names:
        if not (out and out[-1] == name and name.endswith(".delta")):
            out.append(name)
    return out


def user_text(m: SessionMachine, text: str) -> None:
    send(
        m,
        {
            "type": "conversation.item.create",
            "item": {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": text}],
            },
        },
    )


def test_session_created_carries_the_full_default_config() -> None:
    (created,) = machine().start(0.0)
    assert isinstance(created, SessionCreated)
    session = created.session
    assert isinstance(session, RealtimeSession)
    data = session.to_dict()
    assert data["id"] == "sess_x" and data["object"] == "realtime.session"
    assert data["output_modalities"] == ["audio"] and data["tools"] == []
    assert data["max_output_tokens"] == "inf" and data["truncation"] == "auto"
    assert data["tracing"] is None and data["prompt"] is None and data["include"] is None
    audio = data["audio"]
    assert audio["input"]["format"] == {"type": "audio/pcm", "rate": 24000}
    assert audio["input"]["transcription"] is None and audio["input"]["noise_reduction"] is None
    assert audio["input"]["turn_detection"] == {
        "type": "server_vad",
        "threshold": 0.5,
        "prefix_padding_ms": 300,
        "silence_duration_ms": 200,
        "idle_timeout_ms": None,
        "create_response": True,
        "interrupt_response": True,
    }
    assert audio["output"] == {
        "format": {"type": "audio/pcm", "rate": 24000},
        "voice": "alloy",
        "speed": 1.0,
    }


def test_session_update_merges_partially() -> None:
    m = machine()
    (updated,) = send(
        m,
        {
            "type": "session.update",
            "session": {
                "type": "realtime",
                "instructions": "Be brief.",
                "audio": {"input": {"turn_detection": {"type": "server_vad", "threshold": 0.8}}},
            },
        },
    )
    assert isinstance(updated, SessionUpdated)
    data = updated.session.to_dict()
    assert data["instructions"] == "Be brief."
    vad = data["audio"]["input"]["turn_detection"]
    assert vad["threshold"] == 0.8 and vad["silence_duration_ms"] == 200
    assert data["audio"]["output"]["voice"] == "alloy"
    (updated,) = send(
        m,
        {
            "type": "session.update",
            "session": {"type": "realtime", "audio": {"input": {"turn_detection": None}}},
        },
    )
    assert updated.session.to_dict()["audio"]["input"]["turn_detection"] is None
    assert updated.session.to_dict()["instructions"] == "Be brief."


def test_unknown_session_field_discards_the_whole_update() -> None:
    m = machine()
    (error,) = send(
        m,
        {
            "type": "session.update",
            "event_id": "evt_1",
            "session": {"type": "realtime", "instructions": "X", "modalities": ["text"]},
        },
    )
    assert isinstance(error, Error)
    assert error.error.code == "unknown_parameter"
    assert error.error.param == "session.modalities"
    assert error.error.event_id == "evt_1"
    assert isinstance(m.session, RealtimeSession) and m.session.instructions != "X"


@pytest.mark.parametrize(
    ("session", "code", "param"),
    [
        (
            {
                "type": "realtime",
                "audio": {"input": {"format": {"type": "audio/pcm", "rate": 16000}}},
            },
            "integer_below_min_value",
            "session.audio.input.format.rate",
        ),
        ({"instructions": "x"}, "missing_required_parameter", "session.type"),
        ({"type": "realtime", "output_modalities": ["audio", "text"]}, "invalid_value", None),
        ({"type": "realtime", "model": "gpt-realtime-mini"}, "invalid_value", "session.model"),
        (
            {"type": "realtime", "audio": {"output": {"speed": 3}}},
            "decimal_above_max_value",
            "session.audio.output.speed",
        ),
    ],
)
def test_invalid_session_values(session: dict[str, Any], code: str, param: str | None) -> None:
    m = machine()
    (error,) = send(m, {"type": "session.update", "session": session})
    assert isinstance(error, Error) and error.error.code == code
    if param is not None:
        assert error.error.param == param


def test_decode_frame_errors_keep_the_event_id() -> None:
    assert decode_frame("{not json").error.code == "invalid_json"
    assert decode_frame(b"\x00\x01").error.code == "invalid_event"
    unknown = decode_frame('{"type": "nope", "event_id": "e7"}')
    assert unknown.error is not None and unknown.error.code == "invalid_value"
    assert unknown.error.param == "type" and unknown.event_id == "e7"
    webrtc_only = decode_frame('{"type": "output_audio_buffer.clear"}')
    assert webrtc_only.error is not None and webrtc_only.error.param == "type"


def test_text_response_sequence_and_pacing() -> None:
    m = machine(speed=10.0)
    send(
        m,
        {"type": "session.update", "session": {"type": "realtime", "output_modalities": ["text"]}},
    )
    user_text(m, "hello there")
    first = send(m, {"type": "response.create"}, now=1.0)
    assert types(first)[:4] == TEXT_SEQUENCE[:4]
    # Nothing is due before the first delta's time: pacing is driven by the given clock.
    assert m.advance(1.0) == []
    rest = run_all(m, start=1.0)
    assert collapse(types(first + rest)) == TEXT_SEQUENCE
    text = "".join(e.delta for e in rest if e.type == "response.output_text.delta")
    assert text == "You said: hello there."
    done = next(e for e in rest if isinstance(e, ResponseDone))
    assert done.response.status == "completed" and done.response.status_details is None
    usage = done.response.usage
    assert usage is not None and usage.output_tokens == len(text) // 4 + (len(text) % 4 > 0)


def test_audio_deltas_are_paced_chunks_of_150_ms() -> None:
    m = machine(speed=5.0)
    user_text(m, "say something")
    send(m, {"type": "response.create"}, now=0.0)
    times: list[tuple[float, int]] = []
    while (deadline := m.next_deadline()) is not None:
        for event in m.advance(deadline):
            if isinstance(event, ResponseOutputAudioDelta):
                times.append((deadline, len(event.delta)))
    sizes = [size for _, size in times]
    assert all(size == 150 * 48 for size in sizes[:-1]) and 0 < sizes[-1] <= 150 * 48
    # Chunk k is due at (k+1) * 150 ms / speed.
    assert [round(t, 6) for t, _ in times[:3]] == [0.03, 0.06, 0.09]
    expected = len(speak("You said: say something.").samples) * 2
    assert sum(sizes) == expected


def test_vad_turn_from_speech_like_pcm() -> None:
    m = machine(speed=50.0)
    pcm = speech_pcm(
        ("silence", 500), ("tone", 400), ("silence", 100), ("tone", 300), ("silence", 600)
    )
    events: list[BaseServerEvent] = []
    for event in append_events(pcm):
        events += send(m, event)
    names = types(events)
    assert names[:7] == [
        "input_audio_buffer.speech_started",
        "input_audio_buffer.speech_stopped",
        "input_audio_buffer.committed",
        "conversation.item.added",
        "conversation.item.done",
        "response.created",
        "response.output_item.added",
    ]
    started = events[0]
    stopped = events[1]
    assert isinstance(started, InputAudioBufferSpeechStarted)
    assert isinstance(stopped, InputAudioBufferSpeechStopped)
    assert started.audio_start_ms == 500 - 300  # onset minus prefix padding
    assert stopped.audio_end_ms == 1300 + 200  # end of speech plus the silence duration
    assert started.item_id == stopped.item_id
    added = events[3]
    assert isinstance(added, ConversationItemAdded) and isinstance(added.item, MessageItem)
    assert added.item.to_dict()["content"] == [{"type": "input_audio", "transcript": None}]
    stored = m.conversation.get(started.item_id)
    assert stored is not None and m.item_audio_ms(stored) == 1500 - 200


def test_vad_speech_interrupts_the_active_response() -> None:
    m = machine(speed=1.0)
    user_text(m, "tell me a long story please")
    send(m, {"type": "response.create"})
    m.advance(0.5)
    events: list[BaseServerEvent] = []
    for event in append_events(speech_pcm(("tone", 300))):
        events += send(m, event, now=0.5)
    started = types(events).index("input_audio_buffer.speech_started")
    done = next(e for e in events if isinstance(e, ResponseDone))
    assert types(events).index("response.done") > started
    assert done.response.status == "cancelled"
    assert done.response.status_details is not None
    assert done.response.status_details.reason == "turn_detected"
    assert m.active_response_ids == []


def test_cancel_and_truncate() -> None:
    m = machine(speed=1.0)
    user_text(m, "hello")
    send(m, {"type": "response.create"})
    m.advance(0.3)  # two chunks of 150 ms
    events = send(m, {"type": "response.cancel"}, now=0.3)
    assert types(events)[-1] == "response.done"
    done = events[-1]
    assert isinstance(done, ResponseDone) and done.response.status == "cancelled"
    item_id = done.response.output[0].id
    (retrieved,) = send(m, {"type": "conversation.item.retrieve", "item_id": item_id}, now=0.3)
    assert isinstance(retrieved, ConversationItemRetrieved)
    assert isinstance(retrieved.item, MessageItem)
    assert len(retrieved.item.content[0].audio) == 2 * 150 * 48
    (error,) = send(
        m,
        {
            "type": "conversation.item.truncate",
            "item_id": item_id,
            "content_index": 0,
            "audio_end_ms": 301,
        },
    )
    # As reported from the service: code and param null, the durations in the message.
    assert isinstance(error, Error) and (error.error.code, error.error.param) == (None, None)
    assert error.error.message == "Audio content of 300ms is already shorter than 301ms"
    (ok,) = send(
        m,
        {
            "type": "conversation.item.truncate",
            "item_id": item_id,
            "content_index": 0,
            "audio_end_ms": 100,
        },
    )
    assert ok.type == "conversation.item.truncated"
    stored = m.conversation.get(item_id)
    assert stored is not None and m.item_audio_ms(stored) == 100
    # Truncation deletes the server-side transcript (documented).
    assert isinstance(stored, MessageItem) and stored.content[0].transcript is None
    (error,) = send(m, {"type": "response.cancel", "event_id": "c2"})
    assert isinstance(error, Error) and error.error.code == "response_cancel_not_active"
    assert error.error.event_id == "c2"


def test_canned_reply_and_tool_call() -> None:
    script = Script()
    script.set_tool_arguments("get_weather", lambda text: {"city": "Paris", "asked": text})
    m = machine(speed=100.0, script=script)
    send(
        m,
        {
            "type": "session.update",
            "session": {
                "type": "realtime",
                "output_modalities": ["text"],
                "tools": [{"type": "function", "name": "get_weather", "parameters": {}}],
            },
        },
    )
    user_text(m, "Please get weather for Paris.")
    events = send(m, {"type": "response.create"}) + run_all(m)
    done = next(e for e in events if e.type == "response.function_call_arguments.done")
    assert json.loads(done.arguments) == {"city": "Paris", "asked": "Please get weather for Paris."}
    call_id = done.call_id
    send(
        m,
        {
            "type": "conversation.item.create",
            "item": {"type": "function_call_output", "call_id": call_id, "output": "sunny"},
        },
    )
    events = send(m, {"type": "response.create"}) + run_all(m)
    text = next(e for e in events if e.type == "response.output_text.done")
    assert text.text == "The get_weather result is: sunny."
    script.queue_reply("Canned!")
    user_text(m, "anything")
    events = send(m, {"type": "response.create"}) + run_all(m)
    assert next(e for e in events if e.type == "response.output_text.done").text == "Canned!"


def test_vad_ignores_silence_and_quiet_noise() -> None:
    m = machine()
    rng = np.random.default_rng(1)
    noise = (rng.standard_normal(24000) * 30).astype("<i2").tobytes()  # about -60 dBFS
    events: list[BaseServerEvent] = []
    for event in append_events(noise):
        events += send(m, event)
    assert events == []
    assert isinstance(m.session, RealtimeSession)
    assert isinstance(m.session.audio.input.turn_detection, ServerVad)


def test_voice_is_fixed_once_audio_was_produced() -> None:
    m = machine(speed=100.0)
    (ok,) = send(
        m,
        {
            "type": "session.update",
            "session": {"type": "realtime", "audio": {"output": {"voice": "marin"}}},
        },
    )
    assert isinstance(ok, SessionUpdated)
    user_text(m, "hi")
    send(m, {"type": "response.create"})
    run_all(m)
    assert m.audio_produced
    (error,) = send(
        m,
        {
            "type": "session.update",
            "session": {"type": "realtime", "audio": {"output": {"voice": "ash"}}},
        },
    )
    assert isinstance(error, Error) and error.error.code == "cannot_update_voice"
    (same,) = send(
        m,
        {
            "type": "session.update",
            "session": {"type": "realtime", "audio": {"output": {"voice": "marin"}}},
        },
    )
    assert isinstance(same, SessionUpdated)


def test_g711_output_and_max_output_tokens() -> None:
    m = machine(speed=100.0)
    send(
        m,
        {
            "type": "session.update",
            "session": {
                "type": "realtime",
                "audio": {"output": {"format": {"type": "audio/pcmu"}}},
            },
        },
    )
    user_text(m, "hi")
    events = send(m, {"type": "response.create"}) + run_all(m)
    sizes = [len(e.delta) for e in events if isinstance(e, ResponseOutputAudioDelta)]
    assert sizes[0] == 150 * 8  # 8 kHz, one byte per sample
    assert events[0].to_dict()["response"]["audio"]["output"]["format"] == {"type": "audio/pcmu"}
    user_text(m, "tell me everything about everything")
    events = send(m, {"type": "response.create", "response": {"max_output_tokens": 20}}) + run_all(
        m
    )
    done = next(e for e in events if isinstance(e, ResponseDone))
    assert done.response.status == "incomplete"
    assert done.response.status_details.reason == "max_output_tokens"
    assert done.response.usage.output_tokens <= 20


def test_transcription_session_commits_and_transcribes_without_responses() -> None:
    session = default_session("transcription", session_id="sess_t", expires_at=1)
    m = SessionMachine(session, ids=IdFactory())
    (updated,) = send(
        m,
        {
            "type": "session.update",
            "session": {
                "type": "transcription",
                "include": ["item.input_audio_transcription.logprobs"],
                "audio": {
                    "input": {
                        "transcription": {"model": "gpt-4o-transcribe"},
                        "turn_detection": None,
                    }
                },
            },
        },
    )
    assert isinstance(updated, SessionUpdated)
    events: list[BaseServerEvent] = []
    for event in append_events(speech_pcm(("tone", 1000))):
        events += send(m, event)
    assert events == []  # manual turns
    events = send(m, {"type": "input_audio_buffer.commit"})
    assert types(events)[:3] == [
        "input_audio_buffer.committed",
        "conversation.item.added",
        "conversation.item.done",
    ]
    completed = events[-1]
    assert completed.type == "conversation.item.input_audio_transcription.completed"
    assert completed.transcript == "Speech of 1.0 seconds."
    assert completed.logprobs and completed.logprobs[0].token == "Speech "
    assert not any(e.type.startswith("response.") for e in events)
    assert m.next_deadline() is None
    (error,) = send(m, {"type": "input_audio_buffer.commit"})
    assert isinstance(error, Error) and error.error.code == "input_audio_buffer_commit_empty"
