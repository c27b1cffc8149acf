"""A stalled network never holds up the microphone: at most 2 s of audio waits, the oldest
is dropped beyond that, with a warning."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import numpy as np

from realtime_cli.emulator import Emulator
from realtime_cli.session import Notice, ReconnectPolicy, VoiceSession
from tests.emulator.support import arun

FRAME = np.full(480, 1000, dtype=np.int16)  # 20 ms
SECONDS = 600  # more than the socket buffers of loopback hold


async def _microphone() -> AsyncIterator[np.ndarray]:
    for index in range(SECONDS * 50):
        if index % 100 == 0:
            await asyncio.sleep(0.002)  # a fast clock: minutes of audio in about a second
        yield FRAME


def test_a_stalled_network_drops_old_audio_with_a_warning_and_bounded_memory() -> None:
    async def main() -> None:
        async with (
            Emulator(speed=50) as emu,
            VoiceSession.connect(
                api_key="sk-bp",
                base_url=emu.base_url,
                vad="none",
                reconnect=ReconnectPolicy(enabled=False),
            ) as session,
        ):
            for socket in list(emu._sockets):
                socket.pause_reading()  # the service stops reading: sends back up
            streaming = asyncio.create_task(session.stream_audio_pcm16(_microphone()))
            warning = None
            async for event in session.events():
                if isinstance(event, Notice) and event.details.get("backpressure"):
                    warning = event
                    break
            assert warning is not None and "not keeping up" in warning.text
            # The microphone side finishes although the network never drains.
            await asyncio.sleep(1.0)
            assert session.dropped_audio_frames > 0
            total = SECONDS * 50
            kept = total - session.dropped_audio_frames
            # What was not dropped either went out before the stall filled the socket
            # buffers or waits in the 2 s backlog: far less than everything.
            assert kept < total // 2
            streaming.cancel()

    arun(main(), timeout=30)
