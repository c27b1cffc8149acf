"""The voice session end to end: our library against the emulator over a real socket."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import numpy as np
import pytest

from realtime_cli.emulator import Emulator
from realtime_cli.emulator.records import ClientFrame
from realtime_cli.errors import RtError
from realtime_cli.protocol import (
    ConversationItemCreate,
    ConversationItemTruncate,
    FunctionCallOutputItem,
    ItemReference,
    ResponseCancel,
    ResponseCreate,
    ResponseCreateParams,
)
from realtime_cli.session import (
    AudioDelta,
    Interrupted,
    Notice,
    ResponseBuilder,
    ResponseDone,
    ToolCompleted,
    VoiceSession,
    tool,
)
from tests.emulator.support import arun

KEY = "sk-test-voice"


class FakeSpeaker:
    """A speaker whose listener has heard exactly what the test says."""

    def __init__(self) -> None:
        self.received: dict[str, int] = {}
        self.heard: dict[str, int] = {}
        self.flushes = 0
        self.ended: list[str] = []

    def play(self, pcm: Any, item_id: str, content_index: int = 0) -> None:
        self.received[item_id] = self.received.get(item_id, 0) + len(pcm)

    def end_item(self, item_id: str) -> None:
        self.ended.append(item_id)

    def flush(self) -> dict[str, int]:
        self.flushes += 1
        return dict(self.heard)

    def played_ms(self, item_id: str) -> int:
        return self.heard.get(item_id, 0)

    @property
    def underruns(self) -> int:
        return 0

    async def drain(self, timeout: float | None = None) -> None:
        return None

    async def close(self) -> None:
        return None


async def _until_responses_done(session: VoiceSession, count: int) -> list[Any]:
    seen: list[Any] = []
    async for event in session.events():
        seen.append(event)
        if sum(isinstance(e, ResponseDone) for e in seen) == count:
            break
    return seen


def _client_events(emu: Emulator) -> list[Any]:
    return [r.event for r in emu.received if isinstance(r, ClientFrame) and r.event is not None]


def test_say_gets_a_spoken_answer_with_usage_and_cost() -> None:
    async def main() -> None:
        async with Emulator(speed=50) as emu:
            emu.script.set_reply("Hello there", "Hi! Nice to meet you.")
            speaker = FakeSpeaker()
            async with VoiceSession.connect(
                api_key=KEY, base_url=emu.base_url, vad="none", speaker=speaker
            ) as session:
                handle = await session.say("Hello there")
                done = await handle.wait()
                assert done.status == "completed"
                assert handle.text == "Hi! Nice to meet you."
                assert done.usage is not None and done.cost.total > 0
                assert sum(speaker.received.values()) > 0
                assert speaker.ended  # playback told that the item's audio is complete
                chunks = []
                async for event in session.events():
                    if isinstance(event, AudioDelta):
                        chunks.append(event.pcm)
                    if isinstance(event, ResponseDone):
                        break
                assert sum(map(len, chunks)) == sum(speaker.received.values())

    arun(main())


def test_ask_returns_the_text_answer() -> None:
    async def main() -> None:
        async with Emulator(speed=50) as emu:
            emu.script.set_reply("What is 2+2?", "4")
            async with VoiceSession.connect(api_key=KEY, base_url=emu.base_url, vad="none") as s:
                assert await s.ask("What is 2+2?") == "4"
                builder = ResponseBuilder().output_text().input_text("Out of band?").out_of_band()
                emu.script.queue_reply("side answer")
                handle = await builder.send(s)
                await handle.wait()
                assert handle.text == "side answer"

    arun(main())


def test_tool_round_trip_and_a_failing_tool_both_get_a_follow_up() -> None:
    @tool
    def get_weather(city: str) -> dict[str, str]:
        """Weather for a city."""
        return {"city": city, "sky": "clear"}

    @tool
    def get_time() -> str:
        """Current time."""
        raise RuntimeError("no clock")

    async def main() -> None:
        async with Emulator(speed=50) as emu:
            emu.script.set_tool_arguments("get_weather", {"city": "Oslo"})
            async with VoiceSession.connect(
                api_key=KEY, base_url=emu.base_url, vad="none", tools=[get_weather, get_time]
            ) as session:
                await session.say("please call get_weather")
                first = await _until_responses_done(session, 2)  # the call, then the follow-up
                await session.say("now get_time please")
                second = await _until_responses_done(session, 2)
            outputs = [e for e in first + second if isinstance(e, ToolCompleted)]
            assert json.loads(outputs[0].output) == {"city": "Oslo", "sky": "clear"}
            assert "no clock" in json.loads(outputs[1].output)["error"]
            statuses = [e.status for e in first + second if isinstance(e, ResponseDone)]
            assert statuses == ["completed"] * 4
            sent = [
                e.item
                for e in _client_events(emu)
                if isinstance(e, ConversationItemCreate)
                and isinstance(e.item, FunctionCallOutputItem)
            ]
            assert [item.output for item in sent] == [outputs[0].output, outputs[1].output]
            creates = [e for e in _client_events(emu) if type(e).__name__ == "ResponseCreate"]
            assert len(creates) == 4  # two asked for, one follow-up per tool response

    arun(main(), timeout=20)


def test_barge_in_cancels_and_truncates_at_what_was_heard() -> None:
    async def main() -> None:
        async with Emulator(speed=2) as emu:  # slow enough to interrupt mid-answer
            emu.script.queue_reply("This is a long answer " * 20)
            speaker = FakeSpeaker()
            async with VoiceSession.connect(
                api_key=KEY, base_url=emu.base_url, vad="none", speaker=speaker
            ) as session:
                await session.say("Tell me a story")
                item_id = None
                async for event in session.events():
                    if isinstance(event, AudioDelta):
                        item_id = event.item_id
                        break
                assert item_id is not None
                speaker.heard[item_id] = 120
                await session.barge_in()
                interrupted = None
                async for event in session.events():
                    if isinstance(event, Interrupted):
                        interrupted = event
                    if isinstance(event, AudioDelta):
                        raise AssertionError("audio of the cancelled response was played")
                    if isinstance(event, ResponseDone):
                        assert event.status == "cancelled"
                        break
                assert interrupted is not None and interrupted.heard_ms == 120
                assert speaker.flushes == 1
                await asyncio.sleep(0.05)
            events = _client_events(emu)
            assert any(isinstance(e, ResponseCancel) for e in events)
            truncates = [e for e in events if isinstance(e, ConversationItemTruncate)]
            assert truncates == [
                ConversationItemTruncate(
                    item_id=item_id,
                    content_index=0,
                    audio_end_ms=120,
                    event_id=truncates[0].event_id,
                )
            ]

    arun(main(), timeout=20)


def test_send_pcm16_takes_arrays_and_bytes() -> None:
    async def main() -> None:
        async with Emulator(speed=50) as emu:
            async with VoiceSession.connect(api_key=KEY, base_url=emu.base_url, vad="none") as s:
                await s.send_pcm16(np.arange(480, dtype=np.int16))
                await s.send_pcm16(b"\x00\x00" * 480)
                await asyncio.sleep(0.05)
            appends = [
                e for e in _client_events(emu) if type(e).__name__ == "InputAudioBufferAppend"
            ]
            assert [len(e.audio) for e in appends] == [960, 960]
            assert np.array_equal(
                np.frombuffer(appends[0].audio, dtype="<i2"), np.arange(480, dtype=np.int16)
            )

    arun(main())


class DelayedStopSpeaker(FakeSpeaker):
    """A speaker whose output falls silent 40 ms after a flush, with a notice to give."""

    def __init__(self) -> None:
        super().__init__()
        self.audible_stop_at: float | None = None
        self._notices: list[str] = []

    def flush(self) -> dict[str, int]:
        self.audible_stop_at = time.monotonic() + 0.04
        self._notices.append("output device 7 reports no DAC time")
        return super().flush()

    def take_notices(self) -> list[str]:
        notices, self._notices = self._notices, []
        return notices


def test_the_stop_figure_is_when_the_speaker_falls_silent_and_its_notices_are_events() -> None:
    async def main() -> None:
        async with Emulator(speed=2) as emu:
            emu.script.queue_reply("This is a long answer " * 20)
            speaker = DelayedStopSpeaker()
            async with VoiceSession.connect(
                api_key=KEY, base_url=emu.base_url, vad="none", speaker=speaker
            ) as session:
                await session.say("Tell me a story")
                async for event in session.events():
                    if isinstance(event, AudioDelta):
                        break
                await session.barge_in()
                notices = []
                async for event in session.events():
                    if isinstance(event, Notice):
                        notices.append(event.text)
                    if isinstance(event, ResponseDone):
                        break
                assert notices.count("output device 7 reports no DAC time") == 1
                # Not the flush call (microseconds): the silence 40 ms later.
                assert 39.0 <= session.barge_in_ms[0] <= 60.0

    arun(main(), timeout=20)


def test_ask_returns_the_answer_that_follows_its_tool_calls() -> None:
    @tool
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    async def main() -> None:
        async with Emulator(speed=50) as emu:
            emu.script.set_tool_arguments("add", {"a": 2, "b": 40})
            async with VoiceSession.connect(
                api_key=KEY, base_url=emu.base_url, vad="none", tools=[add]
            ) as session:
                answer = await asyncio.wait_for(session.ask("please call add"), 10)
            assert "42" in answer
            creates = [e for e in _client_events(emu) if isinstance(e, ResponseCreate)]
            assert len(creates) == 2  # the question, then the follow-up with the result
            follow_up = creates[1].response
            assert isinstance(follow_up, ResponseCreateParams)
            assert follow_up.output_modalities == ["text"]  # text, as ask() asked

    arun(main(), timeout=20)


def test_a_refused_response_create_fails_its_handle() -> None:
    async def main() -> None:
        async with (
            Emulator(speed=50) as emu,
            VoiceSession.connect(api_key=KEY, base_url=emu.base_url, vad="none") as s,
        ):
            handle = await s.create_response(
                ResponseCreateParams(input=[ItemReference(id="item_nowhere")])
            )
            with pytest.raises(RtError, match="item_nowhere"):
                await asyncio.wait_for(handle.wait(), 10)
            assert await asyncio.wait_for(s.ask("still there?"), 10)  # the session goes on

    arun(main(), timeout=20)
