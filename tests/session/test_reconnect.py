"""A lost connection is re-opened, the settings re-applied and the conversation replayed."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from realtime_cli.emulator import Emulator
from realtime_cli.emulator.records import ClientFrame
from realtime_cli.protocol import ConversationItemCreate, MessageItem, SessionUpdate
from realtime_cli.session import Notice, ReconnectPolicy, VoiceSession
from realtime_cli.transport import TransportError
from tests.emulator.support import arun

FAST_RETRY = ReconnectPolicy(initial_delay_s=0.01, max_delay_s=0.05)


def _events_of(emu: Emulator, connection: int) -> list[Any]:
    return [
        r.event
        for r in emu.received
        if isinstance(r, ClientFrame) and r.connection == connection and r.event is not None
    ]


async def _drop_all(emu: Emulator) -> None:
    for socket in list(emu._sockets):
        await socket.close(1011, "dropped by the test")


def test_a_dropped_connection_is_restored_with_the_conversation() -> None:
    async def main() -> None:
        async with Emulator(speed=50) as emu:
            async with VoiceSession.connect(
                api_key="sk-reconnect", base_url=emu.base_url, vad="none", reconnect=FAST_RETRY
            ) as session:
                assert await session.ask("first question") == "You said: first question."
                await _drop_all(emu)
                notices: list[str] = []
                async for event in session.events():
                    if isinstance(event, Notice):
                        notices.append(event.text)
                        if event.text.startswith("reconnected"):
                            break
                assert notices[0].startswith("connection lost")
                assert "2 messages" in notices[-1]
                assert session.reconnects == 1
                assert await session.ask("second question") == "You said: second question."
            connections = sorted({r.connection for r in emu.received if isinstance(r, ClientFrame)})
            assert len(connections) == 2
            second = _events_of(emu, connections[1])
            assert isinstance(second[0], SessionUpdate)
            replayed = [
                (e.item.role, e.item.content[0].text)
                for e in second
                if isinstance(e, ConversationItemCreate) and isinstance(e.item, MessageItem)
            ]
            assert replayed[:2] == [
                ("user", "first question"),
                ("assistant", "You said: first question."),
            ]

    arun(main(), timeout=20)


def test_without_reconnect_a_drop_ends_the_session_with_the_error() -> None:
    async def main() -> None:
        async with (
            Emulator(speed=50) as emu,
            VoiceSession.connect(
                api_key="sk-reconnect",
                base_url=emu.base_url,
                vad="none",
                reconnect=ReconnectPolicy(enabled=False),
            ) as session,
        ):
            await _drop_all(emu)
            with pytest.raises(TransportError, match="1011"):
                async for _ in session.events():
                    pass
            assert isinstance(session.failure, TransportError)

    arun(main(), timeout=20)


def test_drops_in_the_middle_of_an_answer_and_of_the_users_speech() -> None:
    from realtime_cli.emulator.synth import silence, speak
    from realtime_cli.session import AudioDelta, SpeechStarted

    async def until(session: VoiceSession, kind: type) -> None:
        async for event in session.events():
            if isinstance(event, kind):
                return

    async def reconnected(session: VoiceSession) -> None:
        async for event in session.events():
            if isinstance(event, Notice) and event.details.get("reconnect") == "done":
                return

    async def main() -> None:
        async with Emulator(speed=2) as emu:
            emu.script.queue_reply("A long answer that takes a while to stream out. " * 5)
            async with VoiceSession.connect(
                api_key="sk-reconnect", base_url=emu.base_url, vad="server", reconnect=FAST_RETRY
            ) as session:
                await session.add_user_text("Tell me a story")
                await session.create_response()
                await until(session, AudioDelta)  # the answer is streaming
                await _drop_all(emu)
                await reconnected(session)
                # the user starts speaking, and the link drops mid-utterance
                speech = speak("Hello there, how are you doing today?").samples
                await session.send_pcm16(silence(300))
                await session.send_pcm16(speech[: len(speech) // 2])
                await until(session, SpeechStarted)
                await _drop_all(emu)
                await reconnected(session)
                assert session.reconnects == 2
                assert await session.ask("still there") == "You said: still there."
            connections = sorted({r.connection for r in emu.received if isinstance(r, ClientFrame)})
            assert len(connections) == 3
            for connection in connections[1:]:
                replayed = [
                    (e.item.role, e.item.content[0].text)
                    for e in _events_of(emu, connection)
                    if isinstance(e, ConversationItemCreate) and isinstance(e.item, MessageItem)
                ]
                assert replayed[0] == ("user", "Tell me a story")

    arun(main(), timeout=30)


def test_a_session_near_its_cap_is_rotated_to_a_new_one() -> None:
    from realtime_cli.emulator import FaultSettings

    async def main() -> None:
        async with (
            Emulator(
                speed=50, faults={"expire"}, fault_settings=FaultSettings(expire_after=1.5)
            ) as emu,
            VoiceSession.connect(
                api_key="sk-expire",
                base_url=emu.base_url,
                vad="none",
                # expires_at is whole seconds away: rotate as soon as it is within 10 s
                reconnect=ReconnectPolicy(
                    initial_delay_s=0.01, max_delay_s=0.05, rotate_before_expiry_s=10
                ),
            ) as session,
        ):
            assert await session.ask("before") == "You said: before."
            async for event in session.events():
                if isinstance(event, Notice) and event.details.get("reconnect") == "done":
                    break
            assert session.reconnects >= 1
            assert session.failure is None
            emu.faults.discard("expire")

    arun(main(), timeout=20)


class _DropTheFirstReconnect(list[Any]):
    """`Emulator.received` that drops every connection when the first reconnect's
    session.update arrives: the restore fails half way, as on a flapping network."""

    def __init__(self, emu: Emulator) -> None:
        super().__init__(emu.received)
        self._emu = emu
        self._first: int | None = None
        self.dropped = False

    def append(self, entry: Any) -> None:
        super().append(entry)
        if not isinstance(entry, ClientFrame) or not isinstance(entry.event, SessionUpdate):
            return
        if self._first is None:
            self._first = entry.connection
        elif entry.connection != self._first and not self.dropped:
            self.dropped = True
            asyncio.get_running_loop().create_task(_drop_all(self._emu))


def test_a_reconnect_lost_while_restoring_is_one_failed_attempt_not_the_end() -> None:
    async def main() -> None:
        async with Emulator(speed=50) as emu:
            received = emu.received = _DropTheFirstReconnect(emu)
            async with VoiceSession.connect(
                api_key="sk-reconnect", base_url=emu.base_url, vad="none", reconnect=FAST_RETRY
            ) as session:
                assert await session.ask("first question") == "You said: first question."
                await _drop_all(emu)
                async for event in session.events():
                    if isinstance(event, Notice) and event.text.startswith("reconnected"):
                        break
                assert received.dropped  # the first attempt was lost while restoring
                assert session.reconnects == 1
                assert await session.ask("second question") == "You said: second question."
            connections = {r.connection for r in emu.received if isinstance(r, ClientFrame)}
            assert len(connections) == 3

    arun(main(), timeout=20)
