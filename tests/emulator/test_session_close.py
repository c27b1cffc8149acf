"""`session.close`: accepted, as by the service (PROTOCOL.md section 11), and it ends the
session; the emulator's harsher guess at the undocumented rest: close 1000 at once, no
acknowledging event, the response in flight dropped without `response.done`."""

from __future__ import annotations

import json

import pytest
from websockets.exceptions import ConnectionClosed

from realtime_cli.emulator import Emulator
from realtime_cli.emulator.frames import decode_frame
from realtime_cli.emulator.ids import IdFactory
from realtime_cli.emulator.session import SessionMachine
from realtime_cli.emulator.session_config import default_session
from realtime_cli.protocol import ConversationItemCreate, Error, MessageItem, ResponseCreate
from tests.emulator.support import arun, connect


def test_session_close_mid_response_closes_1000_without_response_done() -> None:
    async def body() -> None:
        # Real-time pacing: the answer is still streaming when the close arrives.
        async with Emulator(speed=1.0) as emu, connect(emu) as client:
            await client.send(ConversationItemCreate(item=MessageItem.user_text("Tell me more.")))
            await client.send(ResponseCreate())
            await client.recv_until("response.output_audio.delta")
            await client.send({"type": "session.close", "event_id": "evt_close"})
            after: list[str] = []
            with pytest.raises(ConnectionClosed):
                while True:
                    after.append((await client.recv(timeout=3.0)).type)
            assert "response.done" not in after and "error" not in after
            assert client.ws.close_code == 1000
            assert client.ws.close_reason == ""

    arun(body())


def test_session_close_is_accepted_and_stops_the_machine() -> None:
    session = default_session("realtime", session_id="sess_x", expires_at=100, model="gpt-realtime")
    m = SessionMachine(session, ids=IdFactory(), speed=10.0)
    m.receive(json.dumps({"type": "response.create"}), 0.0)
    assert m.active_response_ids and m.next_deadline() is not None
    assert m.receive('{"type": "session.close"}', 0.0) == []
    assert m.close_request == (1000, "")
    assert m.active_response_ids == [] and m.next_deadline() is None
    # Frames after the close are not answered.
    assert m.receive('{"type": "response.create"}', 0.1) == []


def test_session_close_with_an_unknown_field_is_refused_and_keeps_the_session() -> None:
    incoming = decode_frame('{"type": "session.close", "event_id": "e1", "reason": "bye"}')
    assert incoming.error is not None and incoming.error.code == "unknown_parameter"
    assert incoming.error.param == "reason" and incoming.event_id == "e1"
    session = default_session("realtime", session_id="sess_x", expires_at=100, model="gpt-realtime")
    m = SessionMachine(session, ids=IdFactory(), speed=10.0)
    (error,) = m.handle(incoming, 0.0)
    assert isinstance(error, Error) and m.close_request is None
