"""A server-side websocket on asyncio streams, driven by websockets' sans-I/O `ServerProtocol`.

The emulator reads the HTTP request head itself (REST and websocket share one port), so the
upgrade cannot go through `websockets.asyncio.server.serve`, whose parser only accepts GET
and owns the socket from the first byte. Instead the already-read head is fed to a
`ServerProtocol`, which validates the upgrade and then frames, pings, pongs and closes;
this module only moves bytes between it and the stream. Client pings are answered by the
protocol itself; the emulator pings every `ping_interval` seconds like the service (20 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import struct
from collections.abc import Callable, Sequence

from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory
from websockets.frames import Frame, Opcode
from websockets.http11 import Request, Response
from websockets.protocol import State
from websockets.server import ServerProtocol
from websockets.typing import Subprotocol

__all__ = ["WebSocket"]

#: Largest message accepted; an append may carry 15 MiB of audio, about 20 MiB as base64.
MAX_MESSAGE = 32 * 1024 * 1024


def _select_subprotocol(
    protocol: ServerProtocol, offered: Sequence[Subprotocol]
) -> Subprotocol | None:
    """Pick "realtime" when offered; never require a subprotocol (the SDK offers none)."""
    return Subprotocol("realtime") if "realtime" in offered else None


class WebSocket:
    """One accepted (or refused) websocket connection."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        ping_interval: float | None = 20.0,
        close_timeout: float = 2.0,
    ) -> None:
        # A browser offers "realtime" next to its key subprotocol and needs one selected.
        self.protocol = ServerProtocol(
            extensions=[ServerPerMessageDeflateFactory()],
            select_subprotocol=_select_subprotocol,
            max_size=MAX_MESSAGE,
        )
        self._reader = reader
        self._writer = writer
        self._ping_interval = ping_interval
        self._close_timeout = close_timeout
        self._messages: asyncio.Queue[str | bytes | None] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._fragments: list[bytes] = []
        self._fragment_opcode: Opcode | None = None
        self._reading_paused = False

    @property
    def close_code(self) -> int | None:
        """The close code received or sent, once closed."""
        return self.protocol.close_code

    @property
    def close_reason(self) -> str | None:
        """The close reason received or sent, once closed."""
        return self.protocol.close_reason

    @property
    def open(self) -> bool:
        """Whether messages can still be sent."""
        return self.protocol.state is State.OPEN

    def reject(self, status: int, text: str) -> Response:
        """A plain HTTP response refusing the upgrade."""
        return self.protocol.reject(status, text)

    async def handshake(
        self, head: bytes, check: Callable[[Request], Response | None]
    ) -> Request | None:
        """Complete the opening handshake from an already-read request head.

        `check` may return a response to refuse the upgrade (for example a 404). Returns the
        request when the connection is open, else None (the connection is then closed).
        """
        self.protocol.receive_data(head)
        events = self.protocol.events_received()
        request = events[0] if events and isinstance(events[0], Request) else None
        if request is None:
            self._pump()
            await self._shutdown()
            return None
        response = check(request) or self.protocol.accept(request)
        self.protocol.send_response(response)
        self._pump()
        with contextlib.suppress(ConnectionError):
            await self._writer.drain()
        if self.protocol.state is not State.OPEN:
            await self._shutdown()
            return None
        self._tasks.append(asyncio.create_task(self._read_loop()))
        if self._ping_interval:
            self._tasks.append(asyncio.create_task(self._keepalive(self._ping_interval)))
        return request

    async def recv(self, timeout: float | None = None) -> str | bytes | None:
        """The next message (text as str, binary as bytes), or None once closed.

        Raises `TimeoutError` after `timeout` seconds without a message.
        """
        if timeout is None:
            return await self._messages.get()
        return await asyncio.wait_for(self._messages.get(), timeout)

    async def send_text(self, data: bytes) -> bool:
        """Send one text message (UTF-8 bytes). Returns False if the connection is closed."""
        if self.protocol.state is not State.OPEN:
            return False
        self.protocol.send_text(data)
        self._pump()
        try:
            await self._writer.drain()
        except ConnectionError:
            return False
        return True

    async def send_raw(self, data: str | bytes) -> bool:
        """Send one message as is: str as a text frame, bytes as a binary frame (for the
        `malformed` fault). Returns False if the connection is closed."""
        if self.protocol.state is not State.OPEN:
            return False
        if isinstance(data, str):
            self.protocol.send_text(data.encode())
        else:
            self.protocol.send_binary(data)
        self._pump()
        try:
            await self._writer.drain()
        except ConnectionError:
            return False
        return True

    def pause_reading(self) -> None:
        """Stop reading from the client (the `stop-reading` fault): its frames pile up in the
        socket buffers until its sends block. The connection stays open."""
        self._reading_paused = True
        transport = self._writer.transport
        if isinstance(transport, asyncio.ReadTransport):
            transport.pause_reading()

    async def abort(self) -> None:
        """Reset the TCP connection: no close frame, no FIN (the `drop-reset` fault)."""
        sock = self._writer.get_extra_info("socket")
        if sock is not None:
            # Linger on with a zero timeout turns close() into an RST.
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self._writer.transport.abort()
        await self._shutdown()

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close with `code` and `reason`, wait briefly for the client's close, then hang up."""
        # After `abort()` the transport is gone and no close frame was (or can be) sent.
        if self.protocol.state is State.OPEN and not self._writer.is_closing():
            self.protocol.send_close(code, reason)
            self._pump()
            with contextlib.suppress(ConnectionError):
                await self._writer.drain()
        reader = self._tasks[0] if self._tasks else None
        # A paused reader would never see the client's close frame.
        if reader is not None and reader is not asyncio.current_task() and not self._reading_paused:
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(reader), self._close_timeout)
        await self._shutdown()

    async def _shutdown(self) -> None:
        for task in self._tasks:
            if task is not asyncio.current_task():
                task.cancel()
        self._writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await self._writer.wait_closed()
        self._messages.put_nowait(None)

    def _pump(self) -> None:
        for data in self.protocol.data_to_send():
            if self._writer.is_closing():
                return
            if data:
                self._writer.write(data)
            elif self._writer.can_write_eof():
                with contextlib.suppress(OSError):
                    self._writer.write_eof()

    def _deliver(self, frame: Frame) -> None:
        if frame.opcode in (Opcode.TEXT, Opcode.BINARY):
            self._fragment_opcode = frame.opcode
            self._fragments = [bytes(frame.data)]
        elif frame.opcode is Opcode.CONT and self._fragment_opcode is not None:
            self._fragments.append(bytes(frame.data))
        else:
            return
        if not frame.fin:
            return
        data = b"".join(self._fragments)
        opcode, self._fragment_opcode, self._fragments = self._fragment_opcode, None, []
        if opcode is Opcode.BINARY:
            self._messages.put_nowait(data)
            return
        try:
            self._messages.put_nowait(data.decode("utf-8"))
        except UnicodeDecodeError:
            self.protocol.fail(1007, "invalid UTF-8 in a text frame")

    async def _read_loop(self) -> None:
        try:
            while True:
                try:
                    data = await self._reader.read(65536)
                except ConnectionError:
                    data = b""
                if not data:
                    self.protocol.receive_eof()
                    self._pump()
                    break
                self.protocol.receive_data(data)
                for event in self.protocol.events_received():
                    if isinstance(event, Frame):
                        self._deliver(event)
                self._pump()
                if self.protocol.state is State.CLOSED:
                    break
        finally:
            self._messages.put_nowait(None)

    async def _keepalive(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            if self.protocol.state is not State.OPEN:
                return
            self.protocol.send_ping(os.urandom(4))
            self._pump()
