"""The realtime websocket client: a thin adapter around `websockets.asyncio.client`.

    options = ConnectOptions(api_key=key, model="gpt-realtime")
    async with RealtimeConnection.connect(options) as conn:
        first = await conn.recv()                 # session.created
        event_id = await conn.send(ResponseCreate())
        async for event in conn:
            if isinstance(event, Error):
                cause = conn.cause_of(event)      # the client event it names, if remembered
            ...

Errors. Opening raises a `TransportError` subclass (`ConnectionFailed`, `ConnectionTimeout`,
`HandshakeRejected`, `AuthenticationError`, `ModelError`) with one clear line. Because the
service reports a bad key or model only after the upgrade (an `error` event, then close 3000 or
4000), `connect` waits for the first event by default, so those surface from `connect` too.
Later, any close the client did not ask for raises from `recv` and from iteration; a close by
`close()` ends iteration quietly. Frames that are not events (not JSON, no type, a known type
with a broken shape, any binary frame: the service only sends text) are logged at DEBUG on
`realtime_cli.transport`, counted in `malformed_frames` and skipped; an unknown event type is
delivered as an `UnknownServerEvent`.

Every `error` event not followed by a fatal close is delivered as an ordinary event; one whose
code announces a fatal close (including `session_expired`) is held up to `fatal_grace` seconds
so that the close, not the event, is what the caller sees.

Concurrency: one task receives (`recv` or `async for`); any task may `send`.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque

from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed as WsConnectionClosed
from websockets.protocol import State

from realtime_cli.errors import UsageError
from realtime_cli.opening import Opening
from realtime_cli.protocol import (
    BaseClientEvent,
    Error,
    OutputAudioBufferClear,
    ProtocolError,
    ServerEvent,
    SessionCreated,
    UnknownClientEvent,
    UnknownServerEvent,
    decode_server_event,
    encode_client_event,
)
from realtime_cli.transport.closes import close_error, looks_fatal
from realtime_cli.transport.correlation import DEFAULT_REMEMBERED, SentEvents
from realtime_cli.transport.errors import ConnectionTimeout, TransportError
from realtime_cli.transport.event_log import EventLog
from realtime_cli.transport.handshake import ConnectOptions, connect_failure
from realtime_cli.transport.redact import RedactingLogger, scrub
from realtime_cli.transport.send_buffers import WRITE_LIMIT, cap_kernel_send_buffer, unsent_bytes
from realtime_cli.transport.urls import display_url

__all__ = ["DEFAULT_FATAL_GRACE", "Connect", "RealtimeConnection", "ReceivedEvent", "connect"]

_log = logging.getLogger("realtime_cli.transport")

#: Any server event this version decodes, or an unknown one kept whole.
ReceivedEvent = ServerEvent | UnknownServerEvent

#: Seconds `close()` waits for the server's close frame before dropping the connection (a
#: stalled server would otherwise hold a closing client for websockets' default 10 s).
CLOSE_TIMEOUT = 2.0

#: Seconds an `error` announcing a fatal close waits for that close before it is delivered.
DEFAULT_FATAL_GRACE = 0.5


class RealtimeConnection:
    """An open realtime websocket. Create it with `RealtimeConnection.connect(options)`."""

    def __init__(
        self,
        ws: ClientConnection,
        options: ConnectOptions,
        *,
        event_log: EventLog | None = None,
        fatal_grace: float = DEFAULT_FATAL_GRACE,
        remembered: int = DEFAULT_REMEMBERED,
    ) -> None:
        self._ws = ws
        self._options = options
        self._url = options.url()
        self._event_log = event_log
        self._fatal_grace = fatal_grace
        self._sent = SentEvents(remembered)
        self._pending: deque[ReceivedEvent] = deque()
        self._last_event: ReceivedEvent | None = None
        self._closed_by_client = False
        #: Frames that could not be decoded and were skipped.
        self.malformed_frames = 0
        #: The `session.created` event, when it was the first event.
        self.session_created: SessionCreated | None = None

    @classmethod
    def connect(
        cls,
        options: ConnectOptions,
        *,
        event_log: EventLog | None = None,
        wait_for_session: bool = True,
        fatal_grace: float = DEFAULT_FATAL_GRACE,
        remembered: int = DEFAULT_REMEMBERED,
    ) -> Connect:
        """Open a connection: `async with RealtimeConnection.connect(opts) as conn` or
        `conn = await RealtimeConnection.connect(opts)` (then `await conn.close()`).

        With `wait_for_session` the first event (normally `session.created`) is awaited
        before returning, so a refused key or model raises here; it is still delivered by
        the first `recv`. `remembered` bounds the event_id -> sent event map.
        """
        return Opening(
            lambda: cls._open(options, event_log, wait_for_session, fatal_grace, remembered)
        )

    @classmethod
    async def _open(
        cls,
        options: ConnectOptions,
        event_log: EventLog | None,
        wait_for_session: bool,
        fatal_grace: float,
        remembered: int,
    ) -> RealtimeConnection:
        url = options.url()
        headers = options.headers()
        if event_log is not None:
            event_log.add_secret(options.api_key)
        # websockets logs handshake headers at DEBUG; this adapter scrubs the key from them.
        ws_logger = RedactingLogger(logging.getLogger("realtime_cli.transport.ws"), options.api_key)
        try:
            ws = await ws_connect(
                url,
                additional_headers=headers,
                user_agent_header=None,
                compression=None,
                max_size=None,
                open_timeout=options.open_timeout,
                close_timeout=CLOSE_TIMEOUT,
                logger=ws_logger,
                write_limit=WRITE_LIMIT,
            )
        except Exception as exc:
            error = connect_failure(exc, url, timeout=options.open_timeout, secret=options.api_key)
            if error is None:
                raise
            raise error from exc
        cap_kernel_send_buffer(ws.transport.get_extra_info("socket"))
        conn = cls(ws, options, event_log=event_log, fatal_grace=fatal_grace, remembered=remembered)
        if wait_for_session:
            await conn._await_first_event()
        return conn

    async def _await_first_event(self) -> None:
        try:
            async with asyncio.timeout(self._options.open_timeout):
                first = await self._receive()
        except TimeoutError:
            await self._abort()
            raise ConnectionTimeout(
                f"no event from {display_url(self._url)} within "
                f"{self._options.open_timeout:g} s of connecting",
                url=display_url(self._url),
            ) from None
        except BaseException:
            await self._abort()
            raise
        self._pending.appendleft(first)
        if isinstance(first, SessionCreated):
            self.session_created = first

    # -- sending --------------------------------------------------------------------------

    async def send(self, event: BaseClientEvent | UnknownClientEvent) -> str:
        """Validate, encode and send one client event as a text frame; return its event_id.

        An event without `event_id` is sent with a fresh `evt_<n>`. Raises `InvalidClientEvent`
        (nothing sent) for an event breaking a GA rule, `ConnectionClosed` (or the typed close
        error) when the connection is gone.
        """
        if isinstance(event, OutputAudioBufferClear) and self._options.call_id is None:
            raise UsageError(
                "output_audio_buffer.clear is for WebRTC/SIP calls only; over a websocket, "
                "stop playback locally and truncate the item instead"
            )
        event, event_id = self._sent.assign_id(event)
        data = encode_client_event(event)
        # Remembered before the frame leaves: the error it causes may be read by another task
        # before this one resumes.
        self._sent.remember(event_id, event)
        if self._event_log is not None:
            self._event_log.record("send", data)
        try:
            # bytes with text=True: sent as a text frame (the only kind the service accepts)
            # without decoding and re-encoding the JSON.
            await self._ws.send(data, text=True)
        except WsConnectionClosed as exc:
            raise self._close_error() from exc
        return event_id

    def sent_event(self, event_id: str | None) -> BaseClientEvent | UnknownClientEvent | None:
        """The recently sent event with this event_id (appends are kept without audio)."""
        return self._sent.get(event_id)

    def cause_of(self, error: Error) -> BaseClientEvent | UnknownClientEvent | None:
        """The sent event a server `error` names in `error.event_id`, if still remembered."""
        return self._sent.cause_of(error)

    # -- receiving ------------------------------------------------------------------------

    async def recv(self) -> ReceivedEvent:
        """The next server event. Raises a typed `TransportError` when the connection closes."""
        return await self._receive()

    def __aiter__(self) -> RealtimeConnection:
        return self

    async def __anext__(self) -> ReceivedEvent:
        try:
            return await self._receive()
        except TransportError as exc:
            if getattr(exc, "by_client", False):
                raise StopAsyncIteration from None
            raise

    async def _receive(self) -> ReceivedEvent:
        if self._pending:
            return self._pending.popleft()
        held: Error | None = None
        while True:
            try:
                frame = await self._read(self._fatal_grace if held is not None else None)
            except TimeoutError:
                if held is None:
                    raise
                return held
            event = self._decode(frame)
            if event is None:
                continue
            if held is not None:
                self._pending.append(event)
                return held
            if isinstance(event, Error) and looks_fatal(event.error):
                held = event
                continue
            return event

    async def _read(self, timeout: float | None) -> bytes | str:
        # Text frames arrive as str, binary ones as bytes: the type is how they are told apart.
        try:
            if timeout is None:
                return await self._ws.recv()
            # Cancelling recv() is safe in websockets' asyncio client: no frame is lost.
            async with asyncio.timeout(timeout):
                return await self._ws.recv()
        except WsConnectionClosed as exc:
            raise self._close_error() from exc

    def _decode(self, frame: bytes | str) -> ReceivedEvent | None:
        if self._event_log is not None:
            self._event_log.record("recv", frame)
        if isinstance(frame, bytes):
            self.malformed_frames += 1
            _log.debug("skipped a binary frame (%d bytes): the service sends text only", len(frame))
            return None
        try:
            event = decode_server_event(frame)
        except ProtocolError as exc:
            self.malformed_frames += 1
            _log.debug("skipped a malformed frame: %s", scrub(exc.message, self._options.api_key))
            return None
        if isinstance(event, UnknownServerEvent):
            _log.debug("received an event of unknown type %r", event.type)
        self._last_event = event
        return event

    def _close_error(self) -> TransportError:
        received = self._ws.protocol.close_rcvd
        last = self._last_event
        return close_error(
            received.code if received is not None else None,
            received.reason if received is not None else "",
            last.error if isinstance(last, Error) else None,
            model=self._options.model,
            by_client=self._closed_by_client,
            secret=self._options.api_key,
        )

    # -- closing --------------------------------------------------------------------------

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection (idempotent); iteration then ends quietly."""
        if self._ws.state is State.OPEN:
            self._closed_by_client = True
        await self._ws.close(code, reason)

    async def abort(self) -> None:
        """Drop the connection at once, without the closing handshake (for a peer that has
        stopped responding, where `close()` would wait for its close frame)."""
        await self._abort()

    async def _abort(self) -> None:
        self._closed_by_client = True
        self._ws.transport.abort()
        await self._ws.wait_closed()

    @property
    def unsent_bytes(self) -> int:
        """Bytes sent but not yet delivered to the peer (library and kernel buffers)."""
        return unsent_bytes(self._ws.transport)

    @property
    def closed(self) -> bool:
        """Whether the connection is closed or closing."""
        return self._ws.state in (State.CLOSING, State.CLOSED)

    @property
    def url(self) -> str:
        """The websocket URL without credentials or query."""
        return display_url(self._url)

    @property
    def options(self) -> ConnectOptions:
        """The options this connection was opened with (the key is not in their repr)."""
        return self._options

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"RealtimeConnection({self.url!r}, {state})"


#: What `RealtimeConnection.connect` returns: awaitable, or an async context manager that
#: closes the connection on exit.
Connect = Opening[RealtimeConnection]


#: Module-level alias: `async with connect(ConnectOptions(...)) as conn`.
connect = RealtimeConnection.connect
