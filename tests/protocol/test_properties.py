"""Property tests: valid events round-trip; garbage raises nothing but ProtocolError."""

from __future__ import annotations

import json
from typing import Any

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from realtime_cli.protocol import (
    CLIENT_EVENT_TYPES,
    SERVER_EVENT_TYPES,
    ProtocolError,
    UnknownClientEvent,
    UnknownServerEvent,
    decode_client_event,
    decode_server_event,
    encode_client_event,
    encode_server_event,
)
from tests.protocol.strategies import events

SERVER = events(list(SERVER_EVENT_TYPES.values()))
CLIENT = events(list(CLIENT_EVENT_TYPES.values()))
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(SERVER)
def test_valid_server_events_round_trip(payload: dict[str, Any]) -> None:
    event = decode_server_event(json.dumps(payload))
    assert type(event) is SERVER_EVENT_TYPES[payload["type"]]
    assert json.loads(encode_server_event(event)) == payload


@FAST
@given(CLIENT)
def test_valid_client_events_round_trip(payload: dict[str, Any]) -> None:
    event = decode_client_event(json.dumps(payload).encode())
    assert type(event) is CLIENT_EVENT_TYPES[payload["type"]]
    assert json.loads(encode_client_event(event, validate=False)) == payload


def _decode_both(data: bytes) -> None:
    for decode in (decode_server_event, decode_client_event):
        try:
            decoded = decode(data)
        except ProtocolError:
            continue
        if isinstance(decoded, UnknownServerEvent | UnknownClientEvent):
            assert isinstance(decoded.raw, dict)
            assert decoded.raw["type"] == decoded.type


@FAST
@given(st.binary(max_size=200))
def test_random_bytes_raise_only_protocol_error(data: bytes) -> None:
    _decode_both(data)


@FAST
@given(SERVER, st.data())
def test_truncated_frames_raise_only_protocol_error(
    payload: dict[str, Any], data: st.DataObject
) -> None:
    frame = json.dumps(payload).encode()
    cut = data.draw(st.integers(0, len(frame) - 1))
    _decode_both(frame[:cut])


@FAST
@given(SERVER | CLIENT, st.data())
def test_mutated_frames_raise_only_protocol_error(
    payload: dict[str, Any], data: st.DataObject
) -> None:
    frame = bytearray(json.dumps(payload).encode())
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(frame) - 1))
        frame[position] = data.draw(st.integers(0, 255))
    _decode_both(bytes(frame))


@FAST
@given(SERVER, st.data())
def test_retyped_values_raise_only_protocol_error(
    payload: dict[str, Any], data: st.DataObject
) -> None:
    # Replace one top-level value with a value of another JSON type: a wrong shape.
    key = data.draw(st.sampled_from(sorted(payload)))
    payload[key] = data.draw(st.sampled_from([None, 1, 1.5, "x", [], {}, True]))
    _decode_both(msgspec.json.encode(payload))
