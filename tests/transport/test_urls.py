from __future__ import annotations

import pytest

from realtime_cli.errors import UsageError
from realtime_cli.transport.urls import display_url, realtime_url, rest_url


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        # PROTOCOL.md 1.1 examples.
        ({"base_url": "http://localhost:8080/v1"}, "ws://localhost:8080/v1/realtime?model=m"),
        (
            {"websocket_base_url": "wss://proxy.example/v1"},
            "wss://proxy.example/v1/realtime?model=m",
        ),
        ({}, "wss://api.openai.com/v1/realtime?model=m"),
        ({"base_url": "https://api.example.com/v1/"}, "wss://api.example.com/v1/realtime?model=m"),
        # The websocket base wins over the REST base.
        (
            {"base_url": "https://api.openai.com/v1", "websocket_base_url": "ws://127.0.0.1:9/x"},
            "ws://127.0.0.1:9/x/realtime?model=m",
        ),
        # A query in the base is kept, model comes after it.
        (
            {"base_url": "https://gw.example/openai/v1?api-version=2025-08-28"},
            "wss://gw.example/openai/v1/realtime?api-version=2025-08-28&model=m",
        ),
        # An http websocket base is mapped too, like the SDK's final scheme fix-up.
        ({"websocket_base_url": "http://127.0.0.1:1/v1"}, "ws://127.0.0.1:1/v1/realtime?model=m"),
    ],
)
def test_realtime_url_like_the_sdk(kwargs: dict[str, str], expected: str) -> None:
    assert realtime_url(model="m", **kwargs) == expected


def test_call_id_and_intent_are_query_parameters() -> None:
    assert (
        realtime_url(base_url="http://h/v1", call_id="rtc_1") == "ws://h/v1/realtime?call_id=rtc_1"
    )
    assert (
        realtime_url(base_url="http://h/v1", intent="transcription")
        == "ws://h/v1/realtime?intent=transcription"
    )
    assert (
        realtime_url(model="m x", base_url="http://h/v1", intent="transcription")
        == "ws://h/v1/realtime?model=m+x&intent=transcription"
    )


@pytest.mark.parametrize("base", ["ftp://h/v1", "api.openai.com/v1", "http://"])
def test_bad_base_url_is_a_usage_error(base: str) -> None:
    with pytest.raises(UsageError, match="invalid base URL"):
        realtime_url(model="m", base_url=base)


def test_display_url_drops_credentials_and_query() -> None:
    assert display_url("wss://user:pw@h:1/v1/realtime?model=m#f") == "wss://h:1/v1/realtime"


def test_rest_url() -> None:
    assert rest_url(None, "/realtime/calls") == "https://api.openai.com/v1/realtime/calls"
    assert rest_url("http://127.0.0.1:5/v1/", "realtime/x") == "http://127.0.0.1:5/v1/realtime/x"
    assert rest_url("https://h/v1?a=1", "/realtime/x") == "https://h/v1/realtime/x?a=1"
    with pytest.raises(UsageError):
        rest_url("wss://h/v1", "/x")
