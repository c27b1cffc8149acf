"""The emulator's REST requests and responses as plain values, and multipart/form-data
bodies; h11 does the HTTP/1.1 itself (`http_connection`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

__all__ = [
    "HttpError",
    "HttpRequest",
    "HttpResponse",
    "parse_multipart",
]


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


@dataclass
class HttpResponse:
    """A response to send; Content-Length is added when sending."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)


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


def _part_headers(head: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in head.decode("latin-1").split("\r\n"):
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            raise HttpError(400, "malformed multipart part header")
        headers[name.strip().lower()] = value.strip()
    return headers


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
        headers = _part_headers(head)
        name = None
        for param in headers.get("content-disposition", "").split(";")[1:]:
            key, _, value = param.strip().partition("=")
            if key.lower() == "name":
                name = value.strip('"')
        if name is None:
            raise HttpError(400, "multipart part without a name")
        parts[name] = FormPart(name, headers.get("content-type"), data)
    return parts
