"""Decode and encode speed of the protocol package against the official SDK's own paths.

The SDK parses a frame with `construct_type_unchecked(json.loads(data), RealtimeServerEvent)`
(`openai.resources.realtime.realtime`) and leaves audio as base64 text, so its audio figure
adds `base64.b64decode` and `numpy.frombuffer` to reach the same int16 array. Its append path
is `json.dumps(maybe_transform(strip_not_given({...}), RealtimeClientEventParam))` after the
caller's `base64.b64encode`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any, Union

import numpy as np

from benchmarks.timing import per_call_us
from realtime_cli.protocol import (
    InputAudioBufferAppend,
    ResponseOutputAudioDelta,
    decode_server_event,
    encode_client_event,
)

RNG = np.random.default_rng(7)


def _audio_delta(samples: int) -> bytes:
    pcm = RNG.integers(-8000, 8000, samples, dtype=np.int16)
    return json.dumps(
        {
            "type": "response.output_audio.delta",
            "event_id": "event_CCXGSizgEppa2d4XbKA7K",
            "response_id": "resp_CCXGRxbY0n6WE4EszhF5w",
            "item_id": "item_CCXGRxbY0n6WE4EszhF5w",
            "output_index": 0,
            "content_index": 0,
            "delta": base64.b64encode(pcm.tobytes()).decode(),
        }
    ).encode()


SESSION = {
    "type": "realtime",
    "object": "realtime.session",
    "id": "sess_CCXGRxbY0n6WE4EszhF5w",
    "model": "gpt-realtime",
    "output_modalities": ["audio"],
    "instructions": "Your knowledge cutoff is 2023-10. You are a helpful, witty, and friendly AI.",
    "tools": [],
    "tool_choice": "auto",
    "max_output_tokens": "inf",
    "tracing": None,
    "truncation": "auto",
    "prompt": None,
    "expires_at": 1756324625,
    "audio": {
        "input": {
            "format": {"type": "audio/pcm", "rate": 24000},
            "transcription": None,
            "noise_reduction": None,
            "turn_detection": {
                "type": "server_vad",
                "threshold": 0.5,
                "prefix_padding_ms": 300,
                "silence_duration_ms": 200,
                "idle_timeout_ms": None,
                "create_response": True,
                "interrupt_response": True,
            },
        },
        "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "marin", "speed": 1},
    },
    "include": None,
}
ITEM = {
    "id": "item_CCXGRxbY0n6WE4EszhF5w",
    "type": "message",
    "status": "completed",
    "role": "assistant",
    "content": [{"type": "output_audio", "transcript": "Hello there! How can I help you today?"}],
}
FRAMES: dict[str, bytes] = {
    "session.created": json.dumps(
        {"type": "session.created", "event_id": "event_C9G5RJeJ2gF77mV7f2B1j", "session": SESSION}
    ).encode(),
    "response.output_audio.delta 20 ms": _audio_delta(480),
    "response.output_audio.delta 100 ms": _audio_delta(2400),
    "response.output_audio_transcript.delta": json.dumps(
        {
            "type": "response.output_audio_transcript.delta",
            "event_id": "event_CCXGSizgEppa2d4XbKA7K",
            "response_id": "resp_CCXGRxbY0n6WE4EszhF5w",
            "item_id": "item_CCXGRxbY0n6WE4EszhF5w",
            "output_index": 0,
            "content_index": 0,
            "delta": " there",
            "obfuscation": "aLxx0jTEciOGe",
        }
    ).encode(),
    "response.done": json.dumps(
        {
            "type": "response.done",
            "event_id": "event_CCXHxcMy86rrKhBLDdqCh",
            "response": {
                "object": "realtime.response",
                "id": "resp_CCXHw0UJld10EzIUXQCNh",
                "status": "completed",
                "status_details": None,
                "output": [ITEM],
                "conversation_id": "conv_CCXHsurMKcaVxIZvaCI5m",
                "output_modalities": ["audio"],
                "max_output_tokens": "inf",
                "audio": {
                    "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "alloy"}
                },
                "usage": {
                    "total_tokens": 253,
                    "input_tokens": 132,
                    "output_tokens": 121,
                    "input_token_details": {
                        "text_tokens": 119,
                        "audio_tokens": 13,
                        "image_tokens": 0,
                        "cached_tokens": 64,
                        "cached_tokens_details": {
                            "text_tokens": 64,
                            "audio_tokens": 0,
                            "image_tokens": 0,
                        },
                    },
                    "output_token_details": {"text_tokens": 30, "audio_tokens": 91},
                },
                "metadata": None,
            },
        }
    ).encode(),
    "conversation.item.done": json.dumps(
        {
            "type": "conversation.item.done",
            "event_id": "event_CCXHxcMy86rrKhBLDdqCh",
            "previous_item_id": "item_CCXHw0UJld10EzIUXQCNh",
            "item": ITEM,
        }
    ).encode(),
    "rate_limits.updated": json.dumps(
        {
            "type": "rate_limits.updated",
            "event_id": "event_C9G8mqI3IucaojlVKE8Cs",
            "rate_limits": [
                {"name": "tokens", "limit": 40000, "remaining": 39983, "reset_seconds": 0.025}
            ],
        }
    ).encode(),
    "error": json.dumps(
        {
            "type": "error",
            "event_id": "event_890",
            "error": {
                "type": "invalid_request_error",
                "code": "invalid_event",
                "message": "The 'type' field is missing.",
                "param": None,
                "event_id": "event_567",
            },
        }
    ).encode(),
}


def _ours(frame: bytes) -> Callable[[], object]:
    if b'"response.output_audio.delta"' in frame:

        def decode_audio() -> object:
            event = decode_server_event(frame)
            assert isinstance(event, ResponseOutputAudioDelta)
            return np.frombuffer(event.delta, dtype="<i2")

        return decode_audio
    return lambda: decode_server_event(frame)


def _sdk(frame: bytes) -> Callable[[], object]:
    from openai._models import construct_type_unchecked
    from openai.types.realtime import RealtimeServerEvent

    event_type: Any = RealtimeServerEvent
    if b'"response.output_audio.delta"' in frame:

        def decode_audio() -> object:
            event = construct_type_unchecked(value=json.loads(frame), type_=event_type)
            return np.frombuffer(base64.b64decode(event.delta), dtype="<i2")

        return decode_audio
    return lambda: construct_type_unchecked(value=json.loads(frame), type_=event_type)


def _append_rows() -> list[dict[str, object]]:
    from openai._utils import maybe_transform, strip_not_given
    from openai.types.realtime import RealtimeClientEventParam
    from openai.types.realtime.response_create_event_param import ResponseCreateEventParam

    param_type: Any = Union[RealtimeClientEventParam, ResponseCreateEventParam]  # noqa: UP007
    frame = RNG.integers(-8000, 8000, 480, dtype=np.int16)

    def ours() -> bytes:
        return encode_client_event(InputAudioBufferAppend.from_pcm16(memoryview(frame)))

    def sdk() -> str:
        audio = base64.b64encode(frame.tobytes()).decode()
        event = strip_not_given({"type": "input_audio_buffer.append", "audio": audio})
        return json.dumps(maybe_transform(event, param_type))

    assert json.loads(ours()) == json.loads(sdk())
    mine, theirs = per_call_us(ours), per_call_us(sdk)
    return [
        {
            "name": "encode input_audio_buffer.append 20 ms (int16 frame)",
            "value": mine,
            "unit": "us",
            "sdk": theirs,
            "ratio": theirs / mine,
            "note": "target >= 50x",
        }
    ]


def run() -> list[dict[str, object]]:
    """Microseconds per decoded event, ours and the SDK's, and the append encode."""
    rows: list[dict[str, object]] = []
    for name, frame in FRAMES.items():
        mine, theirs = per_call_us(_ours(frame)), per_call_us(_sdk(frame))
        rows.append(
            {
                "name": f"decode {name}",
                "value": mine,
                "unit": "us",
                "sdk": theirs,
                "ratio": theirs / mine,
                "geomean": True,
                "note": "",
            }
        )
    return rows + _append_rows()
