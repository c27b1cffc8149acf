"""Just enough HTTP/1.1 for the emulator's REST endpoints: request heads, Content-Length and
chunked bodies, multipart/form-data, and responses. Not a general HTTP server."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import parse_qsl, urlsplit

__all__ = [
    "HttpError",
    "HttpRequest",
    "HttpResponse",
    "parse_head",
    "parse_multipart",
    "read_body",
]

#: Largest REST body accepted (an SDP offer or a session is a few KiB).
MAX_BODY = 4 * 1024 * 1024


class HttpError(Exception):
    """A request the emulator cannot parse; answered with `status` and the connection closed."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class HttpRequest:
    """A request head (and, once read, its body). Header names are lower-case."""

    method: str
    target: str
    version: str
    headers: dict[str, str]
    body: bytes = b""

    @property
    def path(self) -> str:
        """The path without the query string."""
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, str]:
        """Query parameters (the last value wins when one repeats)."""
        return dict(parse_qsl(urlsplit(self.target).query, keep_blank_values=True))

    @property
    def keep_alive(self) -> bool:
        """Whether the client wants the connection kept open after the response."""
        connection = self.headers.get("connection", "").lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" in connection
        return "close" not in connection


@dataclass
class HttpResponse:
    """A response to encode; Content-Length is added when encoding."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    def encode(self, *, keep_alive: bool = True) -> bytes:
        """The response as bytes on the wire."""
        reason = HTTPStatus(self.status).phrase
        lines = [f"HTTP/1.1 {self.status} {reason}"]
        lines += [f"{name}: {value}" for name, value in self.headers]
        lines.append(f"Content-Length: {len(self.body)}")
        if not keep_alive:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


def parse_head(head: bytes) -> HttpRequest:
    """Parse a request line and headers (the bytes up to and including the blank line)."""
    try:
        text = head.decode("latin-1")
    except UnicodeDecodeError as exc:  # pragma: no cover - latin-1 decodes every byte
        raise HttpError(400, "bad request head") from exc
    lines = text.split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise HttpError(400, "bad request line")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise HttpError(400, "bad header line")
        key = name.lower()
        value = value.strip()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return HttpRequest(method=parts[0], target=parts[1], version=parts[2], headers=headers)


async def read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    """Read a request body framed by Content-Length or chunked transfer coding."""
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = bytearray()
        while True:
            size_line = await reader.readuntil(b"\r\n")
            try:
                size = int(size_line.split(b";")[0].strip(), 16)
            except ValueError as exc:
                raise HttpError(400, "bad chunk size") from exc
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":
                    pass
                return bytes(body)
            if len(body) + size > MAX_BODY:
                raise HttpError(413, "body too large")
            body += await reader.readexactly(size)
            await reader.readexactly(2)
    length_text = headers.get("content-length", "0")
    try:
        length = int(length_text)
    except ValueError as exc:
        raise HttpError(400, "bad Content-Length") from exc
    if length < 0 or length > MAX_BODY:
        raise HttpError(413, "body too large")
    return await reader.readexactly(length) if length else b""


@dataclass(frozen=True)
class FormPart:
    """One part of a multipart/form-data body."""

    name: str
    content_type: str | None
    data: bytes


def _boundary(content_type: str) -> str:
    for param in content_type.split(";")[1:]:
        key, _, value = param.strip().partition("=")
        if key.lower() == "boundary" and value:
            return value.strip('"')
    raise HttpError(400, "multipart body without a boundary")


def parse_multipart(body: bytes, content_type: str) -> dict[str, FormPart]:
    """The named parts of a multipart/form-data body."""
    delimiter = b"--" + _boundary(content_type).encode("latin-1")
    parts: dict[str, FormPart] = {}
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        head, sep, data = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not sep:
            raise HttpError(400, "malformed multipart part")
        data = data.removesuffix(b"\r\n")
        headers = parse_head(b"POST / HTTP/1.1\r\n" + head + b"\r\n\r\n").headers
        name = None
        for param in headers.get("content-disposition", "").split(";")[1:]:
            key, _, value = param.strip().partition("=")
            if key.lower() == "name":
                name = value.strip('"')
        if name is None:
            raise HttpError(400, "multipart part without a name")
        parts[name] = FormPart(name, headers.get("content-type"), data)
    return parts
