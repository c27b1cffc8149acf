"""The websocket client against a tiny in-test server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import socket
from http import HTTPStatus
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection
from websockets.http11 import Request, Response

from realtime_cli import __version__
from realtime_cli.errors import UsageError
from realtime_cli.protocol import (
    MAX_APPEND_BYTES,
    ConversationItemTruncate,
    Error,
    InputAudioBufferAppend,
    InvalidClientEvent,
    OutputAudioBufferClear,
    ResponseCreate,
    ResponseOutputAudioDelta,
    ResponseOutputTextDelta,
    SessionCreated,
    UnknownServerEvent,
)
from realtime_cli.transport import (
    AuthenticationError,
    ConnectionClosed,
    ConnectionFailed,
    ConnectionTimeout,
    ConnectOptions,
    EventLog,
    HandshakeRejected,
    ModelError,
    RealtimeConnection,
)

from .helpers import API_KEY, error_frame, frame, run, session_created, ws_server


def options(base_url: str, **kwargs: Any) -> ConnectOptions:
    return ConnectOptions(api_key=API_KEY, model="gpt-realtime", base_url=base_url, **kwargs)


def text_delta(delta: str) -> str:
    return frame(
        {
            "type": "response.output_text.delta",
            "event_id": "e",
            "response_id": "r",
            "item_id": "i",
            "output_index": 0,
            "content_index": 0,
            "delta": delta,
        }
    )


async def hold_open(ws: ServerConnection) -> None:
    await ws.wait_closed()


def test_handshake_url_headers_and_first_event() -> None:
    seen: dict[str, Any] = {}

    async def handler(ws: ServerConnection) -> None:
        assert ws.request is not None
        seen["path"] = ws.request.path
        seen["headers"] = ws.request.headers
        await ws.send(session_created())
        await hold_open(ws)

    async def main() -> None:
        async with ws_server(handler) as base, RealtimeConnection.connect(options(base)) as conn:
            assert isinstance(conn.session_created, SessionCreated)
            first = await conn.recv()
            assert first is conn.session_created  # still delivered to the consumer
            assert API_KEY not in repr(conn)
            assert conn.url == base.replace("http", "ws") + "/realtime"

    run(main())
    headers = seen["headers"]
    assert seen["path"] == "/v1/realtime?model=gpt-realtime"
    assert headers["Authorization"] == f"Bearer {API_KEY}"
    assert headers["User-Agent"] == f"rt/{__version__}"
    assert "OpenAI-Beta" not in headers
    assert "Sec-WebSocket-Extensions" not in headers  # compression=None


def test_bad_key_error_then_close_3000_raises_from_connect() -> None:
    async def handler(ws: ServerConnection) -> None:
        await ws.send(error_frame("invalid_api_key", f"Incorrect API key provided: {API_KEY}."))
        await ws.close(3000, "invalid_request_error.invalid_api_key")

    async def main() -> None:
        async with ws_server(handler) as base:
            with pytest.raises(AuthenticationError) as caught:
                await RealtimeConnection.connect(options(base))
            error = caught.value
            assert str(error) == (
                "invalid API key (server closed 3000 invalid_request_error.invalid_api_key)"
            )
            assert error.close_code == 3000
            assert error.error is not None
            assert error.error.code == "invalid_api_key"
            assert API_KEY not in repr(error.error)

    run(main())


def test_no_key_at_the_service_is_not_called_an_invalid_key() -> None:
    """A proxy that drops the Authorization header: the service's `code: null` refusal."""

    async def handler(ws: ServerConnection) -> None:
        await ws.send(error_frame(None, "Missing bearer or basic authentication in header."))
        await ws.close(3000, "invalid_request_error")

    async def main() -> None:
        async with ws_server(handler) as base:
            with pytest.raises(AuthenticationError) as caught:
                await RealtimeConnection.connect(options(base))
            assert str(caught.value) == (
                "no API key was sent: the service saw no Authorization header"
                " (server closed 3000 invalid_request_error)"
            )

    run(main())


def test_bad_model_close_4000_is_a_model_error() -> None:
    async def handler(ws: ServerConnection) -> None:
        await ws.send(error_frame("invalid_model", "The model 'nope' does not exist."))
        await ws.close(4000, "invalid_request_error.invalid_model")

    async def main() -> None:
        async with ws_server(handler) as base:
            with pytest.raises(ModelError, match=r"^unknown model 'nope' \(server closed 4000"):
                await RealtimeConnection.connect(
                    ConnectOptions(api_key=API_KEY, model="nope", base_url=base)
                )

    run(main())


@pytest.mark.parametrize(
    ("status", "expected"), [(401, AuthenticationError), (404, HandshakeRejected)]
)
def test_http_rejection_at_the_handshake(status: int, expected: type[Exception]) -> None:
    def process_request(ws: ServerConnection, request: Request) -> Response:
        return ws.respond(HTTPStatus(status), '{"error": {"message": "nope"}}')

    async def main() -> None:
        async with ws_server(hold_open, process_request=process_request) as base:
            with pytest.raises(expected, match=f"HTTP {status}") as caught:
                await RealtimeConnection.connect(options(base))
            assert "\n" not in str(caught.value)

    run(main())


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_connection_refused() -> None:
    port = closed_port()

    async def main() -> None:
        with pytest.raises(ConnectionFailed) as caught:
            await RealtimeConnection.connect(options(f"http://127.0.0.1:{port}/v1"))
        assert str(caught.value) == (
            f"cannot reach ws://127.0.0.1:{port}/v1/realtime: connection refused"
        )

    run(main())


def test_handshake_timeout() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # accept TCP, never answer the upgrade
        writer.close()

    async def main() -> None:
        server = await asyncio.start_server(silent, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            with pytest.raises(ConnectionTimeout, match=r"timed out after 0\.05 s"):
                await RealtimeConnection.connect(
                    options(f"http://127.0.0.1:{port}/v1", open_timeout=0.05)
                )

    run(main())


def test_no_first_event_times_out() -> None:
    async def main() -> None:
        async with ws_server(hold_open) as base:
            with pytest.raises(ConnectionTimeout, match="no event from"):
                await RealtimeConnection.connect(options(base, open_timeout=0.05))

    run(main())


def test_malformed_frames_are_skipped_and_counted() -> None:
    async def handler(ws: ServerConnection) -> None:
        await ws.send(session_created())
        await ws.send("not json at all")
        await ws.send(frame({"type": "response.output_text.delta"}))  # known type, bad shape
        await ws.send(frame({"type": "response.brand_new", "x": 1}))
        await ws.send(text_delta("hello"))
        await hold_open(ws)

    async def main() -> None:
        async with ws_server(handler) as base, RealtimeConnection.connect(options(base)) as conn:
            assert isinstance(await conn.recv(), SessionCreated)
            unknown = await conn.recv()
            assert isinstance(unknown, UnknownServerEvent)
            assert unknown.type == "response.brand_new"
            delta = await conn.recv()
            assert isinstance(delta, ResponseOutputTextDelta)
            assert delta.delta == "hello"
            assert conn.malformed_frames == 2

    run(main())


def test_big_frames_both_ways() -> None:
    audio = b"\x01\x02" * (MAX_APPEND_BYTES // 2)  # exactly 15 MiB, 20 MiB as base64
    got: dict[str, Any] = {}

    async def handler(ws: ServerConnection) -> None:
        await ws.send(session_created())
        message = await ws.recv()
        got["text"] = isinstance(message, str)
        got["size"] = len(message)
        await ws.send(
            frame(
                {
                    "type": "response.output_audio.delta",
                    "event_id": "e",
                    "response_id": "r",
                    "item_id": "i",
                    "output_index": 0,
                    "content_index": 0,
                    "delta": json.loads(message)["audio"],
                }
            )
        )
        await hold_open(ws)

    async def main() -> None:
        async with ws_server(handler) as base, RealtimeConnection.connect(options(base)) as conn:
            await conn.recv()
            await conn.send(InputAudioBufferAppend(audio=audio))
            delta = await conn.recv()
            assert isinstance(delta, ResponseOutputAudioDelta)
            assert delta.delta == audio

    run(main(), timeout=30)
    assert got["text"] is True  # a text frame, the only kind the service accepts
    assert got["size"] > 20 * 1024 * 1024


def test_error_correlation_and_the_session_goes_on() -> None:
    async def handler(ws: ServerConnection) -> None:
        await ws.send(session_created())
        async for message in ws:
            event = json.loads(message)
            if event["type"] == "conversation.item.truncate":
                await ws.send(error_frame("invalid_value", "no such item", event["event_id"]))
            else:
                await ws.send(text_delta(event["event_id"]))

    async def main() -> None:
        async with ws_server(handler) as base, RealtimeConnection.connect(options(base)) as conn:
            await conn.recv()
            truncate = ConversationItemTruncate(item_id="item_x", content_index=0, audio_end_ms=5)
            truncate_id = await conn.send(truncate)
            assert truncate_id == "evt_1"
            error = await conn.recv()
            assert isinstance(error, Error)
            assert error.error.event_id == truncate_id
            cause = conn.cause_of(error)
            assert isinstance(cause, ConversationItemTruncate)
            assert cause.item_id == "item_x"
            assert conn.sent_event(truncate_id) is cause
            # Non-fatal: the session keeps working, and a caller's own id is used as is.
            assert await conn.send(ResponseCreate(event_id="mine")) == "mine"
            echo = await conn.recv()
            assert isinstance(echo, ResponseOutputTextDelta)
            assert echo.delta == "mine"

    run(main())


def test_fatal_looking_error_without_a_close_is_delivered() -> None:
    async def handler(ws: ServerConnection) -> None:
        await ws.send(session_created())
        await ws.send(error_frame("invalid_model", "odd"))
        await hold_open(ws)

    async def main() -> None:
        async with ws_server(handler) as base:
            conn = await RealtimeConnection.connect(options(base), fatal_grace=0.02)
            await conn.recv()
            error = await conn.recv()
            assert isinstance(error, Error)
            assert error.error.code == "invalid_model"
            await conn.close()

    run(main())


def test_fatal_looking_error_then_another_event_keeps_both() -> None:
    async def handler(ws: ServerConnection) -> None:
        await ws.send(session_created())
        await ws.send(error_frame("invalid_model", "odd"))
        await ws.send(text_delta("after"))
        await hold_open(ws)

    async def main() -> None:
        async with ws_server(handler) as base, RealtimeConnection.connect(options(base)) as conn:
            await conn.recv()
            assert isinstance(await conn.recv(), Error)
            after = await conn.recv()
            assert isinstance(after, ResponseOutputTextDelta)

    run(main())


def test_server_close_mid_session_raises_and_client_close_ends_iteration() -> None:
    async def handler(ws: ServerConnection) -> None:
        await ws.send(session_created())
        await ws.send(text_delta("a"))
        await ws.close(1011, "internal error")

    async def main() -> None:
        async with ws_server(handler) as base, RealtimeConnection.connect(options(base)) as conn:
            received = []
            with pytest.raises(ConnectionClosed) as caught:
                async for event in conn:
                    received.append(event.type)
            assert received == ["session.created", "response.output_text.delta"]
            assert caught.value.close_code == 1011
            assert str(caught.value) == (
                "server closed the connection (1011 internal error, server error)"
            )
            with pytest.raises(ConnectionClosed):
                await conn.send(ResponseCreate())

    run(main())


def test_client_close_ends_iteration_quietly() -> None:
    async def handler(ws: ServerConnection) -> None:
        await ws.send(session_created())
        await hold_open(ws)

    async def main() -> None:
        async with ws_server(handler) as base:
            conn = await RealtimeConnection.connect(options(base))
            received = []

            async def consume() -> None:
                async for event in conn:
                    received.append(event)

            task = asyncio.create_task(consume())
            await asyncio.sleep(0.01)
            await conn.close()
            await task
            assert len(received) == 1
            assert conn.closed
            with pytest.raises(ConnectionClosed, match="closed by the client"):
                await conn.recv()

    run(main())


def test_invalid_events_are_refused_before_sending() -> None:
    received: list[str] = []

    async def handler(ws: ServerConnection) -> None:
        await ws.send(session_created())
        async for message in ws:
            received.append(str(message))

    async def main() -> None:
        async with ws_server(handler) as base, RealtimeConnection.connect(options(base)) as conn:
            with pytest.raises(InvalidClientEvent):
                # Refused by the service too (integer_below_min_value, reported).
                await conn.send(
                    ConversationItemTruncate(item_id="i", content_index=0, audio_end_ms=-1)
                )
            with pytest.raises(UsageError, match="WebRTC/SIP"):
                await conn.send(OutputAudioBufferClear())
        # Allowed on a sideband connection to a call.
        async with ws_server(handler) as base:
            sideband = ConnectOptions(api_key=API_KEY, call_id="rtc_1", base_url=base)
            async with RealtimeConnection.connect(sideband) as conn:
                await conn.send(OutputAudioBufferClear())
                await asyncio.sleep(0.01)

    run(main())
    assert [json.loads(m)["type"] for m in received] == ["output_audio_buffer.clear"]


def test_event_log_records_both_directions_without_the_key() -> None:
    async def handler(ws: ServerConnection) -> None:
        await ws.send(session_created())
        await ws.recv()
        await ws.send(error_frame("invalid_value", f"echo {API_KEY}", "evt_1"))
        await hold_open(ws)

    stream = io.StringIO()

    async def main() -> None:
        log = EventLog(stream)
        async with (
            ws_server(handler) as base,
            RealtimeConnection.connect(options(base), event_log=log) as conn,
        ):
            await conn.send(InputAudioBufferAppend(audio=b"\x00\x00" * 10))
            await conn.recv()
            await conn.recv()

    run(main())
    entries = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(e["dir"], e["event"]["type"]) for e in entries] == [
        ("recv", "session.created"),
        ("send", "input_audio_buffer.append"),
        ("recv", "error"),
    ]
    assert entries[1]["event"]["audio"] == 20
    assert API_KEY not in stream.getvalue()


def test_websockets_debug_log_never_shows_the_key(caplog: pytest.LogCaptureFixture) -> None:
    async def handler(ws: ServerConnection) -> None:
        await ws.send(session_created())
        await hold_open(ws)

    async def main() -> None:
        async with ws_server(handler) as base, RealtimeConnection.connect(options(base)):
            pass

    with caplog.at_level(logging.DEBUG, logger="realtime_cli.transport"):
        run(main())
    assert "Authorization: Bearer ***" in caplog.text
    assert API_KEY not in caplog.text


def test_without_waiting_the_refusal_surfaces_from_recv() -> None:
    async def handler(ws: ServerConnection) -> None:
        await ws.send(error_frame("invalid_api_key", "Incorrect API key provided"))
        await ws.close(3000, "invalid_request_error.invalid_api_key")

    async def main() -> None:
        async with ws_server(handler) as base:
            conn = await RealtimeConnection.connect(options(base), wait_for_session=False)
            assert conn.session_created is None
            with pytest.raises(AuthenticationError, match="server closed 3000"):
                async for _ in conn:
                    pass

    run(main())
