"""One HTTP/1.1 server connection on asyncio streams, parsed and framed by h11.

h11 (a sans-I/O HTTP/1.1 state machine, already installed with httpx) does the request
line, headers, Content-Length and chunked bodies, keep-alive and pipelining; this module
only moves bytes between it and the stream. A websocket upgrade request is handed back
with its head re-serialized and whatever bytes followed it, so websockets' own
`ServerProtocol` can validate the upgrade and take the stream over.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from http import HTTPStatus
from typing import cast

import h11

from realtime_cli.emulator.http import HttpError, HttpRequest, HttpResponse

__all__ = ["HttpConnection", "Upgrade"]

#: Largest REST body accepted (an SDP offer or a session is a few KiB).
MAX_BODY = 4 * 1024 * 1024
READ_SIZE = 65536


@dataclass(frozen=True)
class Upgrade:
    """A websocket upgrade request: its head as bytes, then the bytes read after it."""

    request: HttpRequest
    head: bytes
    trailing: bytes


def _request(event: h11.Request, body: bytes = b"") -> HttpRequest:
    headers: dict[str, str] = {}
    for name, value in event.headers:
        key = name.decode("latin-1")
        text = value.decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    return HttpRequest(
        method=event.method.decode("latin-1"),
        target=event.target.decode("latin-1"),
        version=f"HTTP/{event.http_version.decode('latin-1')}",
        headers=headers,
        body=body,
    )


def _head(event: h11.Request) -> bytes:
    lines = [b"%s %s HTTP/%s" % (event.method, event.target, event.http_version)]
    lines += [name + b": " + value for name, value in event.headers.raw_items()]
    return b"\r\n".join(lines) + b"\r\n\r\n"


class HttpConnection:
    """Requests in, responses out, on one TCP connection."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, max_head: int
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._h11 = h11.Connection(h11.SERVER, max_incomplete_event_size=max_head)

    async def _next_event(self) -> h11.Event | type[h11.PAUSED]:
        while True:
            try:
                event = self._h11.next_event()
            except h11.RemoteProtocolError as exc:
                status = exc.error_status_hint
                raise HttpError(status, str(exc) or HTTPStatus(status).phrase) from exc
            if event is h11.NEED_DATA:
                self._h11.receive_data(await self._reader.read(READ_SIZE))
                continue
            return cast("h11.Event | type[h11.PAUSED]", event)

    async def next_request(self) -> HttpRequest | Upgrade | None:
        """The next request with its body, an upgrade, or None once the client is gone.

        Raises `HttpError` for a request h11 refuses (the caller answers and closes).
        """
        if self._h11.our_state is h11.DONE and self._h11.their_state is h11.DONE:
            self._h11.start_next_cycle()
        event = await self._next_event()
        if not isinstance(event, h11.Request):
            return None
        upgrade = any(
            name == b"upgrade" and value.lower() == b"websocket" for name, value in event.headers
        )
        if upgrade and event.method == b"GET":
            head = _head(event)
            while await self._next_event() is not h11.PAUSED:
                pass
            data, _ = self._h11.trailing_data
            return Upgrade(_request(event), head, data)
        body = bytearray()
        while True:
            part = await self._next_event()
            if isinstance(part, h11.Data):
                body += part.data
                if len(body) > MAX_BODY:
                    raise HttpError(413, "body too large")
            elif isinstance(part, h11.EndOfMessage):
                return _request(event, bytes(body))
            else:
                return None

    @property
    def keep_alive(self) -> bool:
        """Whether the connection stays open for another request after this response."""
        return self._h11.our_state is h11.DONE and self._h11.their_state is h11.DONE

    async def respond(self, response: HttpResponse, *, close: bool = False) -> None:
        """Send a response (Content-Length added); `close` ends the connection after it."""
        headers = [(name, value) for name, value in response.headers]
        headers.append(("Content-Length", str(len(response.body))))
        if close:
            headers.append(("Connection", "close"))
        reason = HTTPStatus(response.status).phrase.encode("latin-1")
        # h11 lets a server answer from IDLE too: the error response to a refused head.
        if self._h11.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
            return
        data = self._h11.send(
            h11.Response(status_code=response.status, headers=headers, reason=reason)
        )
        data = (data or b"") + (self._h11.send(h11.Data(data=response.body)) or b"")
        data += self._h11.send(h11.EndOfMessage()) or b""
        self._writer.write(data)
        await self._writer.drain()
