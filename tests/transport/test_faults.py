"""The transport against the emulator's fault modes, in process on 127.0.0.1.

Each test also checks that nothing is left behind: no task once the connection and the
emulator are closed, no thread once the loop is gone.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable

import pytest

from realtime_cli.emulator import Emulator, RestRequest
from realtime_cli.emulator.faults import FaultSettings
from realtime_cli.protocol import (
    ConversationItemCreate,
    InputAudioBufferAppend,
    MessageItem,
    ResponseCreate,
    ResponseCreateParams,
    ResponseDone,
    ResponseOutputTextDelta,
    UnknownServerEvent,
)
from realtime_cli.transport import (
    ConnectionClosed,
    ConnectionTimeout,
    ConnectOptions,
    RealtimeConnection,
    RestClient,
    RetryPolicy,
    SessionExpired,
)

from .helpers import API_KEY, run

REPLY = "one two three four five six seven eight nine ten"

Body = Callable[[Emulator, ConnectOptions], Awaitable[None]]


def with_faults(
    faults: set[str], body: Body, settings: FaultSettings | None = None, timeout: float = 10.0
) -> None:
    """Run `body` against an emulator with `faults`, then check no task or thread is left."""
    threads = set(threading.enumerate())

    async def main() -> None:
        async with Emulator(speed=200.0, faults=faults, fault_settings=settings) as emu:
            emu.queue_reply(REPLY)
            options = ConnectOptions(
                api_key=API_KEY, model="gpt-realtime", base_url=emu.base_url, open_timeout=2.0
            )
            await body(emu, options)
        me = asyncio.current_task()
        # Cancelled tasks need a loop turn or two to finish; a live one would stay.
        for _ in range(100):
            others = [t for t in asyncio.all_tasks() if t is not me]
            if not others:
                break
            await asyncio.sleep(0.01)
        assert others == []

    run(main(), timeout)
    assert [t for t in threading.enumerate() if t not in threads] == []


async def ask(conn: RealtimeConnection) -> None:
    await conn.send(ConversationItemCreate(item=MessageItem.user_text("hi")))
    await conn.send(ResponseCreate(response=ResponseCreateParams(output_modalities=["text"])))


def test_malformed_frames_are_skipped_and_the_answer_completes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="realtime_cli.transport")

    async def body(emu: Emulator, options: ConnectOptions) -> None:
        async with RealtimeConnection.connect(options) as conn:
            await ask(conn)
            text, unknown = "", []
            async for event in conn:
                if isinstance(event, ResponseOutputTextDelta):
                    text += event.delta
                elif isinstance(event, UnknownServerEvent):
                    unknown.append(event.type)
                elif isinstance(event, ResponseDone):
                    break
            assert text == REPLY
            assert unknown == ["response.future_feature.delta"]
            # Not JSON, no type, a broken known event, a binary frame.
            assert conn.malformed_frames == 4

    with_faults({"malformed"}, body)
    records = [r for r in caplog.records if r.name == "realtime_cli.transport"]
    assert {r.levelno for r in records} == {logging.DEBUG}
    messages = " | ".join(r.getMessage() for r in records)
    assert "skipped a binary frame" in messages
    assert "frame is not a JSON object" in messages
    assert "no string 'type'" in messages


@pytest.mark.parametrize(
    ("fault", "code", "message"),
    [
        ("drop-1011", 1011, "server closed the connection (1011 server_error, server error)"),
        ("drop-reset", None, "connection lost (no close frame from the server)"),
    ],
)
def test_a_drop_mid_response_raises_after_the_first_deltas(
    fault: str, code: int | None, message: str
) -> None:
    async def body(emu: Emulator, options: ConnectOptions) -> None:
        async with RealtimeConnection.connect(options) as conn:
            await ask(conn)
            text = ""
            with pytest.raises(ConnectionClosed) as caught:
                async for event in conn:
                    assert not isinstance(event, ResponseDone)
                    if isinstance(event, ResponseOutputTextDelta):
                        text += event.delta
            assert text == "one two three "
            assert caught.value.close_code == code
            assert str(caught.value) == message
            assert not caught.value.by_client

    with_faults({fault}, body)


def test_a_peer_that_stops_reading_blocks_sends_until_aborted() -> None:
    async def body(emu: Emulator, options: ConnectOptions) -> None:
        conn = await RealtimeConnection.connect(options)
        append = InputAudioBufferAppend(audio=b"\0\1" * 2**19)  # 1 MiB of PCM
        sent = 0
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(1.0):
                while sent < 256:
                    await conn.send(append)
                    sent += 1
        assert sent < 256
        started = time.monotonic()
        await conn.abort()
        assert conn.closed
        assert time.monotonic() - started < 1.0

    with_faults({"stop-reading"}, body)


def test_no_handshake_times_out_for_websocket_and_rest() -> None:
    async def body(emu: Emulator, options: ConnectOptions) -> None:
        silent = ConnectOptions(
            api_key=API_KEY, model="gpt-realtime", base_url=emu.base_url, open_timeout=0.3
        )
        with pytest.raises(ConnectionTimeout, match=r"timed out after 0.3 s connecting to ws://"):
            await RealtimeConnection.connect(silent)
        async with RestClient(
            api_key=API_KEY, base_url=emu.base_url, timeout=0.3, retry=RetryPolicy(max_retries=0)
        ) as rest:
            with pytest.raises(ConnectionTimeout, match="timed out talking to"):
                await rest.create_client_secret()
        assert emu.received == []

    with_faults({"no-handshake"}, body)


def test_expiry_raises_session_expired() -> None:
    async def body(emu: Emulator, options: ConnectOptions) -> None:
        async with RealtimeConnection.connect(options) as conn:
            assert conn.session_created is not None
            expires_at = conn.session_created.session.expires_at
            assert isinstance(expires_at, int) and expires_at - time.time() <= 2
            with pytest.raises(SessionExpired) as caught:
                async for _ in conn:
                    pass
            error = caught.value.error
            assert error is not None and error.code == "session_expired"
            # The service closes with 1001 and its message as the reason (PROTOCOL.md s. 11).
            assert caught.value.close_code == 1001
            assert str(caught.value).startswith("the session expired (server closed 1001): Your")

    with_faults({"expire"}, body, FaultSettings(expire_after=0.5))


def test_rest_429_is_retried_after_retry_after() -> None:
    async def body(emu: Emulator, options: ConnectOptions) -> None:
        async with RestClient(api_key=API_KEY, base_url=emu.base_url) as rest:
            secret = await rest.create_client_secret()
        assert secret.value.startswith("ek_")
        requests = [r for r in emu.received if isinstance(r, RestRequest)]
        assert [r.status for r in requests] == [429, 200]
        # Retry-After: 1 was honoured (the emulator stamps each request's arrival).
        assert requests[1].at - requests[0].at >= 0.95
        assert emu.faults == set()  # one-shot

    with_faults({"rest-429"}, body)


def test_rest_500_is_retried_once() -> None:
    async def body(emu: Emulator, options: ConnectOptions) -> None:
        async with RestClient(api_key=API_KEY, base_url=emu.base_url) as rest:
            secret = await rest.create_client_secret()
        assert secret.value.startswith("ek_")
        requests = [r for r in emu.received if isinstance(r, RestRequest)]
        assert [r.status for r in requests] == [500, 200]
        assert emu.faults == set()

    with_faults({"rest-500"}, body)


def test_faults_switch_at_run_time() -> None:
    async def body(emu: Emulator, options: ConnectOptions) -> None:
        async with RealtimeConnection.connect(options) as conn:
            emu.faults.add("drop-1011")
            await ask(conn)
            with pytest.raises(ConnectionClosed, match="1011"):
                async for _ in conn:
                    pass
        emu.faults.clear()
        emu.queue_reply(REPLY)
        async with RealtimeConnection.connect(options) as conn:
            await ask(conn)
            async for event in conn:
                if isinstance(event, ResponseDone):
                    assert event.response.status == "completed"
                    break

    with_faults(set(), body)
