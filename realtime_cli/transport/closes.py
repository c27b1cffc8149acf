"""What a websocket close means (PROTOCOL.md 1.1): pure functions, no sockets.

The service accepts the upgrade, then reports a bad key with an `error` event and close 3000,
and a bad model or beta shape with an `error` event and close 4000; the close reason is
`"<error.type>.<error.code>"`. Every other `error` event is non-fatal.
"""

from __future__ import annotations

import msgspec

from realtime_cli.protocol import ErrorDetails
from realtime_cli.transport.errors import (
    AuthenticationError,
    ConnectionClosed,
    ModelError,
    SessionExpired,
)
from realtime_cli.transport.redact import one_line, scrub

__all__ = ["AUTH_CLOSE", "FATAL_ERROR_CODES", "MODEL_CLOSE", "close_error", "looks_fatal"]

AUTH_CLOSE = 3000
MODEL_CLOSE = 4000

#: Error codes the service sends right before a fatal close.
FATAL_ERROR_CODES = frozenset(
    {
        "invalid_api_key",
        "missing_api_key",
        "invalid_model",
        "missing_model",
        "model_not_found",
        "beta_api_shape_disabled",
        # The session reached its maximum duration (60 min); the socket closes after it.
        "session_expired",
    }
)

#: The service's message (with `code: null`) when the request carried no key at all.
_NO_KEY = "missing bearer or basic authentication"

_STANDARD_CLOSES = {
    1000: "normal closure",
    1001: "going away",
    1002: "protocol error",
    1003: "unsupported data",
    1007: "invalid frame payload",
    1008: "policy violation",
    1009: "message too big",
    1011: "server error",
    1012: "service restart",
    1013: "try again later",
}


def looks_fatal(error: ErrorDetails) -> bool:
    """Whether this `error` is of a kind the service follows with a fatal close."""
    if isinstance(error.code, str):
        return error.code in FATAL_ERROR_CODES
    return _no_key_sent(error)


def _no_key_sent(error: ErrorDetails) -> bool:
    # The service's refusal of a request without any key has no code, only this message.
    return error.code is None and _NO_KEY in error.message.lower()


def _auth_summary(error: ErrorDetails | None, reason: str, text: str) -> str:
    """What a 3000 close says about the key; `text` is the service's message, scrubbed."""
    # No error event: the reason (`<type>.<code>`) still names the code when there is one.
    code = error.code if error is not None else reason.partition(".")[2] or None
    if code == "missing_api_key" or (error is not None and _no_key_sent(error)):
        # Seen when no Authorization header reached the service (a proxy can drop it).
        return "no API key was sent: the service saw no Authorization header"
    if code == "invalid_api_key":
        return "invalid API key"
    return f"authentication refused: {text}" if text else "authentication refused"


def _model_summary(error: ErrorDetails | None, model: str | None) -> str:
    code = error.code if error is not None else None
    if code == "missing_model":
        return "no model given"
    if code == "beta_api_shape_disabled":
        return "the service refused the beta API shape (OpenAI-Beta header)"
    if code in ("invalid_model", "model_not_found"):
        return f"unknown model {model!r}" if model else "unknown model"
    return f"model {model!r} or session shape refused" if model else "model or session refused"


def _server_text(error: ErrorDetails | None, secret: str | None) -> str:
    return scrub(one_line(error.message, 200), secret) if error is not None else ""


def close_error(
    code: int | None,
    reason: str,
    error: ErrorDetails | None = None,
    *,
    model: str | None = None,
    by_client: bool = False,
    secret: str | None = None,
) -> AuthenticationError | ModelError | ConnectionClosed:
    """The typed error for a close with `code` and `reason` (None code: no close frame).

    `error` is the server's last `error` event, which explains a 3000/4000 close.
    """
    reason = scrub(one_line(reason, 120), secret)
    if error is not None and secret and secret in error.message:
        error = msgspec.structs.replace(error, message=scrub(error.message, secret))
    tail = f"{code} {reason}".strip() if code is not None else "no close code"
    if code == AUTH_CLOSE:
        return AuthenticationError(
            f"{_auth_summary(error, reason, _server_text(error, secret))} (server closed {tail})",
            close_code=code,
            close_reason=reason,
            error=error,
        )
    if code == MODEL_CLOSE:
        return ModelError(
            f"{_model_summary(error, model)} (server closed {tail})",
            close_code=code,
            close_reason=reason,
            error=error,
        )
    if by_client:
        return ConnectionClosed(
            f"connection closed by the client ({tail})",
            close_code=code,
            close_reason=reason,
            by_client=True,
        )
    if error is not None and error.code == "session_expired":
        text = _server_text(error, secret)
        # The service's 1001 close repeats the error's message as its reason: say it once.
        said = f"server closed {code}" if text and reason == text else f"server closed {tail}"
        return SessionExpired(
            f"the session expired ({said}): {text}",
            close_code=code,
            close_reason=reason,
            error=error,
        )
    if code is None or code == 1006:
        return ConnectionClosed(
            "connection lost (no close frame from the server)", close_code=code, error=error
        )
    meaning = _STANDARD_CLOSES.get(code, "")
    detail = f"server closed the connection ({tail}{', ' + meaning if meaning else ''})"
    text = _server_text(error, secret)
    return ConnectionClosed(
        f"{detail}: {text}" if text else detail, close_code=code, close_reason=reason, error=error
    )
