"""Encoding and decoding of wire frames, with encoders and decoders built once.

The fast path is one msgspec call into the tagged union of every event. Only a frame that
fails it is looked at again, to tell an unknown (newer) event type, which is kept as an
`Unknown*Event`, from a broken frame, which raises `ProtocolError`.
"""

from __future__ import annotations

from typing import Any

import msgspec

from realtime_cli.protocol.client_events import CLIENT_EVENT_TYPES, BaseClientEvent, ClientEvent
from realtime_cli.protocol.errors import ProtocolError
from realtime_cli.protocol.server_events import SERVER_EVENT_TYPES, BaseServerEvent, ServerEvent
from realtime_cli.protocol.unknown import UnknownClientEvent, UnknownServerEvent
from realtime_cli.protocol.validation import validate_client_event

__all__ = [
    "decode_client_event",
    "decode_server_event",
    "encode_client_event",
    "encode_server_event",
]


_ENCODER = msgspec.json.Encoder()
_SERVER_DECODER: msgspec.json.Decoder[ServerEvent] = msgspec.json.Decoder(ServerEvent)
_CLIENT_DECODER: msgspec.json.Decoder[ClientEvent] = msgspec.json.Decoder(ClientEvent)
_ANY_DECODER = msgspec.json.Decoder(dict[str, Any])
# What msgspec raises for a bad frame: deep nesting gives RecursionError, invalid UTF-8 in a
# key gives UnicodeDecodeError.
_DECODE_FAILURES = (msgspec.DecodeError, RecursionError, UnicodeDecodeError)


def _classify(
    data: bytes | str, error: Exception, known: dict[str, type[Any]]
) -> tuple[str, dict[str, Any]]:
    """For a frame the typed decoder refused: its type and object if the type is unknown."""
    try:
        obj = _ANY_DECODER.decode(data)
    except _DECODE_FAILURES:
        raise ProtocolError("frame is not a JSON object", data) from error
    event_type = obj.get("type")
    if not isinstance(event_type, str):
        raise ProtocolError("JSON frame has no string 'type'", data) from error
    if event_type in known:
        raise ProtocolError(
            f"malformed {event_type!r} event ({error})", data, event_type
        ) from error
    return event_type, obj


def decode_server_event(data: bytes | str) -> ServerEvent | UnknownServerEvent:
    """Decode one server frame. Raises `ProtocolError` for a frame that is not a valid event."""
    try:
        return _SERVER_DECODER.decode(data)
    except _DECODE_FAILURES as exc:
        return UnknownServerEvent(*_classify(data, exc, SERVER_EVENT_TYPES))


def decode_client_event(data: bytes | str) -> ClientEvent | UnknownClientEvent:
    """Decode one client frame (the emulator's side). Raises `ProtocolError` like above."""
    try:
        return _CLIENT_DECODER.decode(data)
    except _DECODE_FAILURES as exc:
        return UnknownClientEvent(*_classify(data, exc, CLIENT_EVENT_TYPES))


def encode_server_event(event: BaseServerEvent | UnknownServerEvent) -> bytes:
    """Encode a server event to JSON bytes (the emulator's side)."""
    if isinstance(event, UnknownServerEvent):
        return _ENCODER.encode(event.raw)
    return _ENCODER.encode(event)


def encode_client_event(
    event: BaseClientEvent | UnknownClientEvent, *, validate: bool = True
) -> bytes:
    """Encode a client event to JSON bytes, first checking the GA rules unless told not to.

    Raises `InvalidClientEvent` naming the field and the rule it breaks.
    """
    if validate:
        validate_client_event(event)
    if type(event) is UnknownClientEvent:
        return _ENCODER.encode(event.raw)
    return _ENCODER.encode(event)
