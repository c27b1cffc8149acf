"""One barge-in on the virtual speaker through real PortAudio, measured at the speaker's
monitor: shared by the virtual-device test and `make bench`.

The session (server VAD, `interrupt_response` on) plays a long reply from the emulator on
`SoundDeviceSpeaker("vspeaker")` with the settings `rt talk` uses, then the user's speech is
streamed until the emulator's VAD sends `input_audio_buffer.speech_started`. A `parec` tap on
`vspeaker.monitor` records what was played; aligned with the reply's known audio it gives
where the reply stopped (the monitor's cut) and when (the chunk's arrival time, an upper
bound). Audible stop = that time - when speech_started reached the session; truncation
error = the truncate's `audio_end_ms` - the reply's ms before the monitor's cut.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import soxr
from numpy.typing import NDArray

from realtime_cli.audio.playback import SoundDeviceSpeaker
from realtime_cli.audio.playback_buffer import BufferedOutput
from realtime_cli.emulator import Emulator
from realtime_cli.emulator.synth import SAMPLE_RATE, speak
from realtime_cli.protocol import ConversationItemTruncate, InputAudioBufferSpeechStarted, ServerVad
from realtime_cli.session import ToolSpec, VoiceSession
from tests.audio.monitor_tap import MonitorTap

#: Long words: few gaps between words, so few trials land in silence.
REPLY = " ".join(["internationalization characteristically"] * 12) + "."
USER_SPEECH = speak("stop stop stop stop stop").samples
FRAME = 480  # 20 ms


class TimedVoiceSession(VoiceSession):
    """Notes when `speech_started` reached the session (the barge-in's trigger)."""

    speech_started_at: float | None = None

    async def _handle(self, event: Any) -> None:
        if isinstance(event, InputAudioBufferSpeechStarted) and self.speech_started_at is None:
            self.speech_started_at = time.monotonic()
        await super()._handle(event)


@dataclass(frozen=True)
class DeviceBargeIn:
    """The outcome of one trial, in ms."""

    #: speech_started reaching the session -> the reply's last sample at the monitor; None
    #: when the reply was silent there (a gap between words) at the trigger.
    audible_stop_ms: float | None
    #: The truncate's audio_end_ms - the reply's audio that reached the monitor (0 inside
    #: a gap between words, where the monitor cannot place the cut).
    truncate_error_ms: float
    #: What the session reported (the TUI's stop figure).
    reported_stop_ms: float
    heard_ms: float
    output_latency_ms: float
    underruns: int


def _truncates(emu: Emulator, connection: int) -> list[ConversationItemTruncate]:
    return [e for e in emu.client_events(connection) if isinstance(e, ConversationItemTruncate)]


def align(reference: NDArray[np.float32], capture: NDArray[np.float32]) -> int:
    """The offset of `reference` in `capture` (both 24 kHz), by FFT cross-correlation."""
    ref = reference[: 2 * SAMPLE_RATE]
    n = 1 << int(np.ceil(np.log2(capture.size + ref.size)))
    corr = np.fft.irfft(np.fft.rfft(capture, n) * np.conj(np.fft.rfft(ref, n)), n)
    return int(np.argmax(corr[: capture.size]))


def _least_squares_cut(reference: NDArray[np.float32], heard: NDArray[np.float32]) -> int:
    """Where the reply stops in `heard` (aligned with it): the split that best explains
    `heard` as the reference up to there and silence after it (least squares)."""
    n = min(reference.size, heard.size)
    ref, got = reference[:n], heard[:n]
    gain = float(
        np.dot(got[:SAMPLE_RATE], ref[:SAMPLE_RATE]) / np.dot(ref[:SAMPLE_RATE], ref[:SAMPLE_RATE])
    )
    ref = ref * gain
    # cost(k) = sum_{<k} (got - ref)^2 + sum_{>=k} got^2 = const + prefix sum of d
    d = ref.astype(np.float64) ** 2 - 2.0 * got * ref
    return int(np.argmin(np.concatenate(([0.0], np.cumsum(d)))))


def cut_span(reference: NDArray[np.float32], heard: NDArray[np.float32]) -> tuple[int, int]:
    """Where the reply stops in `heard` (aligned with it), as a span: in a gap between words
    the recording cannot tell where in the gap the cut fell, any point up to where the
    reply's sound resumes is as good."""
    cut = _least_squares_cut(reference, heard)
    resumes = np.flatnonzero(np.abs(reference[cut:]) > 0.01)
    return cut, cut + (int(resumes[0]) if resumes.size else 0)


async def _speak_into(session: VoiceSession) -> None:
    for start in range(0, USER_SPEECH.size - FRAME + 1, FRAME):
        await session.send_pcm16(USER_SPEECH[start : start + FRAME])
        await asyncio.sleep(FRAME / SAMPLE_RATE)


async def interrupt_reply(
    session: VoiceSession, emu: Emulator, connection: int, play_s: float, *, settle_s: float
) -> ConversationItemTruncate:
    """Ask for the long reply, let about `play_s` of it play, then speak over it until the
    session truncates it; wait `settle_s` more. The truncate the emulator received."""
    speaker = session.speaker
    assert isinstance(speaker, BufferedOutput)
    await session.say("Talk for a while.")
    async with asyncio.timeout(10):
        while not speaker.buffer.primed:
            await asyncio.sleep(0.002)
    await asyncio.sleep(play_s)
    talking = asyncio.create_task(_speak_into(session))
    try:
        async with asyncio.timeout(10):
            while not _truncates(emu, connection):
                await asyncio.sleep(0.002)
        await asyncio.sleep(settle_s)
    finally:
        talking.cancel()
    return _truncates(emu, connection)[0]


async def barge_in_on_device(
    emu: Emulator,
    tap_env: dict[str, str],
    play_s: float,
    *,
    device: str = "vspeaker",
    latency: str | float = "low",
    tools: Sequence[ToolSpec] = (),
    prelude: Callable[[VoiceSession], Awaitable[None]] | None = None,
) -> DeviceBargeIn:
    """Play the reply for about `play_s`, barge in, measure at the monitor. `prelude` runs
    first on the open session (e.g. to start a slow tool)."""
    reference = speak(REPLY).samples.astype(np.float32) / 32768
    tap = MonitorTap(tap_env, f"{device}.monitor")
    speaker = SoundDeviceSpeaker(device, latency=latency)
    vad = ServerVad(create_response=False, interrupt_response=True)
    emu.queue_reply(REPLY)
    try:
        opening = TimedVoiceSession.connect(
            api_key="sk-device", base_url=emu.base_url, vad=vad, speaker=speaker, tools=tools
        )
        async with speaker, opening as session:
            assert isinstance(session, TimedVoiceSession)
            connection = emu.connections[-1].index
            if prelude is not None:
                await prelude(session)
            # Then 0.3 s more: the monitor receives what follows the cut.
            truncate = await interrupt_reply(session, emu, connection, play_s, settle_s=0.3)
            trigger = session.speech_started_at
            reported = session.barge_in_ms[0]
            latency_ms = float(speaker._nominal_latency) * 1000
            underruns = speaker.underruns
    finally:
        capture48 = tap.stop()
    assert trigger is not None
    capture = soxr.resample(capture48.astype(np.float32) / 32768, 48000, SAMPLE_RATE)
    offset = align(reference, capture)
    cut, upper = cut_span(reference, capture[offset:])
    end = truncate.audio_end_ms * SAMPLE_RATE / 1000
    error = min(0.0, end - cut) + max(0.0, end - upper)
    stop_ms = None
    if upper - cut <= SAMPLE_RATE // 200:  # sounding at the cut (no gap of 5 ms or more)
        last = (offset + cut - 1) * 48000 // SAMPLE_RATE
        stop_ms = (tap.arrival(last) - trigger) * 1000
    return DeviceBargeIn(
        audible_stop_ms=stop_ms,
        truncate_error_ms=error * 1000 / SAMPLE_RATE,
        reported_stop_ms=reported,
        heard_ms=cut * 1000 / SAMPLE_RATE,
        output_latency_ms=latency_ms,
        underruns=underruns,
    )
