"""Answers played on the virtual speaker through real PortAudio, measured at its monitor:
first-sample latency and underruns (shared by the virtual-device tests and `make bench`).

Settings are those of `rt talk` (`SoundDeviceSpeaker` defaults: latency 'low', 10 ms blocks,
no prebuffer floor); the emulator runs in this process."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from realtime_cli.audio.playback import SoundDeviceSpeaker
from realtime_cli.emulator import Emulator
from realtime_cli.protocol import ResponseOutputAudioDelta, ServerVad
from realtime_cli.session import ResponseDone, VoiceSession
from tests.audio.monitor_tap import MonitorTap

ANSWER = "Here is a short spoken answer to your question, said at a steady pace."


class DeltaTimedSession(VoiceSession):
    """Notes when the first audio delta of each response reached the session."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.first_delta_at: dict[str, float] = {}

    async def _handle(self, event: Any) -> None:
        if isinstance(event, ResponseOutputAudioDelta):
            self.first_delta_at.setdefault(event.response_id, time.monotonic())
        await super()._handle(event)


@dataclass(frozen=True)
class PlayedAnswers:
    """Per answer: first delta at rt -> its first sample at the monitor (ms), and the
    jitter buffer's underruns; PortAudio's output underflows over the whole session."""

    first_sample_ms: list[float]
    underruns: list[int]
    device_underflows: int
    output_latency_ms: float


async def play_answers(
    tap_env: dict[str, str], answers: int, *, speed: float, chunk_ms: int = 150
) -> PlayedAnswers:
    """Ask for `answers` answers in one session; each one plays out before the next."""
    tap = MonitorTap(tap_env)
    speaker = SoundDeviceSpeaker("vspeaker")
    vad = ServerVad(create_response=False, interrupt_response=True)
    first_ms: list[float] = []
    underruns: list[int] = []
    try:
        async with Emulator(speed=speed, chunk_ms=chunk_ms) as emu:
            opening = DeltaTimedSession.connect(
                api_key="sk-device", base_url=emu.base_url, vad=vad, speaker=speaker
            )
            async with speaker, opening as session:
                assert isinstance(session, DeltaTimedSession)
                await asyncio.sleep(0.5)  # a new virtual stream can drop its first moments
                for _ in range(answers):
                    emu.script.queue_reply(ANSWER)
                    before = speaker.underruns
                    mark = tap.mark()
                    handle = await session.say("Answer me.")
                    done: ResponseDone = await handle.wait()
                    await speaker.drain(timeout=30)
                    await asyncio.sleep(0.2)
                    underruns.append(speaker.underruns - before)
                    delta_at = session.first_delta_at[done.response_id]
                    first_ms.append((_first_sound_at(tap, mark) - delta_at) * 1000)
                latency_ms = speaker._nominal_latency * 1000
                device_underflows = speaker.device_underflows
    finally:
        tap.stop()
    return PlayedAnswers(first_ms, underruns, device_underflows, latency_ms)


def _first_sound_at(tap: MonitorTap, after: int) -> float:
    samples = tap.samples_since(after)
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > 300)
    if not loud.size:
        raise AssertionError("nothing of the answer reached the monitor")
    return tap.arrival(after + int(loud[0]))
