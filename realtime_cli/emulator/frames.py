"""Client frames decoded the way the service does: strict about types and unknown fields,
answering with the service's error codes.
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from realtime_cli.emulator.errors import ClientError
from realtime_cli.emulator.unknown_fields import find_unknown_field
from realtime_cli.protocol import (
    CLIENT_EVENT_TYPES,
    ClientEvent,
    ProtocolError,
    UnknownClientEvent,
    decode_client_event,
)

__all__ = ["SESSION_CLOSE", "WS_EVENT_TYPES", "Incoming", "decode_frame"]

#: Client event types the service accepts over a websocket (`output_audio_buffer.clear`
#: is for WebRTC and SIP only).
WS_EVENT_TYPES = tuple(t for t in CLIENT_EVENT_TYPES if t != "output_audio_buffer.clear")

#: The types the service's refusal of an unknown type lists (12, PROTOCOL.md section 11):
#: the websocket ones plus two of the translation surface, ending with the responses.
LISTED_TYPES = (
    *WS_EVENT_TYPES[:-2],
    "session.close",
    "session.input_audio_buffer.append",
    *WS_EVENT_TYPES[-2:],
)

#: Not a GA client event in the SDK (it comes from the translation surface), yet the service
#: accepts it on a realtime websocket (PROTOCOL.md section 11): it ends the session.
SESSION_CLOSE = "session.close"

_JSON = msgspec.json.Decoder()


@dataclass(frozen=True)
class Incoming:
    """One client frame, decoded: the event, or the error the service would answer with.

    `closes` marks a valid `session.close`, which has no typed event (`event` is None).
    """

    frame: str | bytes
    event: ClientEvent | None
    error: ClientError | None
    event_id: str | None
    closes: bool = False


def _param(path: str) -> str:
    return path.removeprefix("$").removeprefix(".")


def _decode_error(exc: ProtocolError) -> ClientError:
    """Turn msgspec's complaint about a known event into the service's error codes."""
    cause = str(exc.__cause__ or exc.reason)
    message, _, where = cause.partition(" - at `")
    path = _param(where.rstrip("`"))
    if message.startswith("Object missing required field `"):
        name = message.split("`")[1]
        full = f"{path}.{name}" if path else name
        return ClientError(
            "missing_required_parameter", f"Missing required parameter: '{full}'.", full
        )
    if message.startswith("Expected `"):
        return ClientError(
            "invalid_type", f"Invalid type for '{path}': {message.lower()}.", path or None
        )
    return ClientError("invalid_value", f"Invalid value for '{path}': {message}.", path or None)


def decode_frame(frame: str | bytes) -> Incoming:
    """Decode a websocket message the way the service does, strict about unknown fields."""
    if isinstance(frame, bytes):
        error = ClientError(
            "invalid_event", "Binary frames are not supported; send events as JSON text."
        )
        return Incoming(frame, None, error, None)
    try:
        raw = _JSON.decode(frame)
    except msgspec.DecodeError as exc:
        return Incoming(frame, None, ClientError("invalid_json", f"Invalid JSON: {exc}."), None)
    if not isinstance(raw, dict):
        error = ClientError("invalid_json", "Invalid event: expected a JSON object.")
        return Incoming(frame, None, error, None)
    event_id = raw.get("event_id") if isinstance(raw.get("event_id"), str) else None
    kind = raw.get("type")
    if not isinstance(kind, str):
        error = ClientError(
            "missing_required_parameter", "Missing required parameter: 'type'.", "type"
        )
        return Incoming(frame, None, error, event_id)
    if kind == SESSION_CLOSE:
        # Its only fields on the translation surface; anything else is unknown, as elsewhere.
        extra = next((key for key in raw if key not in ("type", "event_id")), None)
        if extra is not None:
            error = ClientError("unknown_parameter", f"Unknown parameter: '{extra}'.", extra)
            return Incoming(frame, None, error, event_id)
        return Incoming(frame, None, None, event_id, closes=True)
    if kind not in WS_EVENT_TYPES:
        # The service's wording: "..., 'response.create', and 'response.cancel'."
        supported = ", ".join(f"'{t}'" for t in LISTED_TYPES[:-1])
        supported += f", and '{LISTED_TYPES[-1]}'"
        error = ClientError(
            "invalid_value",
            f"Invalid value: '{kind}'. Supported values are: {supported}.",
            "type",
        )
        return Incoming(frame, None, error, event_id)
    try:
        event = decode_client_event(frame)
    except ProtocolError as exc:
        return Incoming(frame, None, _decode_error(exc), event_id)
    if isinstance(event, UnknownClientEvent):  # pragma: no cover - known types only get here
        return Incoming(frame, None, ClientError("invalid_value", "Unknown event.", "type"), None)
    unknown = find_unknown_field(raw, type(event))
    if unknown is not None:
        error = ClientError("unknown_parameter", f"Unknown parameter: '{unknown}'.", unknown)
        return Incoming(frame, event, error, event_id)
    return Incoming(frame, event, None, event_id)
