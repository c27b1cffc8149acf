"""Typed transport failures, each with one clear line and no secret in it.

RtError
  TransportError
    ConnectionFailed          the server could not be reached, or refused the upgrade
      ConnectionTimeout       ... within the time allowed
      HandshakeRejected       HTTP status other than 101 (and other than 401/403)
    AuthenticationError       close 3000, or HTTP 401/403 at the handshake
    ModelError                close 4000 (unknown or missing model, beta shape)
    ConnectionClosed          any other close of an open connection
      SessionExpired          the session reached its maximum duration (error session_expired)
    APIError                  a REST call answered with an error status
"""

from __future__ import annotations

from realtime_cli.errors import RtError
from realtime_cli.protocol import ErrorDetails

__all__ = [
    "APIError",
    "AuthenticationError",
    "ConnectionClosed",
    "ConnectionFailed",
    "ConnectionTimeout",
    "HandshakeRejected",
    "ModelError",
    "SessionExpired",
    "TransportError",
]


class TransportError(RtError):
    """A network or API failure of the websocket or REST transport (exit code 1)."""


class ConnectionFailed(TransportError):
    """The server could not be reached (refused, DNS, TLS) or the handshake failed."""

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message)
        #: The URL without credentials or query.
        self.url = url


class ConnectionTimeout(ConnectionFailed):
    """Connecting (TCP, TLS, upgrade, first event) took longer than allowed."""


class HandshakeRejected(ConnectionFailed):
    """The server answered the websocket upgrade with an HTTP error status."""

    def __init__(self, message: str, *, url: str, status: int) -> None:
        super().__init__(message, url=url)
        self.status = status


class _ClosedByServer(TransportError):
    """Common fields of every close the server initiated."""

    def __init__(
        self,
        message: str,
        *,
        close_code: int | None = None,
        close_reason: str = "",
        http_status: int | None = None,
        error: ErrorDetails | None = None,
    ) -> None:
        super().__init__(message)
        #: The websocket close code, or None (no close frame, or an HTTP rejection).
        self.close_code = close_code
        self.close_reason = close_reason
        #: The HTTP status when the upgrade itself was refused.
        self.http_status = http_status
        #: The server's `error` event that preceded the close, if any.
        self.error = error


class AuthenticationError(_ClosedByServer):
    """The API key was refused: close 3000 after the upgrade, or HTTP 401/403 before it."""


class ModelError(_ClosedByServer):
    """The model (or the session shape, e.g. a beta header) was refused: close 4000."""


class ConnectionClosed(_ClosedByServer):
    """The connection closed for another reason (or was closed by this client)."""

    def __init__(
        self,
        message: str,
        *,
        close_code: int | None = None,
        close_reason: str = "",
        error: ErrorDetails | None = None,
        by_client: bool = False,
    ) -> None:
        super().__init__(message, close_code=close_code, close_reason=close_reason, error=error)
        #: True when this client closed the connection itself.
        self.by_client = by_client


class SessionExpired(ConnectionClosed):
    """The session reached its maximum duration: `error` session_expired, then a close."""


class APIError(TransportError):
    """A REST call failed with an HTTP error status.

    The attributes carry what the service said; the message is one line built from them.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        error_type: str | None = None,
        error_code: str | None = None,
        error_message: str | None = None,
        param: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.error_type = error_type
        self.error_code = error_code
        self.error_message = error_message
        self.param = param
        #: The `x-request-id` response header, for support requests.
        self.request_id = request_id
