"""The codec: fast path, unknown types, broken frames, absent vs null, audio bytes."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from realtime_cli.protocol import (
    UNSET,
    ConversationItemAdded,
    InputAudioBufferAppend,
    InputAudioBufferDtmfEventReceived,
    MessageItem,
    ProtocolError,
    RealtimeSession,
    ResponseDone,
    ResponseOutputAudioDelta,
    SessionCreated,
    UnknownClientEvent,
    UnknownServerEvent,
    decode_client_event,
    decode_server_event,
    encode_client_event,
    encode_server_event,
)
from realtime_cli.protocol.errors import RAW_LIMIT


def test_absent_stays_absent_and_null_stays_null() -> None:
    frame = {
        "type": "conversation.item.added",
        "event_id": "e1",
        "previous_item_id": None,
        "item": {"type": "message", "role": "user", "id": "i1", "content": []},
    }
    event = decode_server_event(json.dumps(frame))
    assert isinstance(event, ConversationItemAdded)
    assert event.previous_item_id is None
    assert isinstance(event.item, MessageItem)
    assert event.item.status is UNSET
    assert json.loads(encode_server_event(event)) == frame


def test_wire_fields_the_sdk_forgets_are_kept() -> None:
    frame = {
        "type": "session.created",
        "event_id": "e1",
        "session": {
            "type": "realtime",
            "id": "sess_1",
            "object": "realtime.session",
            "expires_at": 1760000000,
            "model": "gpt-realtime",
        },
    }
    event = decode_server_event(json.dumps(frame))
    assert isinstance(event, SessionCreated)
    assert isinstance(event.session, RealtimeSession)
    assert event.session.id == "sess_1"
    assert event.session.expires_at == 1760000000
    assert json.loads(encode_server_event(event)) == frame
    delta = decode_server_event(
        b'{"type":"response.output_text.delta","event_id":"e","response_id":"r","item_id":"i",'
        b'"output_index":0,"content_index":0,"delta":"Hi","obfuscation":"abc"}'
    )
    assert json.loads(encode_server_event(delta))["obfuscation"] == "abc"


def test_unknown_fields_on_known_events_are_ignored() -> None:
    event = decode_server_event(
        b'{"type":"input_audio_buffer.cleared","event_id":"e","brand_new":{"x":1}}'
    )
    assert json.loads(encode_server_event(event)) == {
        "type": "input_audio_buffer.cleared",
        "event_id": "e",
    }


def test_unknown_type_keeps_the_raw_payload() -> None:
    frame = {"type": "response.telepathy.delta", "event_id": "e", "extra": [1, {"a": None}]}
    event = decode_server_event(json.dumps(frame).encode())
    assert event == UnknownServerEvent(type="response.telepathy.delta", raw=frame)
    assert json.loads(encode_server_event(event)) == frame
    client = decode_client_event(json.dumps({"type": "session.close"}))
    assert client == UnknownClientEvent(type="session.close", raw={"type": "session.close"})


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (b"not json", "not a JSON object"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"event_id": "e"}', "no string 'type'"),
        (b'{"type": 7}', "no string 'type'"),
        (b"\xff\xfe", "not a JSON object"),
        (b"", "not a JSON object"),
    ],
)
def test_broken_frames_raise_protocol_error(frame: bytes, reason: str) -> None:
    for decode in (decode_server_event, decode_client_event):
        with pytest.raises(ProtocolError) as caught:
            decode(frame)
        assert reason in caught.value.reason
        assert caught.value.event_type is None


def test_known_type_with_wrong_shape_names_the_type_and_field() -> None:
    with pytest.raises(ProtocolError) as caught:
        decode_server_event(b'{"type":"response.done","event_id":"e","response":"oops"}')
    assert caught.value.event_type == "response.done"
    assert "$.response" in str(caught.value)


def test_protocol_error_cuts_the_raw_text_and_stays_one_line() -> None:
    frame = "{\n" + "x" * 10_000
    with pytest.raises(ProtocolError) as caught:
        decode_server_event(frame)
    assert len(caught.value.raw) < RAW_LIMIT + 40
    assert caught.value.raw.startswith("{\nxxx")
    assert "\n" not in str(caught.value)


def test_dtmf_is_the_event_without_event_id() -> None:
    event = decode_server_event(
        b'{"type":"input_audio_buffer.dtmf_event_received","event":"5","received_at":1}'
    )
    assert isinstance(event, InputAudioBufferDtmfEventReceived)
    assert event.type == "input_audio_buffer.dtmf_event_received"


def test_audio_delta_is_decoded_to_bytes() -> None:
    pcm = np.arange(-240, 240, dtype="<i2")
    frame = json.dumps(
        {
            "type": "response.output_audio.delta",
            "event_id": "e",
            "response_id": "r",
            "item_id": "i",
            "output_index": 0,
            "content_index": 0,
            "delta": base64.b64encode(pcm.tobytes()).decode(),
        }
    )
    event = decode_server_event(frame)
    assert isinstance(event, ResponseOutputAudioDelta)
    assert np.array_equal(np.frombuffer(event.delta, dtype="<i2"), pcm)
    assert json.loads(encode_server_event(event)) == json.loads(frame)


def test_append_from_an_int16_array_encodes_base64_without_python_b64() -> None:
    frame = np.array([1, -1, 32767, -32768], dtype="<i2")
    from_array = encode_client_event(InputAudioBufferAppend.from_pcm16(memoryview(frame)))
    from_bytes = encode_client_event(InputAudioBufferAppend(audio=frame.tobytes()))
    assert from_array == from_bytes
    assert json.loads(from_array)["audio"] == base64.b64encode(frame.tobytes()).decode()


def test_response_done_usage_is_typed() -> None:
    frame = {
        "type": "response.done",
        "event_id": "e",
        "response": {
            "id": "resp_1",
            "object": "realtime.response",
            "status": "completed",
            "status_details": None,
            "output": [],
            "usage": {
                "total_tokens": 320,
                "input_tokens": 132,
                "output_tokens": 188,
                "input_token_details": {"cached_tokens": 64, "audio_tokens": 100},
                "output_token_details": {"text_tokens": 40, "audio_tokens": 148},
            },
        },
    }
    event = decode_server_event(json.dumps(frame))
    assert isinstance(event, ResponseDone)
    usage = event.response.usage
    assert usage is not UNSET and usage is not None
    assert usage.total_tokens == 320
    assert json.loads(encode_server_event(event)) == frame
