from __future__ import annotations

from realtime_cli.protocol import ErrorDetails
from realtime_cli.transport.closes import close_error, looks_fatal
from realtime_cli.transport.errors import (
    AuthenticationError,
    ConnectionClosed,
    ModelError,
    SessionExpired,
)

from .helpers import API_KEY


def details(code: str | None, message: str = "m") -> ErrorDetails:
    return ErrorDetails(type="invalid_request_error", code=code, message=message)


def test_3000_is_authentication() -> None:
    error = close_error(
        3000, "invalid_request_error.invalid_api_key", details("invalid_api_key"), model="m"
    )
    assert isinstance(error, AuthenticationError)
    assert str(error) == (
        "invalid API key (server closed 3000 invalid_request_error.invalid_api_key)"
    )
    assert error.close_code == 3000
    assert error.exit_code == 1


def test_3000_without_error_event() -> None:
    error = close_error(3000, "", None)
    assert isinstance(error, AuthenticationError)
    assert str(error) == "authentication refused (server closed 3000)"
    # The reason still names the code.
    named = close_error(3000, "invalid_request_error.invalid_api_key", None)
    assert (
        str(named) == "invalid API key (server closed 3000 invalid_request_error.invalid_api_key)"
    )


def test_3000_when_no_key_was_sent_does_not_blame_the_key() -> None:
    """PROTOCOL 11: no Authorization header gets `code: null`, "Missing bearer or basic
    authentication in header", close 3000 with the type alone as its reason."""
    missing = details(None, "Missing bearer or basic authentication in header.")
    error = close_error(3000, "invalid_request_error", missing)
    assert isinstance(error, AuthenticationError)
    assert str(error) == (
        "no API key was sent: the service saw no Authorization header"
        " (server closed 3000 invalid_request_error)"
    )
    coded = close_error(3000, "invalid_request_error.missing_api_key", details("missing_api_key"))
    assert str(coded).startswith("no API key was sent: ")
    # Any other refusal is said in the service's words, never guessed to be a bad key.
    other = close_error(3000, "invalid_request_error", details(None, "Key\nexpired."))
    assert (
        str(other)
        == "authentication refused: Key expired. (server closed 3000 invalid_request_error)"
    )


def test_4000_model_variants() -> None:
    reason = "invalid_request_error.invalid_model"
    unknown = close_error(4000, reason, details("invalid_model"), model="gpt-nope")
    assert isinstance(unknown, ModelError)
    assert str(unknown) == f"unknown model 'gpt-nope' (server closed 4000 {reason})"
    missing = close_error(4000, "invalid_request_error.missing_model", details("missing_model"))
    assert str(missing).startswith("no model given (")
    beta = close_error(4000, "x", details("beta_api_shape_disabled"), model="m")
    assert "beta API shape" in str(beta)


def test_other_closes() -> None:
    normal = close_error(1000, "bye")
    assert isinstance(normal, ConnectionClosed)
    assert not normal.by_client
    assert str(normal) == "server closed the connection (1000 bye, normal closure)"
    lost = close_error(None, "")
    assert isinstance(lost, ConnectionClosed)
    assert str(lost) == "connection lost (no close frame from the server)"
    mine = close_error(1000, "", by_client=True)
    assert isinstance(mine, ConnectionClosed)
    assert mine.by_client
    custom = close_error(4001, "x", details("overloaded", "Too busy\nright now"))
    assert str(custom) == "server closed the connection (4001 x): Too busy right now"


def test_session_expired_close() -> None:
    reason = "invalid_request_error.session_expired"
    message = "Your session hit\nthe maximum duration of 60 minutes."
    expired = close_error(1000, reason, details("session_expired", message))
    assert isinstance(expired, SessionExpired)
    assert isinstance(expired, ConnectionClosed)
    assert not expired.by_client
    assert str(expired) == (
        f"the session expired (server closed 1000 {reason}): "
        "Your session hit the maximum duration of 60 minutes."
    )
    assert looks_fatal(details("session_expired"))


def test_key_is_scrubbed_everywhere() -> None:
    error = close_error(
        3000,
        f"reason {API_KEY}",
        details("invalid_api_key", f"Incorrect API key provided: {API_KEY}"),
        secret=API_KEY,
    )
    assert API_KEY not in str(error)
    assert API_KEY not in repr(error.error)
    assert API_KEY not in error.close_reason


def test_looks_fatal() -> None:
    assert looks_fatal(details("invalid_api_key"))
    assert looks_fatal(details("invalid_model"))
    assert not looks_fatal(details("invalid_value"))
    assert not looks_fatal(details(None))
