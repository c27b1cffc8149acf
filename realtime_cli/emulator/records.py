"""What the emulator saw and sent, in order, for tests to assert on."""

from __future__ import annotations

from dataclasses import dataclass, field

from realtime_cli.protocol import BaseServerEvent, ClientEvent

__all__ = [
    "ClientFrame",
    "ConnectionLog",
    "Received",
    "RestRequest",
    "SentEvent",
    "WebSocketOpened",
]


@dataclass(frozen=True)
class RestRequest:
    """A REST request: method, path, query, lower-case headers and raw body; when it
    arrived (`time.monotonic()`) and the status it was answered with."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    at: float = 0.0
    status: int = 0


@dataclass(frozen=True)
class WebSocketOpened:
    """A websocket upgrade that succeeded (before the auth and model checks)."""

    connection: int
    path: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass(frozen=True)
class ClientFrame:
    """A websocket message: the decoded event (None if it could not be decoded) and the
    raw frame (str for text, bytes for binary)."""

    connection: int
    event: ClientEvent | None
    raw: str | bytes


@dataclass(frozen=True)
class SentEvent:
    """A server event sent on connection number `connection`."""

    connection: int
    event: BaseServerEvent


#: Anything the emulator received.
Received = RestRequest | WebSocketOpened | ClientFrame


@dataclass
class ConnectionLog:
    """One websocket connection: its request, messages both ways and how it closed."""

    index: int
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    received: list[ClientFrame] = field(default_factory=list)
    sent: list[BaseServerEvent] = field(default_factory=list)
    close_code: int | None = None
    close_reason: str | None = None
    #: Fault modes that acted on this connection, in order (e.g. "malformed", "drop-1011").
    faults: list[str] = field(default_factory=list)

    def sent_types(self) -> list[str]:
        """The `type` of each event sent, in order."""
        return [event.type for event in self.sent]
