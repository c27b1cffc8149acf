"""Barge-in bookkeeping on a WAV speaker (rt issue 5, kept as a check by issue 9): the
figures a user hears are measured on real devices by `bench_voice_device.py`; these check
rt's own accounting where the output is known exactly.

Each trial opens a `VoiceSession` with server VAD (`interrupt_response` on, `create_response`
off) and a `WavSpeaker` at 48 kHz in "realtime" pacing (10 ms blocks rendered on the wall
clock) with a simulated 20 ms output latency, asks for a long spoken reply, lets a random
stretch of it play, then streams synthesized speech as microphone frames (20 ms apart) until
the emulator's VAD answers with `input_audio_buffer.speech_started`; the session flushes
playback and sends `conversation.item.truncate`. The emulator runs in this process.

- Stop: from the speech_started reaching the session to the WAV's last reply sample placed
  on the wall clock (each block at its render time + the output latency). Trials cut in a
  gap between words are counted, not timed.
- Truncate error: `audio_end_ms` of the truncate the emulator received - the reply audio in
  the WAV (read back, resampled to 24 kHz, aligned with the reply's known samples, cut found
  by least squares; inside a word gap any point of the gap is exact). Trials with a playback
  underrun are kept and counted.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soxr

from realtime_cli.audio import WavSpeaker
from realtime_cli.emulator import Emulator
from realtime_cli.emulator.synth import SAMPLE_RATE, speak
from realtime_cli.protocol import ServerVad
from tests.audio.device_barge_in import TimedVoiceSession, align, cut_span, interrupt_reply

TRIALS = 30
BLOCK_S = 0.01
RATE = 48000
LATENCY_S = 0.02
#: Long words: few gaps between words, so few trials land in silence. About 25 s of audio.
REPLY = " ".join(["internationalization characteristically"] * 16) + "."
PLAY_BEFORE_S = (0.2, 1.2)


class _TimedSpeaker(WavSpeaker):
    """A 48 kHz WavSpeaker that notes when each block was rendered."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            path, rate=RATE, pacing="realtime", block_s=BLOCK_S, output_latency=LATENCY_S
        )
        self.blocks: list[tuple[float, int]] = []  # (monotonic time, first frame)

    def _render(self, n_frames: int) -> None:
        self.blocks.append((time.monotonic(), self.frames_written))
        super()._render(n_frames)


@dataclass
class _Trial:
    stop_ms: float | None  # None: cut in a gap between words
    truncate_error_ms: float
    reported_ms: float
    underruns: int


def _read_wav(path: Path) -> np.ndarray[Any, np.dtype[np.float32]]:
    with wave.open(str(path), "rb") as wav:
        assert wav.getframerate() == RATE and wav.getnchannels() == 1
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    return pcm.astype(np.float32) / 32768


def _heard_at(blocks: list[tuple[float, int]], frame: int) -> float:
    """When output frame `frame` reached the (simulated) DAC."""
    starts = [start for _, start in blocks]
    index = max(0, int(np.searchsorted(starts, frame, side="right")) - 1)
    rendered, start = blocks[index]
    return rendered + (frame - start) / RATE + LATENCY_S


async def _trial(
    emu: Emulator, path: Path, play_s: float, reference: np.ndarray[Any, Any]
) -> _Trial:
    speaker = _TimedSpeaker(path)
    vad = ServerVad(create_response=False, interrupt_response=True)
    emu.queue_reply(REPLY)
    async with TimedVoiceSession.connect(
        api_key="sk-bench", base_url=emu.base_url, vad=vad, speaker=speaker
    ) as session:
        assert isinstance(session, TimedVoiceSession)
        connection = emu.connections[-1].index
        # A few more blocks of (silent) output after the cut.
        truncate = await interrupt_reply(session, emu, connection, play_s, settle_s=0.05)
        trigger = session.speech_started_at
        reported = session.barge_in_ms[0]
    await speaker.close()
    assert trigger is not None
    out = soxr.resample(_read_wav(path), RATE, SAMPLE_RATE)
    offset = align(reference, out)
    cut, upper = cut_span(reference, out[offset:])
    end = truncate.audio_end_ms * SAMPLE_RATE / 1000
    error = min(0.0, end - cut) + max(0.0, end - upper)
    stop_ms = None
    if upper - cut <= SAMPLE_RATE // 200:
        last = (offset + cut - 1) * RATE // SAMPLE_RATE
        stop_ms = (_heard_at(speaker.blocks, last) - trigger) * 1000
    return _Trial(stop_ms, error * 1000 / SAMPLE_RATE, reported, speaker.underruns)


async def _trials() -> list[_Trial]:
    rng = random.Random(5)
    reference = speak(REPLY).samples.astype(np.float32) / 32768
    results: list[_Trial] = []
    with tempfile.TemporaryDirectory() as tmp:
        async with Emulator(speed=5.0) as emu:
            for index in range(TRIALS + 1):
                trial = await _trial(
                    emu, Path(tmp) / f"out{index}.wav", rng.uniform(*PLAY_BEFORE_S), reference
                )
                if index:  # the first one warms up imports and caches
                    results.append(trial)
    return results


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def run() -> list[dict[str, object]]:
    """Bookkeeping checks on a 48 kHz WAV speaker with 20 ms of output latency, in ms."""
    trials = asyncio.run(_trials())
    stops = [t.stop_ms for t in trials if t.stop_ms is not None]
    errors = [abs(t.truncate_error_ms) for t in trials]
    underrun_trials = sum(1 for t in trials if t.underruns)
    where = (
        f"WAV bookkeeping check: {len(trials)} barge-ins, WavSpeaker 48 kHz realtime pacing, "
        f"{BLOCK_S * 1000:.0f} ms blocks, {LATENCY_S * 1000:.0f} ms simulated output latency "
        f"({underrun_trials} trials with an underrun, kept)"
    )
    return [
        {
            "name": "WAV check: stop (speech_started -> last reply sample at the DAC), p50",
            "value": _pct(stops, 50),
            "unit": "ms",
            "note": f"{where}; {len(trials) - len(stops)} cut in a word gap, not timed; p99 "
            f"{_pct(stops, 99):.1f} ms (a WAV cannot be aborted: flush + fade + latency)",
        },
        {
            "name": "WAV check: |truncate error|, max",
            "value": max(errors),
            "unit": "ms",
            "note": f"{where}; median {_pct(errors, 50):.1f} ms",
        },
    ]
