from __future__ import annotations

import errno
import socket

import pytest
from websockets.datastructures import Headers
from websockets.exceptions import InvalidMessage, InvalidStatus
from websockets.http11 import Response

from realtime_cli import __version__
from realtime_cli.errors import UsageError
from realtime_cli.transport.errors import (
    AuthenticationError,
    ConnectionFailed,
    ConnectionTimeout,
    HandshakeRejected,
)
from realtime_cli.transport.handshake import ConnectOptions, build_headers, connect_failure

from .helpers import API_KEY

URL = "ws://127.0.0.1:9/v1/realtime?model=m"


def test_headers_minimal() -> None:
    headers = build_headers(API_KEY)
    assert headers == [("Authorization", f"Bearer {API_KEY}"), ("User-Agent", f"rt/{__version__}")]


def test_headers_with_org_and_project_and_never_beta() -> None:
    headers = dict(build_headers(API_KEY, organization="org_1", project="proj_1"))
    assert headers["OpenAI-Organization"] == "org_1"
    assert headers["OpenAI-Project"] == "proj_1"
    assert not any(name.lower() == "openai-beta" for name in headers)


@pytest.mark.parametrize("key", ["", " sk-x", "sk-x\n"])
def test_bad_key_is_a_usage_error(key: str) -> None:
    with pytest.raises(UsageError):
        build_headers(key)


def test_options_hide_the_key() -> None:
    options = ConnectOptions(api_key=API_KEY, model="m", base_url="http://127.0.0.1:1/v1")
    assert API_KEY not in repr(options)
    assert options.url() == "ws://127.0.0.1:1/v1/realtime?model=m"
    assert ("Authorization", f"Bearer {API_KEY}") in options.headers()


def test_refused() -> None:
    error = connect_failure(ConnectionRefusedError(errno.ECONNREFUSED, "refused"), URL)
    assert isinstance(error, ConnectionFailed)
    assert str(error) == "cannot reach ws://127.0.0.1:9/v1/realtime: connection refused"


def test_refused_on_every_address() -> None:
    # What asyncio raises for localhost when both ::1 and 127.0.0.1 refuse.
    exc = OSError(
        "Multiple exceptions: [Errno 111] Connect call failed ('::1', 9, 0, 0), "
        "[Errno 111] Connect call failed ('127.0.0.1', 9)"
    )
    assert str(connect_failure(exc, URL)).endswith(": connection refused")


def test_dns_failure() -> None:
    error = connect_failure(socket.gaierror(-2, "Name or service not known"), URL)
    assert isinstance(error, ConnectionFailed)
    assert str(error).endswith(": host not found")


def test_timeout() -> None:
    error = connect_failure(TimeoutError(), URL, timeout=2.5)
    assert isinstance(error, ConnectionTimeout)
    assert str(error) == "timed out after 2.5 s connecting to ws://127.0.0.1:9/v1/realtime"


def _status(code: int, reason: str, body: bytes = b"") -> InvalidStatus:
    return InvalidStatus(Response(code, reason, Headers(), body))


@pytest.mark.parametrize("code", [401, 403])
def test_http_auth_rejection(code: int) -> None:
    body = b'{"error": {"message": "Incorrect API key provided: ' + API_KEY.encode() + b'"}}'
    error = connect_failure(_status(code, "Unauthorized", body), URL, secret=API_KEY)
    assert isinstance(error, AuthenticationError)
    assert error.http_status == code
    assert API_KEY not in str(error)
    assert "Incorrect API key provided: ***" in str(error)
    assert "\n" not in str(error)


def test_http_not_found() -> None:
    error = connect_failure(_status(404, "Not Found"), URL)
    assert isinstance(error, HandshakeRejected)
    assert error.status == 404
    assert str(error) == (
        "server refused the websocket upgrade at ws://127.0.0.1:9/v1/realtime: "
        "HTTP 404 Not Found (check the base URL)"
    )


def test_other_handshake_failures() -> None:
    error = connect_failure(InvalidMessage("did not receive a valid HTTP response"), URL)
    assert isinstance(error, ConnectionFailed)
    assert "invalid websocket handshake" in str(error)
    assert connect_failure(ValueError("not ours"), URL) is None
