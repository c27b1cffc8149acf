"""Barge-in through real PortAudio on the virtual speaker, checked at its monitor: the
output falls silent within 20 ms of speech_started reaching the session, and the truncation
is within 20 ms of the reply audio that reached the monitor (the README's figures)."""

from __future__ import annotations

import asyncio
import random
import statistics
import threading

import pytest

from realtime_cli.emulator import Emulator
from realtime_cli.session import VoiceSession, tool
from tests.audio.device_barge_in import DeviceBargeIn, barge_in_on_device
from tests.audio.virtual_audio import VirtualAudio

pytestmark = pytest.mark.virtual_audio

TRIALS = 5
TARGET_MS = 20.0


def test_barge_in_is_silent_at_the_monitor_and_truncates_what_reached_it(
    virtual_audio: VirtualAudio,
) -> None:
    async def trials() -> list[DeviceBargeIn]:
        rng = random.Random(9)
        async with Emulator(speed=5.0) as emu:
            return [
                await barge_in_on_device(emu, virtual_audio.env, rng.uniform(0.3, 1.5))
                for _ in range(TRIALS)
            ]

    results = asyncio.run(trials())
    stops = [r.audible_stop_ms for r in results if r.audible_stop_ms is not None]
    assert len(stops) >= 3, results  # most cuts land in a word, not in a gap
    assert statistics.median(stops) <= TARGET_MS, results
    for r in results:
        assert abs(r.truncate_error_ms) <= TARGET_MS, r
        assert r.output_latency_ms > 0
        # The figure the TUI shows is the audible stop, not the time to call flush().
        assert 0 <= r.reported_stop_ms <= TARGET_MS, r
        if r.audible_stop_ms is not None:
            # Within the tap's resolution: 5 ms reads, a null sink rendering a few ms ahead.
            assert abs(r.reported_stop_ms - r.audible_stop_ms) <= 10.0, r


def test_barge_in_stays_prompt_while_a_slow_sync_tool_runs(
    virtual_audio: VirtualAudio,
) -> None:
    started = threading.Event()
    release = threading.Event()
    finished = threading.Event()

    @tool(cancel_on_interrupt=False)
    def lookup() -> str:
        """A slow lookup (a plain def that blocks)."""
        started.set()
        release.wait(timeout=30)  # runs until the trial is over (not a fixed time)
        finished.set()
        return "found"

    async def start_the_tool(session: VoiceSession) -> None:
        await session.say("Please lookup the answer.")  # the emulator calls `lookup`
        async with asyncio.timeout(5):
            while not started.is_set():
                await asyncio.sleep(0.01)

    async def trial() -> DeviceBargeIn:
        async with Emulator(speed=5.0) as emu:
            return await barge_in_on_device(
                emu, virtual_audio.env, 0.5, tools=[lookup], prelude=start_the_tool
            )

    try:
        result = asyncio.run(trial())
        assert not finished.is_set()  # the tool was still running through the barge-in
    finally:
        release.set()
    assert result.underruns == 0, result
    assert result.audible_stop_ms is not None and result.audible_stop_ms <= TARGET_MS, result
    assert abs(result.truncate_error_ms) <= TARGET_MS, result
