"""What goes into the websocket upgrade, and what a failed upgrade means. No sockets here."""

from __future__ import annotations

import errno
import json
import socket
import ssl
from dataclasses import dataclass, field

from websockets.exceptions import (
    InvalidHandshake,
    InvalidProxy,
    InvalidStatus,
    InvalidURI,
    ProxyError,
)

from realtime_cli import __version__
from realtime_cli.errors import UsageError
from realtime_cli.transport.errors import (
    AuthenticationError,
    ConnectionFailed,
    ConnectionTimeout,
    HandshakeRejected,
    TransportError,
)
from realtime_cli.transport.redact import one_line, scrub
from realtime_cli.transport.urls import display_url, realtime_url

__all__ = ["USER_AGENT", "ConnectOptions", "build_headers", "connect_failure"]

USER_AGENT = f"rt/{__version__}"

#: Seconds allowed for TCP + TLS + upgrade, and again for the first event.
DEFAULT_OPEN_TIMEOUT = 10.0


def build_headers(
    api_key: str, *, organization: str | None = None, project: str | None = None
) -> list[tuple[str, str]]:
    """Handshake headers: bearer auth, org/project only when given, rt's User-Agent.

    Never `OpenAI-Beta`: the GA service closes the socket (4000) when it sees one.
    """
    if not api_key or api_key != api_key.strip():
        raise UsageError("the API key is empty or has surrounding whitespace")
    headers = [("Authorization", f"Bearer {api_key}")]
    if organization:
        headers.append(("OpenAI-Organization", organization))
    if project:
        headers.append(("OpenAI-Project", project))
    headers.append(("User-Agent", USER_AGENT))
    return headers


@dataclass(frozen=True, kw_only=True)
class ConnectOptions:
    """Everything needed to open a realtime websocket. The key is left out of the repr."""

    api_key: str = field(repr=False)
    model: str | None = None
    base_url: str | None = None
    websocket_base_url: str | None = None
    call_id: str | None = None
    #: `"transcription"` for a transcription-only session.
    intent: str | None = None
    organization: str | None = None
    project: str | None = None
    open_timeout: float = DEFAULT_OPEN_TIMEOUT

    def url(self) -> str:
        """The websocket URL (see `realtime_url`)."""
        return realtime_url(
            model=self.model,
            base_url=self.base_url,
            websocket_base_url=self.websocket_base_url,
            call_id=self.call_id,
            intent=self.intent,
        )

    def headers(self) -> list[tuple[str, str]]:
        """The handshake headers (see `build_headers`)."""
        return build_headers(self.api_key, organization=self.organization, project=self.project)


def _http_error_detail(body: bytes | bytearray | None) -> str:
    """The `error.message` of an OpenAI JSON error body, if the body is one."""
    if not body:
        return ""
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    error = data.get("error") if isinstance(data, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    return message if isinstance(message, str) else ""


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, socket.gaierror):
        return "host not found"
    if isinstance(exc, ConnectionRefusedError) or exc.errno == errno.ECONNREFUSED:
        return "connection refused"
    text = str(exc)
    # asyncio reports a host with several addresses (localhost: ::1 and 127.0.0.1) as one
    # OSError "Multiple exceptions: ..." without an errno.
    if text.startswith("Multiple exceptions") and f"[Errno {errno.ECONNREFUSED}]" in text:
        return "connection refused"
    if isinstance(exc, ssl.SSLError):
        return f"TLS error ({exc.reason or exc.strerror or exc})"
    return one_line(exc.strerror or text or type(exc).__name__, 200)


def connect_failure(
    exc: BaseException, url: str, *, timeout: float | None = None, secret: str | None = None
) -> TransportError | UsageError | None:
    """The typed error for an exception raised while opening the websocket, or None when
    the exception is not a connection failure (and should propagate unchanged)."""
    shown = display_url(url)
    if isinstance(exc, TimeoutError):
        after = f" after {timeout:g} s" if timeout is not None else ""
        return ConnectionTimeout(f"timed out{after} connecting to {shown}", url=shown)
    if isinstance(exc, InvalidStatus):
        status = exc.response.status_code
        phrase = exc.response.reason_phrase
        detail = scrub(one_line(_http_error_detail(exc.response.body), 200), secret)
        suffix = f": {detail}" if detail else ""
        if status in (401, 403):
            return AuthenticationError(
                f"API key refused (HTTP {status} {phrase} at {shown}){suffix}", http_status=status
            )
        hint = " (check the base URL)" if status == 404 else ""
        return HandshakeRejected(
            f"server refused the websocket upgrade at {shown}: HTTP {status} {phrase}{hint}"
            f"{suffix}",
            url=shown,
            status=status,
        )
    if isinstance(exc, InvalidURI):
        return UsageError(f"invalid websocket URL {shown!r}")
    if isinstance(exc, InvalidProxy | ProxyError):
        return ConnectionFailed(f"cannot reach {shown} through the proxy: {exc}", url=shown)
    if isinstance(exc, InvalidHandshake):
        reason = scrub(one_line(str(exc) or type(exc).__name__, 200), secret)
        return ConnectionFailed(f"invalid websocket handshake with {shown}: {reason}", url=shown)
    if isinstance(exc, OSError):
        return ConnectionFailed(f"cannot reach {shown}: {_os_reason(exc)}", url=shown)
    return None
