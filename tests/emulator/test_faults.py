"""The emulator's fault modes, seen from plain clients (and the sans-I/O machine for timing)."""

from __future__ import annotations

import asyncio
import itertools
import json
import time

import pytest
from websockets.client import ClientProtocol
from websockets.exceptions import ConnectionClosed
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri

from realtime_cli.emulator import Emulator, SessionMachine
from realtime_cli.emulator.faults import (
    MALFORMED_FRAMES,
    FaultSettings,
    check_faults,
    session_expired_close,
)
from realtime_cli.emulator.session_config import default_session
from realtime_cli.errors import UsageError
from realtime_cli.protocol import (
    ConversationItemCreate,
    Error,
    MessageItem,
    ResponseCreate,
    ResponseCreateParams,
    ResponseOutputTextDelta,
    SessionCreated,
    decode_server_event,
    encode_client_event,
)
from tests.emulator.support import FAST, Client, arun, connect

REPLY = "one two three four five six seven eight nine ten"


async def ask(client: Client, text: str = "hi") -> None:
    await client.send(ConversationItemCreate(item=MessageItem.user_text(text)))
    await client.send(ResponseCreate(response=ResponseCreateParams(output_modalities=["text"])))


def machine(lifetime: float | None = None) -> SessionMachine:
    session = default_session("realtime", session_id="sess_1", expires_at=0)
    return SessionMachine(session, speed=10.0, lifetime=lifetime)


def ask_machine(m: SessionMachine, now: float) -> None:
    item = MessageItem.user_text("hi")
    m.receive(encode_client_event(ConversationItemCreate(item=item)).decode(), now)
    response = ResponseCreateParams(output_modalities=["text"])
    m.receive(encode_client_event(ResponseCreate(response=response)).decode(), now)


def test_unknown_fault_names_are_refused() -> None:
    with pytest.raises(UsageError, match="unknown fault drop-everything"):
        Emulator(faults={"drop-everything"})
    assert check_faults(["malformed", "expire"]) == {"malformed", "expire"}
    with pytest.raises(UsageError):
        FaultSettings(drop_after=0)


def test_malformed_frames_sit_between_valid_deltas() -> None:
    async def main() -> None:
        async with Emulator(speed=FAST, faults={"malformed"}) as emu:
            emu.queue_reply(REPLY)
            async with connect(emu) as client:
                await ask(client)
                frames: list[str | bytes] = []
                while True:
                    frame = await asyncio.wait_for(client.ws.recv(), 5)
                    frames.append(frame)
                    if isinstance(frame, str) and '"type":"response.done"' in frame:
                        break
            first = next(i for i, f in enumerate(frames) if "output_text.delta" in str(f))
            assert tuple(frames[first + 1 : first + 1 + len(MALFORMED_FRAMES)]) == MALFORMED_FRAMES
            assert isinstance(frames[first + len(MALFORMED_FRAMES)], bytes)
            valid = [decode_server_event(f) for f in frames if f not in MALFORMED_FRAMES]
            deltas = [e.delta for e in valid if isinstance(e, ResponseOutputTextDelta)]
            assert "".join(deltas) == REPLY
            assert emu.connections[0].faults == ["malformed"]

    arun(main())


@pytest.mark.parametrize("drop_after", [2, 100])
def test_drop_1011_closes_mid_response(drop_after: int) -> None:
    async def main() -> None:
        settings = FaultSettings(drop_after=drop_after)
        async with Emulator(speed=FAST, faults={"drop-1011"}, fault_settings=settings) as emu:
            emu.queue_reply(REPLY)
            async with connect(emu) as client:
                await ask(client)
                deltas = 0
                with pytest.raises(ConnectionClosed) as caught:
                    while True:
                        event = await client.recv()
                        assert event.type != "response.done"
                        deltas += isinstance(event, ResponseOutputTextDelta)
                assert caught.value.rcvd is not None and caught.value.rcvd.code == 1011
        # Never more than asked for; a short answer is cut before its last event.
        assert deltas == min(drop_after, len(REPLY.split()))
        assert emu.connections[0].faults == ["drop-1011"]
        assert emu.connections[0].close_code == 1011

    arun(main())


def test_drop_reset_sends_a_tcp_reset() -> None:
    """A raw client (websockets' sans-I/O protocol over a plain stream) sees ECONNRESET, not
    an orderly FIN or a close frame."""

    async def main() -> None:
        async with Emulator(speed=FAST, faults={"drop-reset"}) as emu:
            emu.queue_reply(REPLY)
            protocol = ClientProtocol(parse_uri(emu.ws_url + "?model=gpt-realtime"))
            request = protocol.connect()
            request.headers["Authorization"] = "Bearer sk-test"
            protocol.send_request(request)
            reader, writer = await asyncio.open_connection(emu.host, emu.port)
            try:
                writer.writelines(protocol.data_to_send())
                frames: list[Frame] = []
                with pytest.raises(ConnectionResetError):
                    while True:
                        data = await asyncio.wait_for(reader.read(65536), 5)
                        assert data, "the connection ended with a FIN, not a reset"
                        protocol.receive_data(data)
                        for event in protocol.events_received():
                            if isinstance(event, Response):
                                assert event.status_code == 101
                                for message in (
                                    ConversationItemCreate(item=MessageItem.user_text("hi")),
                                    ResponseCreate(
                                        response=ResponseCreateParams(output_modalities=["text"])
                                    ),
                                ):
                                    protocol.send_text(encode_client_event(message))
                                writer.writelines(protocol.data_to_send())
                            elif isinstance(event, Frame):
                                frames.append(event)
                assert not any(f.opcode is Opcode.CLOSE for f in frames)
                assert sum(b"output_text.delta" in f.data for f in frames) == 3
            finally:
                writer.close()
        assert emu.connections[0].faults == ["drop-reset"]
        assert emu.connections[0].close_code is None

    arun(main())


def test_stop_reading_backs_up_the_client() -> None:
    async def main() -> None:
        async with Emulator(speed=FAST, faults={"stop-reading"}) as emu, connect(emu) as client:
            chunk = json.dumps({"type": "input_audio_buffer.append", "audio": "A" * 2**20})
            sent = 0
            with pytest.raises(TimeoutError):
                while sent < 256:
                    await asyncio.wait_for(client.ws.send(chunk), 1.0)
                    sent += 1
            # The socket buffers hold a few MiB at most: the sends backed up long before.
            assert sent < 256
            assert emu.connections[0].faults == ["stop-reading"]
            assert emu.connections[0].received == []
            assert emu.connections[0].close_code is None  # still open
            # A polite close would wait for the silent server's close frame.
            client.ws.transport.abort()

    arun(main(), timeout=30)


def test_no_handshake_accepts_and_stays_silent_until_switched_off() -> None:
    async def main() -> None:
        async with Emulator(speed=FAST, faults={"no-handshake"}) as emu:
            reader, writer = await asyncio.open_connection(emu.host, emu.port)
            writer.write(b"POST /v1/realtime/client_secrets HTTP/1.1\r\nHost: x\r\n\r\n")
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(reader.read(1), 0.3)
            writer.close()
            assert emu.received == []
            # Switched off at run time: the next connection is served.
            emu.faults.discard("no-handshake")
            async with connect(emu, skip_created=False) as client:
                assert isinstance(await client.recv(), SessionCreated)

    arun(main())


def test_expire_sets_expires_at_and_closes_with_an_error() -> None:
    async def main() -> None:
        settings = FaultSettings(expire_after=0.5)
        async with (
            Emulator(speed=FAST, faults={"expire"}, fault_settings=settings) as emu,
            connect(emu, skip_created=False) as client,
        ):
            created = await client.recv()
            assert isinstance(created, SessionCreated)
            expires_at = created.session.expires_at
            assert isinstance(expires_at, int) and 0 < expires_at - time.time() <= 2
            error = await client.recv(timeout=3)
            assert isinstance(error, Error)
            assert error.error.code == "session_expired"
            assert error.error.type == "invalid_request_error"
            with pytest.raises(ConnectionClosed) as caught:
                await client.recv()
            assert caught.value.rcvd is not None
            rcvd = (caught.value.rcvd.code, caught.value.rcvd.reason)
            assert rcvd == session_expired_close(0.5)
            assert rcvd[0] == 1001 and rcvd[1].startswith("Your session hit the maximum")

    arun(main())


def test_machine_expires_after_its_lifetime() -> None:
    m = machine(lifetime=5.0)
    assert [e.type for e in m.start(0.0)] == ["session.created"]
    assert m.next_deadline() == 5.0
    assert m.advance(4.9) == []
    events = m.advance(5.0)
    assert [e.type for e in events] == ["error"]
    assert isinstance(events[0], Error) and events[0].error.code == "session_expired"
    assert m.close_request == session_expired_close(5.0)
    assert m.next_deadline() is None
    # The session is over: frames are ignored.
    assert m.receive(json.dumps({"type": "response.create"}), 6.0) == []


def test_machine_spaces_deltas_by_the_pause() -> None:
    m = machine()
    m.start(0.0)
    m.delta_pause = 2.0
    ask_machine(m, 0.0)
    times: list[float] = []
    now = 0.0
    while (deadline := m.next_deadline()) is not None and now < 100:
        now = deadline
        for event in m.advance(now):
            if isinstance(event, ResponseOutputTextDelta):
                times.append(now)
    assert len(times) >= 3
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert all(gap == pytest.approx(2.0) for gap in gaps)
    assert times[0] < 1.0  # the first delta is not held back


def test_slow_response_is_slow_on_the_wire() -> None:
    async def main() -> list[float]:
        settings = FaultSettings(slow_pause=0.3)
        async with Emulator(speed=FAST, faults={"slow-response"}, fault_settings=settings) as emu:
            emu.queue_reply("one two three")
            async with connect(emu) as client:
                await ask(client)
                loop = asyncio.get_running_loop()
                times: list[float] = []
                while True:
                    event = await client.recv()
                    if isinstance(event, ResponseOutputTextDelta):
                        times.append(loop.time())
                    if event.type == "response.done":
                        return times

    times = arun(main())
    assert len(times) == 3
    assert all(b - a >= 0.25 for a, b in itertools.pairwise(times))
