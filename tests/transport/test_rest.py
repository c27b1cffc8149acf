"""The REST client against an in-test `httpx.MockTransport`."""

from __future__ import annotations

import json
from collections.abc import Callable
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

import httpx
import pytest

from realtime_cli import __version__
from realtime_cli.errors import UsageError
from realtime_cli.protocol import (
    AudioFormat,
    InputAudioConfig,
    InvalidClientEvent,
    OutputAudioConfig,
    ProtocolError,
    RealtimeAudioConfig,
    RealtimeSession,
    TranscriptionSession,
)
from realtime_cli.transport import (
    APIError,
    ConnectionFailed,
    ConnectionTimeout,
    RestClient,
    RetryPolicy,
)
from realtime_cli.transport.rest import call_id_from_location

from .helpers import API_KEY, run

BASE = "http://127.0.0.1:1/v1"
SDP = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n"
SESSION = RealtimeSession(
    model="gpt-realtime",
    instructions="Be brief.",
    audio=RealtimeAudioConfig(
        input=InputAudioConfig(format=AudioFormat.pcm()),
        output=OutputAudioConfig(voice="marin"),
    ),
)

Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """A mock transport that records requests and sleeps."""

    def __init__(self, handler: Handler) -> None:
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []
        self._handler = handler

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self._handler(request)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def client(self, **kwargs: Any) -> RestClient:
        return RestClient(
            api_key=API_KEY,
            base_url=BASE,
            transport=httpx.MockTransport(self.handle),
            sleep=self.sleep,
            rand=lambda: 0.0,
            clock=lambda: 1_700_000_000.0,
            **kwargs,
        )


def ok(_: httpx.Request) -> httpx.Response:
    return httpx.Response(200)


def call(recorder: Recorder, method: str, *args: Any, **kwargs: Any) -> Any:
    async def main() -> Any:
        async with recorder.client() as rest:
            return await getattr(rest, method)(*args, **kwargs)

    return run(main())


def test_create_client_secret() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "value": "ek_abc",
                "expires_at": 1_700_000_600,
                "session": {
                    "type": "realtime",
                    "id": "sess_1",
                    "object": "realtime.session",
                    "model": "gpt-realtime",
                    "client_secret": {"value": "ek_abc"},
                },
            },
        )

    recorder = Recorder(handler)
    secret = call(recorder, "create_client_secret", SESSION, expires_after_seconds=600)
    [request] = recorder.requests
    assert request.method == "POST"
    assert str(request.url) == f"{BASE}/realtime/client_secrets"
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.headers["user-agent"] == f"rt/{__version__}"
    assert request.headers["content-type"] == "application/json"
    assert "openai-beta" not in request.headers
    body = json.loads(request.content)
    assert body["expires_after"] == {"anchor": "created_at", "seconds": 600}
    assert body["session"]["type"] == "realtime"
    assert body["session"]["audio"]["input"]["format"] == {"type": "audio/pcm", "rate": 24000}
    assert secret.value == "ek_abc"
    assert secret.expires_at == 1_700_000_600
    assert isinstance(secret.session, RealtimeSession)
    assert secret.session.model == "gpt-realtime"
    assert "ek_abc" not in repr(secret)


def test_create_client_secret_minimal_and_transcription() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json={"value": "ek_1", "expires_at": 1, "session": {"type": "transcription"}}
        )

    recorder = Recorder(handler)
    secret = call(recorder, "create_client_secret")
    assert json.loads(recorder.requests[0].content) == {}
    assert isinstance(secret.session, TranscriptionSession)
    call(recorder, "create_client_secret", TranscriptionSession())
    assert json.loads(recorder.requests[1].content) == {"session": {"type": "transcription"}}


def test_create_client_secret_checks_its_inputs() -> None:
    recorder = Recorder(ok)
    with pytest.raises(UsageError, match="10-7200"):
        call(recorder, "create_client_secret", expires_after_seconds=5)
    bad = RealtimeSession(output_modalities=["audio", "text"])  # GA allows exactly one
    with pytest.raises(InvalidClientEvent, match=r"session\.output_modalities"):
        call(recorder, "create_client_secret", bad)
    assert recorder.requests == []


def test_create_client_secret_unexpected_body() -> None:
    recorder = Recorder(lambda _: httpx.Response(200, json={"nope": 1}))
    with pytest.raises(ProtocolError, match="unexpected client secret response"):
        call(recorder, "create_client_secret")


def test_create_call_raw_sdp() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            201, text="v=0\r\nanswer\r\n", headers={"Location": "/v1/realtime/calls/rtc_123"}
        )

    recorder = Recorder(handler)
    answer = call(recorder, "create_call", SDP)
    [request] = recorder.requests
    assert str(request.url) == f"{BASE}/realtime/calls"
    assert request.headers["content-type"] == "application/sdp"
    assert request.headers["accept"] == "application/sdp"
    assert request.content == SDP.encode()
    assert answer.call_id == "rtc_123"
    assert answer.sdp == "v=0\r\nanswer\r\n"


def test_create_call_multipart_with_session() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            201, text="answer", headers={"Location": "https://h/v1/realtime/calls/rtc_9/"}
        )

    recorder = Recorder(handler)
    answer = call(recorder, "create_call", SDP, SESSION)
    assert answer.call_id == "rtc_9"
    request = recorder.requests[0]
    content_type = request.headers["content-type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + request.content
    )
    parts = {
        part.get_param("name", header="content-disposition"): part for part in message.iter_parts()
    }
    assert list(parts) == ["sdp", "session"]
    assert parts["sdp"].get_content_type() == "application/sdp"
    assert parts["sdp"].get_payload(decode=True) == SDP.encode()
    assert parts["session"].get_content_type() == "application/json"
    payload = parts["session"].get_payload(decode=True)
    assert isinstance(payload, bytes)
    session = json.loads(payload)
    assert session["type"] == "realtime"
    assert session["instructions"] == "Be brief."


def test_create_call_without_location_is_a_protocol_error() -> None:
    recorder = Recorder(lambda _: httpx.Response(201, text="answer"))
    with pytest.raises(ProtocolError, match="Location"):
        call(recorder, "create_call", SDP)


@pytest.mark.parametrize(
    ("location", "call_id"),
    [
        ("/v1/realtime/calls/rtc_1", "rtc_1"),
        ("https://api.openai.com/v1/realtime/calls/rtc_2?x=1", "rtc_2"),
        ("rtc_3", "rtc_3"),
    ],
)
def test_call_id_from_location(location: str, call_id: str) -> None:
    assert call_id_from_location(location) == call_id


def test_call_control_bodies() -> None:
    recorder = Recorder(ok)

    async def main() -> None:
        async with recorder.client() as rest:
            await rest.accept_call("rtc_1", SESSION)
            await rest.reject_call("rtc_1")
            await rest.reject_call("rtc_1", status_code=486)
            await rest.refer_call("rtc_1", "tel:+14155550123")
            await rest.hangup_call("rtc/../x")

    run(main())
    paths = [request.url.raw_path.decode() for request in recorder.requests]
    assert paths == [
        "/v1/realtime/calls/rtc_1/accept",
        "/v1/realtime/calls/rtc_1/reject",
        "/v1/realtime/calls/rtc_1/reject",
        "/v1/realtime/calls/rtc_1/refer",
        "/v1/realtime/calls/rtc%2F..%2Fx/hangup",  # an id never escapes its path segment
    ]
    bodies = [request.content for request in recorder.requests]
    accept = json.loads(bodies[0])
    assert accept["type"] == "realtime"  # flattened, not wrapped in "session"
    assert accept["model"] == "gpt-realtime"
    assert "session" not in accept
    assert json.loads(bodies[1]) == {}
    assert json.loads(bodies[2]) == {"status_code": 486}
    assert json.loads(bodies[3]) == {"target_uri": "tel:+14155550123"}
    assert bodies[4] == b""
    assert all(r.method == "POST" for r in recorder.requests)


def test_retries_honour_retry_after_then_succeed() -> None:
    responses = iter(
        [
            httpx.Response(429, headers={"retry-after": "3"}, json={"error": {"message": "slow"}}),
            httpx.Response(503, headers={"retry-after": "Tue, 14 Nov 2023 22:13:22 GMT"}),
            httpx.Response(200),
        ]
    )
    recorder = Recorder(lambda _: next(responses))
    call(recorder, "hangup_call", "rtc_1")
    assert len(recorder.requests) == 3
    assert recorder.sleeps == [3.0, 2.0]


def test_backoff_when_no_retry_after_and_the_last_error_is_raised() -> None:
    recorder = Recorder(
        lambda _: httpx.Response(
            500,
            headers={"x-request-id": "req_42"},
            json={"error": {"type": "server_error", "code": None, "message": "oops"}},
        )
    )
    with pytest.raises(APIError) as caught:
        call(recorder, "hangup_call", "rtc_1")
    assert len(recorder.requests) == 3  # 1 + max_retries (2)
    assert recorder.sleeps == [0.5, 1.0]
    error = caught.value
    assert error.status_code == 500
    assert error.error_type == "server_error"
    assert error.error_code is None
    assert error.request_id == "req_42"
    assert str(error) == (
        "POST /realtime/calls/rtc_1/hangup failed: HTTP 500 Internal Server Error server_error: "
        "oops (request id req_42)"
    )


def test_retry_after_is_capped() -> None:
    responses = iter([httpx.Response(429, headers={"retry-after": "3600"}), httpx.Response(200)])
    recorder = Recorder(lambda _: next(responses))

    async def main() -> None:
        async with recorder.client(retry=RetryPolicy(max_retry_after=20.0)) as rest:
            await rest.hangup_call("rtc_1")

    run(main())
    assert recorder.sleeps == [20.0]


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_no_retry_on_client_errors(status: int) -> None:
    body = {
        "error": {
            "type": "invalid_request_error",
            "code": "invalid_api_key",
            "message": f"Incorrect API key provided: {API_KEY}.\nSee docs.",
            "param": None,
        }
    }
    recorder = Recorder(
        lambda _: httpx.Response(status, json=body, headers={"x-request-id": "req_1"})
    )
    with pytest.raises(APIError) as caught:
        call(recorder, "reject_call", "rtc_1")
    assert len(recorder.requests) == 1
    assert recorder.sleeps == []
    error = caught.value
    assert error.status_code == status
    assert error.error_type == "invalid_request_error"
    assert error.error_code == "invalid_api_key"
    assert error.request_id == "req_1"
    assert API_KEY not in str(error)
    assert API_KEY not in (error.error_message or "")
    assert "\n" not in str(error)
    assert "invalid_request_error.invalid_api_key: Incorrect API key provided: ***." in str(error)


def test_non_json_error_body() -> None:
    recorder = Recorder(lambda _: httpx.Response(502, text="<html>Bad gateway</html>"))
    with pytest.raises(APIError, match=r"HTTP 502 Bad Gateway: <html>Bad gateway</html>$"):

        async def main() -> None:
            async with recorder.client(retry=RetryPolicy(max_retries=0)) as rest:
                await rest.hangup_call("rtc_1")

        run(main())


def test_connection_errors_are_retried_then_typed() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    recorder = Recorder(refuse)
    with pytest.raises(ConnectionFailed) as caught:
        call(recorder, "hangup_call", "rtc_1")
    assert len(recorder.requests) == 3
    assert str(caught.value) == (
        "cannot reach http://127.0.0.1:1/v1/realtime/calls/rtc_1/hangup: connection refused"
    )


def test_timeouts_are_retried_then_typed() -> None:
    attempts = iter([True, False])

    def flaky(request: httpx.Request) -> httpx.Response:
        if next(attempts):
            raise httpx.ReadTimeout("read timed out", request=request)
        return httpx.Response(200)

    recorder = Recorder(flaky)
    call(recorder, "hangup_call", "rtc_1")
    assert len(recorder.requests) == 2

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    with pytest.raises(ConnectionTimeout):
        call(Recorder(slow), "hangup_call", "rtc_1")


def test_key_is_not_in_repr_and_bad_inputs() -> None:
    rest = RestClient(api_key=API_KEY, base_url=BASE)
    assert API_KEY not in repr(rest)
    run(rest.aclose())
    with pytest.raises(UsageError):
        RestClient(api_key="")
    with pytest.raises(UsageError):
        RestClient(api_key=API_KEY, base_url="ws://127.0.0.1/v1")
    with pytest.raises(UsageError):
        call(Recorder(ok), "hangup_call", "")


def test_refused_over_a_real_socket() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    async def no_sleep(_: float) -> None:
        return None

    async def main() -> None:
        async with RestClient(
            api_key=API_KEY, base_url=f"http://127.0.0.1:{port}/v1", sleep=no_sleep
        ) as rest:
            await rest.hangup_call("rtc_1")

    with pytest.raises(ConnectionFailed, match=r"connection refused$"):
        run(main())
