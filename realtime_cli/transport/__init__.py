"""Websocket and REST clients for the Realtime API. Knows nothing of audio.

* `RealtimeConnection` / `connect`: the realtime websocket (typed events in and out).
* `RestClient`: client secrets and WebRTC/SIP call control over HTTPS.
* `EventLog`: a JSONL log of websocket traffic.
* Typed errors, all `RtError`s: see `realtime_cli.transport.errors`.
"""

import importlib
from typing import TYPE_CHECKING, Any

from realtime_cli.transport.errors import (
    APIError,
    AuthenticationError,
    ConnectionClosed,
    ConnectionFailed,
    ConnectionTimeout,
    HandshakeRejected,
    ModelError,
    SessionExpired,
    TransportError,
)
from realtime_cli.transport.event_log import EventLog
from realtime_cli.transport.handshake import ConnectOptions, build_headers
from realtime_cli.transport.retry import RetryPolicy
from realtime_cli.transport.urls import DEFAULT_BASE_URL, realtime_url, rest_url
from realtime_cli.transport.ws import Connect, RealtimeConnection, ReceivedEvent, connect

__all__ = [
    "DEFAULT_BASE_URL",
    "APIError",
    "AuthenticationError",
    "CallAnswer",
    "ClientSecret",
    "Connect",
    "ConnectOptions",
    "ConnectionClosed",
    "ConnectionFailed",
    "ConnectionTimeout",
    "EventLog",
    "HandshakeRejected",
    "ModelError",
    "RealtimeConnection",
    "ReceivedEvent",
    "RestClient",
    "RetryPolicy",
    "SessionExpired",
    "TransportError",
    "build_headers",
    "connect",
    "realtime_url",
    "rest_url",
]

if TYPE_CHECKING:
    from realtime_cli.transport.rest import CallAnswer, ClientSecret, RestClient

#: The REST client needs httpx, whose import costs more than all of `rt talk`'s start-up
#: otherwise: it is loaded when first asked for.
_REST = ("CallAnswer", "ClientSecret", "RestClient")


def __getattr__(name: str) -> Any:
    if name not in _REST:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module("realtime_cli.transport.rest"), name)
    globals()[name] = value  # later lookups skip this function
    return value
