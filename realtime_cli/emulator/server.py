"""The emulator's listening socket: one asyncio server on loopback for REST and websocket.

Design: `asyncio.start_server` accepts each TCP connection and h11 parses its requests
(`http_connection`). A `GET` with `Upgrade: websocket` is handed, head and stream
together, to `WebSocket`, a thin adapter around websockets' sans-I/O `ServerProtocol`,
which validates the upgrade and does all framing. Anything else is REST: the body is read
(Content-Length or chunked), answered by the sans-I/O `RestApi`, and the connection kept
alive for the next request. This keeps one port for both, as on api.openai.com, without
websockets' GET-only server and without a second HTTP framework.

Each websocket runs a `SessionMachine`: frames in, events out, and between frames the loop
sleeps until the machine's next deadline (response pacing) with `asyncio.wait_for`.

Fault modes (`faults.py`) that concern sockets and timing act here: `no-handshake` on each new
TCP connection, `rest-429`/`rest-500` on REST requests, `stop-reading`, `malformed` and the
drops while a session's events are sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import time
from collections.abc import Collection
from dataclasses import dataclass
from types import TracebackType

import msgspec
from websockets.http11 import Request, Response

from realtime_cli.emulator.auth import KeyRing
from realtime_cli.emulator.calls import Call, CallRegistry
from realtime_cli.emulator.faults import (
    CONTENT_FAULTS,
    DELTA_TYPES,
    MALFORMED_FRAMES,
    ONE_SHOT_FAULTS,
    PART_END_TYPES,
    FaultSettings,
    check_faults,
)
from realtime_cli.emulator.handshake import Refusal, admit
from realtime_cli.emulator.http import HttpError, HttpResponse
from realtime_cli.emulator.http_connection import HttpConnection, Upgrade
from realtime_cli.emulator.ids import IdFactory
from realtime_cli.emulator.realism import Realism
from realtime_cli.emulator.records import (
    ClientFrame,
    ConnectionLog,
    Received,
    RestRequest,
    SentEvent,
    WebSocketOpened,
)
from realtime_cli.emulator.rest import RestApi, RestError
from realtime_cli.emulator.script import ArgumentsFactory, Script
from realtime_cli.emulator.session import SessionMachine, decode_frame
from realtime_cli.emulator.session_config import SESSION_TTL_S
from realtime_cli.emulator.websocket import WebSocket
from realtime_cli.errors import UsageError
from realtime_cli.protocol import (
    BaseServerEvent,
    ClientEvent,
    Error,
    Session,
    encode_server_event,
)

__all__ = ["Emulator"]

WEBSOCKET_PATH = "/v1/realtime"
MAX_HEAD = 64 * 1024


def _check_loopback(host: str) -> None:
    if host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise UsageError(f"the emulator only listens on loopback addresses, not {host!r}")


@dataclass
class _Stream:
    """What the fault modes track while one connection's events are sent."""

    #: Deltas sent since the last `response.created`.
    deltas: int = 0


class Emulator:
    """A local stand-in for the OpenAI Realtime GA service (websocket and REST, one port).

        async with Emulator() as emu:
            client = AsyncOpenAI(api_key="sk-test", base_url=emu.base_url)

    `api_keys=None` accepts any key starting with `sk-` or `ek_` (any non-empty key with
    `any_key=True`); otherwise only the given keys (plus secrets minted by `client_secrets`).
    `speed` is how many times faster than real time responses stream (the service streams a
    few times faster than real time).

    `faults` switches fault modes on (see `faults.FAULTS`); `faults` is also a plain set
    attribute that tests may change while clients are connected. `fault_settings` tunes them.

    `realism` chooses between fixed replies in the same tick (`Realism.exact()`, the default
    here, for tests) and the live service's timing, streaming shape and answers
    (`Realism.measured(speed)`, the default of `rt emulator`).

    `vad_dbfs` fixes the server VAD's level (dBFS per 10 ms frame) instead of mapping the
    session's threshold (which puts the default 0.5 at -45 dBFS, where the service's detector
    is believed to fire).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        api_keys: Collection[str] | None = None,
        any_key: bool = False,
        speed: float = 5.0,
        chunk_ms: int = 150,
        ping_interval: float | None = 20.0,
        faults: Collection[str] = (),
        fault_settings: FaultSettings | None = None,
        realism: Realism | None = None,
        vad_dbfs: float | None = None,
    ) -> None:
        _check_loopback(host)
        if speed <= 0:
            raise UsageError("speed must be positive")
        if not 20 <= chunk_ms <= 1000:
            raise UsageError("chunk_ms must be between 20 and 1000")
        self.host = host
        self.port = port
        self.speed = speed
        self.chunk_ms = chunk_ms
        self.ping_interval = ping_interval
        self.vad_dbfs = vad_dbfs
        #: Fault modes in effect (names from `faults.FAULTS`); one-shot ones remove themselves.
        self.faults: set[str] = check_faults(faults)
        self.fault_settings = fault_settings or FaultSettings()
        #: Timing and streaming shape: exact (fixed, same-tick replies) unless given.
        self.realism = realism or Realism.exact()
        #: Canned replies, tool arguments and transcripts (see `Script`).
        self.script = Script()
        self.ids = IdFactory()
        self.keys = KeyRing(api_keys, any_key=any_key)
        self.calls = CallRegistry()
        self.rest = RestApi(self.keys, self.calls, self.ids)
        #: Everything received, in order: REST requests, websocket openings, client frames.
        self.received: list[Received] = []
        #: Every server event sent, in order, with its connection number.
        self.sent: list[SentEvent] = []
        #: One log per websocket connection, in order of opening.
        self.connections: list[ConnectionLog] = []
        self._server: asyncio.Server | None = None
        self._clients: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._sockets: set[WebSocket] = set()

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Start listening; `port` is then the actual port."""
        self._server = await asyncio.start_server(
            self._on_client, self.host, self.port, limit=MAX_HEAD
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        """Stop listening, close every websocket (1001) and drop every connection."""
        if self._server is None:
            return
        server, self._server = self._server, None
        server.close()
        for socket in list(self._sockets):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(socket.close(1001, "server shutting down"), 1.0)
        # Closing the transports ends idle keep-alive reads with EOF, so handlers return
        # normally; cancelling them would make Python 3.11's streams log the cancellation.
        for writer in list(self._writers):
            writer.close()
        if self._clients:
            _, stuck = await asyncio.wait(set(self._clients), timeout=2.0)
            for task in stuck:
                task.cancel()
            await asyncio.gather(*stuck, return_exceptions=True)
        await server.wait_closed()

    async def serve_forever(self) -> None:
        """Serve until cancelled (starting first if needed)."""
        if self._server is None:
            await self.start()
        try:
            await asyncio.Event().wait()
        finally:
            await self.close()

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        """The REST base URL, as the SDK's `base_url` (`http://127.0.0.1:PORT/v1`)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/v1"

    @property
    def ws_url(self) -> str:
        """The websocket URL without query (`ws://127.0.0.1:PORT/v1/realtime`)."""
        return self.base_url.replace("http://", "ws://", 1) + "/realtime"

    # --- test hooks ----------------------------------------------------------------------

    def queue_reply(self, text: str) -> None:
        """The next message response says `text` (see `Script.queue_reply`)."""
        self.script.queue_reply(text)

    def set_reply(self, user_text: str, reply: str) -> None:
        """Answer `reply` whenever the user says `user_text`."""
        self.script.set_reply(user_text, reply)

    def set_tool_arguments(self, name: str, arguments: ArgumentsFactory) -> None:
        """Arguments of the model's calls of the function tool `name`."""
        self.script.set_tool_arguments(name, arguments)

    def queue_transcript(self, text: str, *, delay: float | None = None) -> None:
        """The next input-audio transcription gives `text`, `delay` s after the commit."""
        self.script.queue_transcript(text, delay=delay)

    def add_incoming_call(self, session: Session | None = None) -> str:
        """Register a ringing SIP call (as a `realtime.call.incoming` webhook would announce
        it) and return its call id, for `/calls/{id}/accept|reject|refer|hangup`."""
        call = Call(
            id=self.ids.next("rtc"),
            transport="sip",
            state="ringing",
            session=session,
            history=["incoming"],
        )
        return self.calls.add(call).id

    def client_events(self, connection: int | None = None) -> list[ClientEvent]:
        """Decoded client events received, optionally on one connection only."""
        return [
            entry.event
            for entry in self.received
            if isinstance(entry, ClientFrame)
            and entry.event is not None
            and (connection is None or entry.connection == connection)
        ]

    # --- connections ---------------------------------------------------------------------

    async def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._clients.add(task)
        self._writers.add(writer)
        try:
            if "no-handshake" in self.faults:
                await self._never_answer(reader)
                return
            await self._serve_connection(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            self._clients.discard(task)
            self._writers.discard(writer)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _never_answer(self, reader: asyncio.StreamReader) -> None:
        # Reading on (and discarding) lets the connection end when the client gives up,
        # instead of lingering until the emulator closes.
        while await reader.read(65536):
            pass

    def _fire(self, fault: str) -> bool:
        """Whether `fault` is on; a one-shot fault is switched off as it fires."""
        if fault not in self.faults:
            return False
        if fault in ONE_SHOT_FAULTS:
            self.faults.discard(fault)
        return True

    def _fire_content(self, fault: str) -> bool:
        """`_fire` for the faults the session machine owns (what a response says)."""
        return fault in CONTENT_FAULTS and self._fire(fault)

    def _rest_fault(self) -> HttpResponse | None:
        if self._fire("rest-429"):
            error = RestError(
                message="Rate limit reached for requests (emulated). Please try again in 1s.",
                type="requests",
                code="rate_limit_exceeded",
            )
            response = self.rest.error_response(429, error)
            response.headers.append(("Retry-After", "1"))
            return response
        if self._fire("rest-500"):
            error = RestError(
                message="The server had an error while processing your request. Sorry about "
                "that! (emulated)",
                type="server_error",
            )
            return self.rest.error_response(500, error)
        return None

    async def _serve_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        http = HttpConnection(reader, writer, max_head=MAX_HEAD)
        while True:
            try:
                request = await http.next_request()
            except HttpError as exc:
                error = RestError(message=exc.message, type="invalid_request_error")
                await http.respond(self.rest.error_response(exc.status, error), close=True)
                return
            if request is None:
                return
            if isinstance(request, Upgrade):
                await self._serve_websocket(request, reader, writer)
                return
            arrived = time.monotonic()
            response = self._rest_fault() or self.rest.handle(request, time.time())
            self.received.append(
                RestRequest(
                    method=request.method,
                    path=request.path,
                    query=request.query,
                    headers=dict(request.headers),
                    body=request.body,
                    at=arrived,
                    status=response.status,
                )
            )
            await http.respond(response)
            if not http.keep_alive:
                return

    async def _serve_websocket(
        self, upgrade: Upgrade, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        request = upgrade.request
        socket = WebSocket(reader, writer, ping_interval=self.ping_interval)

        def check(upgrade: Request) -> Response | None:
            if request.path.rstrip("/") != WEBSOCKET_PATH:
                return socket.reject(404, "Not Found\n")
            return None

        if await socket.handshake(upgrade.head + upgrade.trailing, check) is None:
            return
        self._sockets.add(socket)
        log = ConnectionLog(
            index=len(self.connections),
            path=request.path,
            query=request.query,
            headers=dict(request.headers),
        )
        self.connections.append(log)
        self.received.append(WebSocketOpened(log.index, log.path, log.query, log.headers))
        try:
            await self._run_session(socket, log)
        finally:
            self._sockets.discard(socket)
            log.close_code = socket.close_code
            log.close_reason = socket.close_reason

    async def _send(
        self,
        socket: WebSocket,
        log: ConnectionLog,
        events: list[BaseServerEvent],
        stream: _Stream | None = None,
    ) -> bool:
        """Send `events` in order, applying the stream faults; False once the connection is
        gone (dropped on purpose or closed by the client)."""
        stream = stream or _Stream()
        for event in events:
            if event.type == "response.created":
                stream.deltas = 0
            if await self._drop(socket, log, stream, event.type):
                return False
            self.sent.append(SentEvent(log.index, event))
            log.sent.append(event)
            if not await socket.send_text(encode_server_event(event)):
                return False
            if event.type == "response.done":
                stream.deltas = 0
            elif event.type in DELTA_TYPES:
                stream.deltas += 1
                if stream.deltas == 1 and "malformed" in self.faults:
                    log.faults.append("malformed")
                    for frame in MALFORMED_FRAMES:
                        await socket.send_raw(frame)
        return True

    async def _drop(
        self, socket: WebSocket, log: ConnectionLog, stream: _Stream, kind: str
    ) -> bool:
        """Drop the connection mid-response if a drop fault says so (before sending `kind`)."""
        due = stream.deltas >= self.fault_settings.drop_after or (
            stream.deltas > 0 and kind in PART_END_TYPES
        )
        if not due:
            return False
        if "drop-1011" in self.faults:
            log.faults.append("drop-1011")
            await socket.close(1011, "server_error")
            return True
        if "drop-reset" in self.faults:
            log.faults.append("drop-reset")
            await socket.abort()
            return True
        return False

    async def _run_session(self, socket: WebSocket, log: ConnectionLog) -> None:
        loop = asyncio.get_running_loop()
        verdict = admit(
            log.query, log.headers, keys=self.keys, calls=self.calls, ids=self.ids, now=time.time()
        )
        if isinstance(verdict, Refusal):
            refusal = Error(event_id=self.ids.next("event"), error=verdict.error.details())
            await self._send(socket, log, [refusal])
            await socket.close(verdict.close_code, verdict.reason)
            return
        session, lifetime = verdict.session, float(SESSION_TTL_S)
        if "expire" in self.faults:
            log.faults.append("expire")
            lifetime = self.fault_settings.expire_after
            expires_at = int(time.time() + lifetime + 0.999)
            session = msgspec.structs.replace(session, expires_at=expires_at)
        machine = SessionMachine(
            session,
            ids=self.ids,
            script=self.script,
            speed=self.speed,
            chunk_ms=self.chunk_ms,
            lifetime=lifetime,
            now=loop.time(),
            realism=self.realism,
            rng=self.realism.rng(log.index),
            fire=self._fire_content,
            vad_dbfs=self.vad_dbfs,
        )
        stream = _Stream()
        if not await self._send(socket, log, machine.start(loop.time()), stream):
            await socket.close()
            return
        if "stop-reading" in self.faults:
            log.faults.append("stop-reading")
            socket.pause_reading()
        while True:
            slow = "slow-response" in self.faults
            machine.delta_pause = self.fault_settings.slow_pause if slow else None
            deadline = machine.next_deadline()
            timeout = None if deadline is None else max(0.0, deadline - loop.time())
            try:
                message = await socket.recv(timeout)
            except TimeoutError:
                events = machine.advance(loop.time())
            else:
                if message is None:
                    break
                incoming = decode_frame(message)
                frame = ClientFrame(log.index, incoming.event, message)
                self.received.append(frame)
                log.received.append(frame)
                events = machine.handle(incoming, loop.time())
            if not await self._send(socket, log, events, stream):
                break
            if machine.close_request is not None:
                await socket.close(*machine.close_request)
                return
        await socket.close()
